"""Keyword lists (from `messages/keywords.toml`) matched against normalised text."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from dialogs.text import normalize


@cache
def _raw() -> dict[str, dict[str, list[str]]]:
    text = resources.files("dialogs").joinpath("messages/keywords.toml").read_text()
    return tomllib.loads(text)


@cache
def _keywords() -> dict[str, dict[str, frozenset[str]]]:
    raw = _raw()
    return {
        group: {
            meaning: frozenset(n for w in words if (n := normalize(w)))
            for meaning, words in table.items()
        }
        for group, table in raw.items()
    }


# 「送信して」「中止してください」「修正します」「なしです」: a command said as a request (or
# politely) is the command; so is 「特になし」's kin 「特にありません」.
_REQUEST_ENDING = re.compile(
    r"(?:して(?:ください|下さい|ほしい|欲しい)?|します|ください|下さい|です)$"
)
_PLEASE = re.compile(
    r"^(?:では|じゃあ|じゃ|それでは|それで)?(.+?)(?:で)?(?:お願いします|おねがいします)$"
)
_IN_PARTICULAR = re.compile(r"^(?:特に|とくに)")
# 「send it」「please send」「nothing yet」: English words around a command that change nothing.
_ENGLISH_FILLERS = frozenset({"please", "it", "now", "yet", "thanks", "thank", "you"})


def control_word(text: str) -> str | None:
    """yes / no / back / skip / cancel / submit / edit / continue / later, or None."""
    normalized = normalize(text)
    if (word := _match("control", normalized, exact=True)) is not None:
        return word
    if normalized.isascii():
        kept = [w for w in re.split(r"[\s,.!]+", normalized) if w and w not in _ENGLISH_FILLERS]
        shorter = " ".join(kept)
        return _match("control", shorter, exact=True) if shorter != normalized else None
    folded = re.sub(r"[\s、，,。!！]", "", normalized)
    if m := _PLEASE.match(folded):
        folded = m[1]
    stem = _IN_PARTICULAR.sub("", _REQUEST_ENDING.sub("", folded))
    if stem == normalized:
        return None
    return _match("control", stem, exact=True)


def intent_word(text: str) -> str | None:
    """The intent a short message names (exactly, or as a contained keyword)."""
    return _match("intent", normalize(text), exact=False)


def _match(group: str, normalized: str, *, exact: bool) -> str | None:
    table = _keywords()[group]
    for meaning, words in table.items():
        if normalized in words:
            return meaning
    if exact or not normalized:
        return None
    # Japanese has no spaces between words, so a keyword may stand anywhere in the text;
    # a Latin keyword must be a whole word ("hi" must not match "this").
    latin_words = set(normalized.split())
    for meaning, words in table.items():
        for word in words:
            if word.isascii():
                if word in latin_words:
                    return meaning
            elif len(word) >= 2 and word in normalized:
                return meaning
    return None


def intent_keywords(intent: str) -> frozenset[str]:
    return _keywords()["intent"].get(intent, frozenset())


def words(group: str, meaning: str) -> frozenset[str]:
    return _keywords()[group].get(meaning, frozenset())


@cache
def _by_length(group: str, meaning: str) -> tuple[tuple[str, str], ...]:
    """(folded keyword, keyword as spelt), longest first."""
    words = sorted(_raw()[group].get(meaning, []), key=len, reverse=True)
    folded = ((normalize(w).replace(" ", ""), w) for w in words)
    return tuple((key, word) for key, word in folded if key)


def mentions(text: str, group: str, meaning: str) -> str | None:
    """The longest keyword of `group.meaning` inside the text, as the keyword list spells it."""
    folded = normalize(text).replace(" ", "")
    return next((word for key, word in _by_length(group, meaning) if key in folded), None)


def exact_intent(text: str) -> str | None:
    """The intent whose keyword list holds exactly this message (「ヘルプ」, 「報告」)."""
    return _match("intent", normalize(text), exact=True)
