"""指定申請 (§2): a division applies for a new system; the policy division approves (which
opens `system add` prefilled from the request), rejects with a reason, or asks for more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs.context import DialogContext
from dialogs.effects import Refused
from dialogs.entry_check import described_classes
from dialogs.fields import ChoiceKind, TextKind, catalog_choices
from dialogs.forms import Answers, Field, Form
from dialogs.registry import SERVER_LOCATIONS, SERVICE_TYPES
from dialogs.ui import Button, Fact, FactCard, Step, Text

KEY = "designation"
ANSWERS = ("yes", "no", "unknown")


@dataclass(frozen=True)
class FileRequest:
    answers: dict[str, str]


@dataclass(frozen=True)
class RequestAction:
    request_id: int
    verb: str  # approve | reject | ask | answer
    answers: dict[str, str]


@dataclass(frozen=True)
class OpenRequestForm:
    """Open a request's form (reject, ask, answer) once the request is known to exist and be
    the asker's to act on: a crafted button id opens nothing and swallows no message."""

    request_id: int
    verb: str  # reject | ask | answer
    form: str


def _said_yes(key: str) -> Any:
    return lambda a, ctx: a.get(key) == "yes"


REQUEST_FORM = Form(
    key=KEY,
    fields=(
        Field("name", TextKind(max_length=200)),
        Field("provider", TextKind(max_length=200)),
        Field("service_type", catalog_choices("registry.service_types", SERVICE_TYPES)),
        Field("server_location", catalog_choices("registry.server_locations", SERVER_LOCATIONS)),
        Field("purpose", TextKind(max_length=1000, multiline=True)),
        Field("klass", ChoiceKind(described_classes)),
        Field("personal", catalog_choices("forms.designation.yes_no", ("yes", "no"))),
        Field("ml_answer", catalog_choices("forms.designation.answers", ANSWERS)),
        Field("ml_where", TextKind(max_length=500), condition=_said_yes("ml_answer")),
        Field("audit_answer", catalog_choices("forms.designation.answers", ANSWERS)),
        Field("audit_where", TextKind(max_length=500), condition=_said_yes("audit_answer")),
        Field("contact", TextKind(max_length=200, fold_width=True)),
    ),
    on_submit=lambda answers, ctx: Step().do(FileRequest(answers)),
)


def _act(verb: str) -> Any:
    def submit(answers: dict[str, str], ctx: DialogContext) -> Step:
        request_id = int(answers.pop("request"))
        return Step().do(RequestAction(request_id, verb, answers))

    return submit


REJECT_FORM = Form(
    key="designation_reject",
    fields=(Field("request", TextKind(), ask=False), Field("reason", TextKind(max_length=2000))),
    on_submit=_act("reject"),
    confirm=False,  # one question: sent as soon as it is answered
)
ASK_FORM = Form(
    key="designation_ask",
    fields=(Field("request", TextKind(), ask=False), Field("question", TextKind(max_length=2000))),
    on_submit=_act("ask"),
    confirm=False,  # one question: sent as soon as it is answered
)
ANSWER_FORM = Form(
    key="designation_answer",
    fields=(Field("request", TextKind(), ask=False), Field("answer", TextKind(max_length=4000))),
    on_submit=_act("answer"),
    confirm=False,  # one question: sent as soon as it is answered
)


def on_button(conv: Any, ctx: DialogContext, action: str, runner: Any) -> Step:
    """request:<id>:approve|reject|ask (policy division) and request:<id>:answer (applicant)."""
    parts = action.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return Step().say(Text(ctx.t("fallback.unknown_button")))
    request_id, verb = int(parts[1]), parts[2]
    if verb in ("approve", "reject", "ask") and ctx.person.role != "admin":
        policy = ctx.municipality.policy_division
        said = Text(
            ctx.t("admin.refused", policy=policy.name, contact=policy.phone or policy.email)
        )
        return Step().say(said).do(Refused(f"request:{request_id}:{verb}"))
    forms = {"reject": REJECT_FORM.key, "ask": ASK_FORM.key, "answer": ANSWER_FORM.key}
    if verb in forms:
        return Step().do(OpenRequestForm(request_id, verb, forms[verb]))
    if verb == "approve":
        return Step().do(RequestAction(request_id, "approve", {}))
    return Step().say(Text(ctx.t("fallback.unknown_button")))


def system_answers(request_id: int, answers: Answers, ctx: DialogContext) -> dict[str, str]:
    """The `system add` form's answers prefilled from a request (confirmation dates are the
    policy division's to fill in, never taken from the applicant's word)."""
    prefilled = {
        "mode": "add",
        "request": str(request_id),
        "name": answers.get("name") or "",
        "service_type": answers.get("service_type") or "",
        "server_location": answers.get("server_location") or "",
        "purposes": answers.get("purpose") or "",
        "max_class": answers.get("klass") or "",
        "personal_info": answers.get("personal") or "",
        "description": ctx.t(
            "forms.designation.description",
            provider=answers.get("provider") or "",
            ml=answers.get("ml_where") or "-",
            audit=answers.get("audit_where") or "-",
        ),
    }
    return {k: v for k, v in prefilled.items() if v}


def missing_for_approval(answers: Answers, ctx: DialogContext) -> list[str]:
    """What stops the request being approved as asked (§2・末尾の注記, §3(1)2)."""
    missing = []
    klass = answers.get("klass") or ""
    town = ctx.municipality
    confidential = klass in town.confidentiality_classes and town.is_confidential(klass)
    if confidential and not (
        answers.get("ml_answer") == "yes" and answers.get("audit_answer") == "yes"
    ):
        missing.append(ctx.t("forms.designation.missing_confirmations", klass=klass))
    if answers.get("personal") == "yes" and answers.get("ml_answer") != "yes":
        missing.append(ctx.t("forms.designation.missing_ml"))
    if answers.get("service_type") == "public_terms" and confidential:
        missing.append(
            ctx.t("forms.designation.public_terms", lowest=town.confidentiality_classes[-1])
        )
    return missing


def request_card(request_id: int, answers: Answers, who: str, ctx: DialogContext) -> FactCard:
    fields = [f for f in REQUEST_FORM.fields if answers.get(f.key)]
    facts = tuple(
        Fact(ctx.t(f"forms.designation.{f.key}.label"), f.kind.display(answers[f.key] or "", ctx))
        for f in fields
    )
    return FactCard(
        title=ctx.t("designation.title", number=request_id, name=answers.get("name", ""), who=who),
        facts=facts,
        lines=tuple(missing_for_approval(answers, ctx)),
        tone="info",
        buttons=(
            Button(f"request:{request_id}:approve", ctx.t("designation.button.approve"), "primary"),
            Button(f"request:{request_id}:reject", ctx.t("designation.button.reject"), "danger"),
            Button(f"request:{request_id}:ask", ctx.t("designation.button.ask")),
        ),
    )
