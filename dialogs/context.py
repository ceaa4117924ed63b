"""What a dialog may know besides the turn: the municipality, the person, the clock, the words."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

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

    def is_confidential(self, klass: str) -> bool:
        """要機密情報: the class is at or above `confidential_from` on the ordered scale."""
        order = self.confidentiality_classes
        return order.index(klass) <= order.index(self.confidential_from)


@dataclass(frozen=True)
class PersonFacts:
    """What the bot knows of the person talking (their stored profile)."""

    user_id: str
    display_name: str = ""
    division: str = ""
    contact: str = ""
    locale: str | None = None


@dataclass(frozen=True)
class DialogContext:
    catalogs: Catalogs
    municipality: MunicipalityFacts
    person: PersonFacts
    locale: str
    now: datetime = field(default_factory=lambda: datetime.now(JST))

    @property
    def msg(self) -> Catalog:
        return self.catalogs.for_locale(self.locale)

    def t(self, key: str, /, **params: object) -> str:
        return self.msg.t(key, **params)

    def with_locale(self, locale: str) -> DialogContext:
        return replace(self, locale=locale)
