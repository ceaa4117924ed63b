"""`system add` and `system edit ID`: the 別表 entry as a form, with every rule of the registry
checked when it is sent (the same rules as the import and `system set`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from dialogs.context import DialogContext
from dialogs.fields import (
    ChoiceKind,
    DateKind,
    TextKind,
    YesNoKind,
    catalog_choices,
    stored_length,
)
from dialogs.forms import Answers, Field, Form
from dialogs.registry import SERVER_LOCATIONS, SERVICE_TYPES, check_entry
from dialogs.registry_values import is_link
from dialogs.ui import Option, Step
from storage.models import AISystem

KEY = "system_form"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LIST = re.compile(r"[,、;；\n]")
LIST_FIELDS = ("aliases", "user_divisions", "purposes", "prohibited_purposes")
DATE_FIELDS = ("ml_exclusion_confirmed_on", "no_audit_confirmed_on", "cloud_permission_on")


@dataclass(frozen=True)
class SaveSystem:
    """A checked entry to add or replace; `request` names the designation request it grants."""

    values: dict[str, Any]
    mode: str  # add | edit
    request: int | None = None


def _valid_id(value: str) -> str | None:
    return None if _ID.match(value) else "forms.system_form.id.invalid"


def _valid_link(value: str) -> str | None:
    return None if is_link(value) else "forms.system_form.manual_url.invalid"


def _classes(ctx: DialogContext) -> list[Option]:
    return [Option(c, c) for c in ctx.municipality.confidentiality_classes]


def _divisions(ctx: DialogContext) -> list[Option]:
    return [Option(d, d) for d in ctx.municipality.divisions]


def values_of(answers: Answers) -> dict[str, Any]:
    """The answers as the entry's typed values."""
    values: dict[str, Any] = {}
    for key, value in answers.items():
        if key in ("mode", "request") or value is None:
            continue
        if key == "system":  # editing: the id is fixed, carried hidden
            values["id"] = value
            continue
        if key in LIST_FIELDS:
            values[key] = [part.strip() for part in _LIST.split(value) if part.strip()]
        elif key in DATE_FIELDS:
            values[key] = date.fromisoformat(value)
        elif key in ("users_all_staff", "personal_info"):
            values[key] = value == "yes"
        else:
            values[key] = value
    return values


def answers_of(system: AISystem) -> dict[str, str | None]:
    """An entry as the form's answers (to edit it): every field answered, empty optional ones
    as skipped, so editing goes straight to the confirmation."""
    answers: dict[str, str | None] = {"mode": "edit", "system": system.id}
    for field in FIELDS:
        value = getattr(system, field.key, None)
        if value is None or value == "" or value == []:
            if not field.required and field.ask:
                answers[field.key] = None
            continue
        if isinstance(value, list):
            answers[field.key] = ", ".join(value)
        elif isinstance(value, bool):
            answers[field.key] = "yes" if value else "no"
        elif isinstance(value, date):
            answers[field.key] = value.isoformat()
        else:
            answers[field.key] = str(value)
    return answers


def _problems(answers: dict[str, str], ctx: DialogContext) -> list[str]:
    entry = AISystem(tenant_id="", **values_of(answers))
    return [
        ctx.t("report.why", rule=ctx.t(p.message, **p.params), clause=p.clause)
        for p in check_entry(entry, ctx.municipality)
    ]


def _save(answers: dict[str, str], ctx: DialogContext) -> Step:
    request = answers.get("request")
    effect = SaveSystem(
        values=values_of(answers),
        mode=answers.get("mode", "add"),
        request=int(request) if request else None,
    )
    return Step().do(effect)


def _text(field: str, **options: Any) -> TextKind:
    """A text answer no longer than its column (one source of truth for the length)."""
    return TextKind(max_length=stored_length(AISystem, field), **options)


def _adding(a: Answers, ctx: DialogContext) -> bool:
    return a.get("mode") != "edit"


FIELDS: tuple[Field, ...] = (
    Field("mode", TextKind(), ask=False),
    Field("request", TextKind(), ask=False),
    Field("system", TextKind(), ask=False),
    Field("id", _text("id", validator=_valid_id, fold_width=True), condition=_adding),
    Field("name", _text("name")),
    Field("aliases", TextKind(max_length=500), required=False),
    Field("service_type", catalog_choices("registry.service_types", SERVICE_TYPES)),
    Field("owner_division", ChoiceKind(_divisions)),
    Field("owner_contact", _text("owner_contact"), required=False),
    Field("users_all_staff", YesNoKind()),
    Field(
        "user_divisions",
        TextKind(max_length=500),
        condition=lambda a, ctx: a.get("users_all_staff") == "no",
    ),
    Field("purposes", TextKind(max_length=1000), required=False),
    Field("prohibited_purposes", TextKind(max_length=1000), required=False),
    Field("max_class", ChoiceKind(_classes)),
    Field("personal_info", YesNoKind()),
    Field(
        "personal_info_condition",
        _text("personal_info_condition"),
        required=False,
        condition=lambda a, ctx: a.get("personal_info") == "yes",
    ),
    Field("server_location", catalog_choices("registry.server_locations", SERVER_LOCATIONS)),
    Field("ml_exclusion_confirmed_on", DateKind(), required=False),
    Field("no_audit_confirmed_on", DateKind(), required=False),
    Field(
        "cloud_permission_on",
        DateKind(),
        required=False,
        condition=lambda a, ctx: a.get("service_type") == "public_terms",
    ),
    Field("manual_url", _text("manual_url", validator=_valid_link), required=False),
    Field("description", _text("description", multiline=True), required=False),
)

SYSTEM_FORM = Form(key=KEY, fields=FIELDS, on_submit=_save, validate=_problems)
