"""Effects a dialog asks for; the bot applies them in the same transaction as the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SaveProfile:
    display_name: str
    division: str
    contact: str
    email: str = ""
    staff_number: str = ""


@dataclass(frozen=True)
class SetLocale:
    locale: str


@dataclass(frozen=True)
class SaveConfirmation:
    """A person's pre-use confirmations for guideline version `guideline_seq` (§3(1)1)."""

    training_completed_on: date | None
    items: tuple[str, ...]
    guideline_seq: int


@dataclass(frozen=True)
class PublishGuideline:
    """A new guideline version (§5); the bot stores it and notifies everyone affected."""

    version: str
    kind: str  # major | minor
    approver: str
    effective_on: date
    summary: str


@dataclass(frozen=True)
class ShowPreUseSummary:
    """The policy division asks how far staff are with their confirmations."""


Effect = SaveProfile | SetLocale | SaveConfirmation | PublishGuideline | ShowPreUseSummary


@dataclass(frozen=True)
class Refused:
    """An attempt someone may not make (an admin command, a policy-division button): refused
    and audited. `command` names what was recognised — the command's own words or a button
    id — never the free text around it."""

    command: str
