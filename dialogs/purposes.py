"""Which of a system's purposes free text names (§3(2)1): its 利用可能な業務の範囲 or a purpose
the 別表 prohibits for it. Used by the entry decision, the purpose question and understanding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.text import normalize
from storage.models import AISystem


def matches(purpose: str, listed: Sequence[str]) -> bool:
    wanted = normalize(purpose)
    if not wanted:
        return False
    return any(normalize(p) in wanted or wanted in normalize(p) for p in listed if normalize(p))


@dataclass(frozen=True)
class PurposeMatch:
    """What free text says about a system's 利用可能な業務の範囲 (§3(2)1)."""

    purpose: str  # as the 別表 lists it
    prohibited: bool


def match_purpose(text: str, system: AISystem) -> PurposeMatch | None:
    """The listed or prohibited purpose that free text names, or None.

    A prohibited purpose wins even when the text also names a listed one (「採用選考の文書作成」),
    so nobody is told "within the scope" for what the 別表 forbids. A purpose may be named in
    full, by a part of it typed as the answer (「文書」), or by its last word in a sentence
    (「要約して」 for 「公開資料の要約」).
    """
    folded = normalize(text).replace(" ", "")
    if not folded:
        return None
    for listed, prohibited in (
        (system.prohibited_purposes, True),
        (system.purposes, False),
    ):
        for purpose in sorted(listed, key=len, reverse=True):
            key = normalize(purpose).replace(" ", "")
            if key and (key in folded or folded in key):
                return PurposeMatch(purpose, prohibited)
    for purpose in system.purposes:
        tail = normalize(purpose).split("の")[-1]
        if len(tail) >= 2 and tail in folded:
            return PurposeMatch(purpose, False)
    for listed, prohibited in (
        (system.prohibited_purposes, True),
        (system.purposes, False),
    ):
        for purpose in listed:
            if _named_by_its_verb(normalize(purpose).replace(" ", ""), folded):
                return PurposeMatch(purpose, prohibited)
    return None


# A purpose made of an object and an action noun (「議事録作成」) is also named by the object
# with the action's verb: 「議事録を作りたい」, 「マニュアルを探して」.
_ACTIONS = {
    "作成": ("作成", "作"),
    "要約": ("要約", "まとめ"),
    "校正": ("校正", "チェック"),
    "翻訳": ("翻訳", "訳"),
    "検索": ("検索", "探", "調べ"),
}


def _named_by_its_verb(purpose: str, folded: str) -> bool:
    for action, verbs in _ACTIONS.items():
        if purpose.endswith(action):
            thing = purpose.removesuffix(action).removesuffix("の")
            return len(thing) >= 2 and thing in folded and any(v in folded for v in verbs)
    return False
