"""The person's profile: name, division and contact, used to prefill later forms."""

from __future__ import annotations

import re

from dialogs.context import DialogContext
from dialogs.effects import SaveProfile
from dialogs.fields import ChoiceKind, TextKind
from dialogs.forms import Field, Form
from dialogs.ui import Option, Step, Text

# An extension (内線1234), a phone number or an e-mail address (checked after width folding).
_CONTACT = re.compile(r"^(?:[^@\s]+@[^@\s]+\.[^@\s]+|(?:内線|ext\.?|x)?\s*[0-9][0-9\- ()]{1,19})$")


def _valid_contact(value: str) -> str | None:
    return None if _CONTACT.match(value) else "forms.profile.contact.invalid"


def _divisions(ctx: DialogContext) -> list[Option]:
    return [Option(name, name) for name in ctx.municipality.divisions]


def _save(answers: dict[str, str], ctx: DialogContext) -> Step:
    profile = SaveProfile(
        display_name=answers["name"],
        division=answers["division"],
        contact=answers.get("contact", ""),
    )
    return Step().say(Text(ctx.t("forms.profile.saved", name=profile.display_name))).do(profile)


PROFILE_FORM = Form(
    key="profile",
    fields=(
        Field("name", TextKind(max_length=60), default=lambda ctx: ctx.person.display_name or None),
        Field("division", ChoiceKind(_divisions), default=lambda ctx: ctx.person.division or None),
        Field(
            "contact",
            TextKind(max_length=80, validator=_valid_contact, fold_width=True),
            required=False,
            default=lambda ctx: ctx.person.contact or None,
        ),
    ),
    on_submit=_save,
)
