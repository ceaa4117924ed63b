"""What a message names besides its intent: a system, a purpose, the information, a device,
a report number. Used by the router (which intent fits) and by the answers (what was asked).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dialogs import pii
from dialogs.keywords import mentions
from dialogs.registry import mentioned_system
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


@cache
def _readings() -> dict[str, tuple[str, ...]]:
    """Each purpose word also as it sounds, in hiragana: 「ぎじろく」 is 議事録."""
    found: dict[str, tuple[str, ...]] = {}
    for purpose, words in _purpose_words().items():
        sounds = {reading(w) for w in words if not w.startswith("text:") and not w.isascii()}
        found[purpose] = tuple(s for s in sounds if len(s) >= 3)
    return found


def purposes_in(analysis: Analysis) -> tuple[str, ...]:
    lemmas = set(analysis.lemmas)
    found = []
    for purpose, words in _purpose_words().items():
        for word in words:
            hit = (
                word.removeprefix("text:") in analysis.folded
                if word.startswith("text:")
                else word in lemmas
            )
            if hit:
                found.append(purpose)
                break
        else:
            if any(sound in analysis.folded for sound in _readings()[purpose]):
                found.append(purpose)
    return tuple(found)


def slots_of(text: str, systems: Sequence[Any] = ()) -> Slots:
    from dialogs.risk_report import number_in  # the report number's one definition

    analysis = analyse(text)
    system = mentioned_system(systems, text) if systems else None
    return Slots(
        system=system.id if system is not None else None,
        undesignated=None if system else mentions(text, "entry", "undesignated"),
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
