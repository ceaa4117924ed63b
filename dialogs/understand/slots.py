"""What a message names besides its intent: a system, a purpose, the information, a device,
a report number. Used by the router (which intent fits) and by the answers (what was asked).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from dialogs import pii
from dialogs.keywords import mentions
from dialogs.registry import names_of
from dialogs.text import normalize
from dialogs.understand.analyser import Analysis, analyse, reading


@dataclass(frozen=True)
class Slots:
    system: str | None = None  # a 別表 entry's id
    undesignated: str | None = None  # a generative-AI service not in the 別表, as named
    purposes: tuple[str, ...] = ()  # the purposes named, as the 別表 words them
    report_number: str | None = None

    def present(self) -> set[str]:
        names = {"system", "undesignated", "report_number"}
        found = {name for name in names if getattr(self, name)}
        if self.purposes:
            found.add("purpose")
        return found


@cache
def _purpose_words() -> dict[str, tuple[str, ...]]:
    text = resources.files("dialogs.understand").joinpath("slots.toml").read_text("utf-8")
    return {key: tuple(words) for key, words in tomllib.loads(text)["purpose"].items()}


@dataclass(frozen=True)
class _PurposeWords:
    lemmas: frozenset[str]
    texts: tuple[str, ...]  # substrings of the folded text, incl. how the words sound


@cache
def _purposes() -> dict[str, _PurposeWords]:
    """Each purpose's words; also as they sound, in hiragana (「ぎじろく」 is 議事録)."""
    found = {}
    for purpose, words in _purpose_words().items():
        lemmas = frozenset(w for w in words if not w.startswith("text:"))
        texts = {w.removeprefix("text:") for w in words if w.startswith("text:")}
        texts |= {reading(w) for w in lemmas if not w.isascii()}
        found[purpose] = _PurposeWords(lemmas, tuple(t for t in texts if len(t) >= 3))
    return found


def purposes_in(analysis: Analysis) -> tuple[str, ...]:
    lemmas = set(analysis.lemmas)
    return tuple(
        purpose
        for purpose, words in _purposes().items()
        if words.lemmas & lemmas or any(text in analysis.folded for text in words.texts)
    )


@lru_cache(maxsize=8)
def _system_names(names: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, str], ...]:
    """Every (folded name, system id), longest first, for one 別表."""
    folded = [
        (normalize(name).replace(" ", ""), system_id)
        for system_id, all_names in names
        for name in all_names
    ]
    return tuple(sorted((f for f in folded if len(f[0]) >= 2), key=lambda f: -len(f[0])))


def system_in(text: str, systems: Sequence[Any]) -> str | None:
    """The 別表 entry a message names: the longest name inside it (a Latin name only as a
    whole word: "RAG" is not in "paragraph"), else a name one typo away (registry's rule)."""
    if not systems:
        return None
    names = _system_names(tuple((s.id, tuple(names_of(s))) for s in systems))
    folded = normalize(text).replace(" ", "")
    for name, system_id in names:
        if name in folded and (not name.isascii() or _whole_latin(folded, name)):
            return system_id
    # One typo away (「Copilto」): the registry's rule, on words long enough to misspell,
    # compared only with names of about the same length that share a first or last letter.
    words = [w for w in normalize(text).split() if len(w) >= 4]
    words += re.findall(r"[a-z0-9]{4,}", folded)
    for word in words:
        for name, system_id in names:
            if abs(len(name) - len(word)) > 2 or (name[0] != word[0] and name[-1] != word[-1]):
                continue
            if difflib.SequenceMatcher(None, word, name).ratio() >= 0.8:
                return system_id
    return None


def _whole_latin(folded: str, name: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", folded) is not None


def slots_of(text: str, systems: Sequence[Any] = ()) -> Slots:
    from dialogs.risk_report import number_in  # the report number's one definition

    analysis = analyse(text)
    system_id = system_in(text, systems)
    return Slots(
        system=system_id,
        undesignated=None if system_id else mentions(text, "entry", "undesignated"),
        purposes=purposes_in(analysis),
        report_number=number_in(text),
    )


def personal_in(text: str) -> bool | None:
    """Whether the message says its information has personal information (None: unsaid).

    Kept out of `slots_of`: the PII scan costs more than the rest of a turn's understanding,
    so it runs only for the answers that need it.
    """
    if mentions(text, "entry", "no_personal"):
        return False
    if mentions(text, "entry", "personal_info") or pii.scan(text).personal:
        return True
    return None


def published_in(text: str) -> bool | None:
    if mentions(text, "entry", "unpublished"):
        return False
    if mentions(text, "entry", "published"):
        return True
    return None


def personal_device_in(text: str) -> bool:
    return mentions(text, "entry", "personal_device") is not None
