"""Effects a dialog asks for; the bot applies them in the same transaction as the state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SaveProfile:
    display_name: str
    division: str
    contact: str


@dataclass(frozen=True)
class SetLocale:
    locale: str


Effect = SaveProfile | SetLocale
