"""What a dialog may know besides the turn: the municipality, the person, the clock, the words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from dialogs.catalog import Catalog, Catalogs

JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True)
class Contact:
    """A place to turn to (§6): a division or officer with its e-mail and phone."""

    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class MunicipalityFacts:
    """The municipality's own settings, as the dialogs see them (no file formats here)."""

    tenant_id: str
    name: str
    guideline_version: str
    training_name: str
    confidentiality_classes: tuple[str, ...]
    confidential_from: str
    divisions: tuple[str, ...]
    policy_division: Contact
    caio: Contact
    security: Contact
    inquiry: Contact
    # §3(1)1: does a self-declared training date count, or only the policy division's roster?
    training_source: str = "self_declared"  # self_declared | roster
    renewal_days: int = 365  # confirmations are renewed yearly
    remind_after_days: int = 5  # working days before a pending confirmation is reminded
    admins: tuple[str, ...] = ()  # bootstrap admins (policy division), by user id
    caio_users: tuple[str, ...] = ()
    # §4イ・ウ: working days before an open report without handling / result is reminded.
    report_handling_days: int = 3
    report_result_days: int = 10
    # Where its policy-division and CAIO channels live ("" = the deployment's default
    # channel) and their ids there (a Slack channel id, a Teams channel conversation id).
    shared_channel: str = ""
    policy_channel_id: str = ""
    caio_channel_id: str = ""

    def is_confidential(self, klass: str) -> bool:
        """要機密情報: the class is at or above `confidential_from` on the ordered scale."""
        order = self.confidentiality_classes
        return order.index(klass) <= order.index(self.confidential_from)


@dataclass(frozen=True)
class Readiness:
    """The person's pre-use state (§3(1)1): training taken, confirmations given.

    `assumed` marks a state the bot has no record of (before the pre-use confirmations are
    recorded, or `aiguide check` without --user): taken as done, and the answer says so.
    """

    trained: bool
    confirmed: bool
    assumed: bool = False


ASSUMED_READY = Readiness(trained=True, confirmed=True, assumed=True)


@dataclass(frozen=True)
class PersonFacts:
    """What the bot knows of the person talking (their stored profile)."""

    user_id: str
    display_name: str = ""
    division: str = ""
    contact: str = ""
    email: str = ""
    staff_number: str = ""
    locale: str | None = None
    readiness: Readiness = ASSUMED_READY
    role: str = "staff"  # staff | admin | caio
    # The division the platform's directory gives (never the self-declared profile): what
    # makes someone a member of a system's 担当課室.
    verified_division: str = ""
    # The pre-use record behind `readiness` (dialogs.pre_use.PreUseState), when known.
    pre_use: Any = None


@dataclass(frozen=True)
class DialogContext:
    catalogs: Catalogs
    municipality: MunicipalityFacts
    person: PersonFacts
    locale: str
    now: datetime = field(default_factory=lambda: datetime.now(JST))
    # The 別表 entries of this tenant (storage.models.AISystem), loaded for the turn.
    systems: tuple[Any, ...] = ()
    # The active form's answers so far (the runner's live dict), so a field's choices can
    # depend on earlier answers (e.g. the purposes of the system chosen before).
    answers: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def msg(self) -> Catalog:
        return self.catalogs.for_locale(self.locale)

    def t(self, key: str, /, **params: object) -> str:
        return self.msg.t(key, **params)

    def with_locale(self, locale: str) -> DialogContext:
        return replace(self, locale=locale)

    def with_answers(self, answers: Mapping[str, str | None]) -> DialogContext:
        return replace(self, answers=answers)
