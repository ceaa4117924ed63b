"""The person's profile: name, division and contact, used to prefill later forms; and who they
are for training and confirmations (issue 9, staff identity): an e-mail address, asked only
when the platform's directory gave none, and a staff number where the training roster counts.
"""

from __future__ import annotations

import re

from dialogs.context import DialogContext
from dialogs.effects import SaveProfile
from dialogs.fields import ChoiceKind, TextKind, stored_length
from dialogs.forms import Answers, Field, Form
from dialogs.ui import Option, Step, Text
from storage.models import Person

# An extension (内線1234), a phone number or an e-mail address (checked after width folding).
_CONTACT = re.compile(r"^(?:[^@\s]+@[^@\s]+\.[^@\s]+|(?:内線|ext\.?|x)?\s*[0-9][0-9\- ()]{1,19})$")
# One address, as directories and rosters write them: a local part (64 at most, RFC 5321),
# one @, a domain of dot-separated labels with a letter-only top level; ASCII only.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}$"
)
# Staff numbers as HR exports them (S0042, 20-1234): letters, digits and inner hyphens.
_STAFF_NUMBER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


def valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and ".." not in value and not value.startswith(".")


def _valid_contact(value: str) -> str | None:
    return None if _CONTACT.match(value) else "forms.profile.contact.invalid"


def _valid_email(value: str) -> str | None:
    return None if valid_email(value) else "forms.profile.email.invalid"


def _valid_staff_number(value: str) -> str | None:
    return None if _STAFF_NUMBER.match(value) else "forms.profile.staff_number.invalid"


def _divisions(ctx: DialogContext) -> list[Option]:
    return [Option(name, name) for name in ctx.municipality.divisions]


def _no_directory_email(answers: Answers, ctx: DialogContext) -> bool:
    """The e-mail ties a person's accounts on several channels; the directory's (Slack
    profile, Entra UPN, a persona's) is known already and is never asked again."""
    return not ctx.person.email


def _roster_counts(answers: Answers, ctx: DialogContext) -> bool:
    """Where only the training roster counts, its rows name staff by number: ask for it
    (skippable), and always show one already given so it can be corrected."""
    return ctx.municipality.training_source == "roster" or bool(ctx.person.staff_number)


def _save(answers: dict[str, str], ctx: DialogContext) -> Step:
    profile = SaveProfile(
        display_name=answers["name"],
        division=answers["division"],
        contact=answers.get("contact", ""),
        # Directories differ in case (Yamada@… in Entra, yamada@… in Slack): stored folded,
        # as the runtime stores the directory's.
        email=answers.get("email", "").lower(),
        staff_number=answers.get("staff_number", ""),  # as the roster writes it
    )
    return Step().say(Text(ctx.t("forms.profile.saved", name=profile.display_name))).do(profile)


PROFILE_FORM = Form(
    key="profile",
    fields=(
        Field("name", TextKind(max_length=60), default=lambda ctx: ctx.person.display_name or None),
        Field("division", ChoiceKind(_divisions), default=lambda ctx: ctx.person.division or None),
        Field(
            "email",
            TextKind(
                max_length=stored_length(Person, "email"),
                validator=_valid_email,
                fold_width=True,
            ),
            condition=_no_directory_email,
        ),
        Field(
            "staff_number",
            TextKind(
                max_length=stored_length(Person, "staff_number"),
                validator=_valid_staff_number,
                fold_width=True,
            ),
            required=False,
            condition=_roster_counts,
            default=lambda ctx: ctx.person.staff_number or None,
        ),
        Field(
            "contact",
            TextKind(max_length=80, validator=_valid_contact, fold_width=True),
            required=False,
            default=lambda ctx: ctx.person.contact or None,
        ),
    ),
    on_submit=_save,
)
