"""「Copilotに住民の名前を入れていい？」: understand what the person said, ask only what is
missing, and answer with the decision of `decide_entry` as a card of reasons and clauses.

The conversation: the person's own sentence fills in what it can (the system, personal
information, published or not, the purpose, a personal device). If that alone already rules
the entry out, the answer comes at once; otherwise the form asks, with buttons, only for the
rest — and stops asking as soon as the answer is decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dialogs import pii
from dialogs.context import DialogContext
from dialogs.decision import Asker, Decision, EntryQuestion, Reason, decide_entry
from dialogs.fields import ChoiceKind, TextKind
from dialogs.forms import Answers, Field, Form
from dialogs.keywords import mentions
from dialogs.registry import mentioned_system
from dialogs.text import normalize
from dialogs.ui import Button, Fact, FactCard, Option, Step

KEY = "entry_check"
OTHER = "other"
UNKNOWN = "unknown"

# --- understanding the person's own sentence ----------------------------------------------


def understand(text: str, ctx: DialogContext) -> dict[str, str]:
    """What the sentence already answers, as initial answers of the form."""
    found: dict[str, str] = {}
    if (system := mentioned_system(ctx.systems, text)) is not None:
        found["system"] = system.id
    elif (name := mentions(text, "entry", "undesignated")) is not None:
        found["system"] = OTHER
        found["asked"] = name
    if mentions(text, "entry", "personal_device"):
        found["device"] = "personal"
    if mentions(text, "entry", "no_personal"):
        found["personal"] = "no"
    elif mentions(text, "entry", "personal_info") or pii.scan(text).personal:
        found["personal"] = "yes"
    if mentions(text, "entry", "unpublished"):
        found["klass"] = ctx.municipality.confidential_from
    elif mentions(text, "entry", "published"):
        found["klass"] = ctx.municipality.confidentiality_classes[-1]
    if system is not None and (purpose := _purpose_in(text, system.purposes)) is not None:
        found["purpose"] = purpose
    return found


def _purpose_in(text: str, purposes: Sequence[str]) -> str | None:
    folded = normalize(text)
    for purpose in sorted(purposes, key=len, reverse=True):
        if normalize(purpose) in folded:
            return purpose
    # 「要約して」 names the purpose 「公開資料の要約」 by its last word.
    for purpose in purposes:
        tail = normalize(purpose).split("の")[-1]
        if len(tail) >= 2 and tail in folded:
            return purpose
    return None


# --- the decision from answers -------------------------------------------------------------


def question_of(answers: Answers, ctx: DialogContext) -> EntryQuestion:
    system_id = answers.get("system")
    system = next((s for s in ctx.systems if s.id == system_id), None)
    klass = answers.get("klass")
    personal = answers.get("personal")
    purpose = answers.get("purpose")
    return EntryQuestion(
        system=system,
        asked_name=answers.get("asked") or "",
        klass=None if klass in (None, UNKNOWN) else klass,
        personal={"yes": True, "no": False}.get(personal or ""),
        purpose=ctx.t(f"forms.{KEY}.other_purpose") if purpose == OTHER else purpose,
        device="personal" if answers.get("device") == "personal" else "work",
    )


def asker_of(ctx: DialogContext) -> Asker:
    return Asker(division=ctx.person.division or None, readiness=ctx.person.readiness)


def decision_of(answers: Answers, ctx: DialogContext) -> Decision:
    return decide_entry(question_of(answers, ctx), asker_of(ctx), ctx.municipality, ctx.systems)


def _undecided(answers: Answers, ctx: DialogContext) -> bool:
    """Ask more only while what is known does not already rule the entry out."""
    return decision_of(answers, ctx).outcome != "denied"


def _system_chosen(answers: Answers, ctx: DialogContext) -> bool:
    return answers.get("system") not in (None, OTHER)


# --- the form ------------------------------------------------------------------------------


def _systems(ctx: DialogContext) -> list[Option]:
    designated = [s for s in ctx.systems if s.status == "designated"]
    return [Option(s.id, s.name) for s in designated] + [
        Option(OTHER, ctx.t(f"forms.{KEY}.other_system"))
    ]


def _classes(ctx: DialogContext) -> list[Option]:
    options = []
    for klass in reversed(ctx.municipality.confidentiality_classes):  # public first
        key = f"classes.{klass}"
        label = ctx.t(key) if ctx.msg.has(key) else ctx.t("classes.other", klass=klass)
        options.append(Option(klass, label))
    return [*options, Option(UNKNOWN, ctx.t("classes.unknown"))]


def _personal(ctx: DialogContext) -> list[Option]:
    return [Option(v, ctx.t(f"forms.{KEY}.personal.option.{v}")) for v in ("yes", "no", UNKNOWN)]


def _purposes(ctx: DialogContext) -> list[Option]:
    system = next((s for s in ctx.systems if s.id == ctx.answers.get("system")), None)
    purposes = system.purposes if system else []
    return [Option(p, p) for p in purposes] + [Option(OTHER, ctx.t(f"forms.{KEY}.other_purpose"))]


@dataclass(frozen=True)
class LogEntryCheck:
    """Remember who asked about which system (no content), to tell them if it is suspended."""

    system_id: str


def _verdict(answers: dict[str, str], ctx: DialogContext) -> Step:
    question = question_of(answers, ctx)
    step = Step().say(verdict_card(question, decision_of(answers, ctx), ctx))
    if question.system is not None:
        step.do(LogEntryCheck(question.system.id))
    return step


ENTRY_CHECK_FORM = Form(
    key=KEY,
    fields=(
        Field("system", ChoiceKind(_systems)),
        Field("personal", ChoiceKind(_personal), condition=_system_chosen, ask_while=_undecided),
        Field("klass", ChoiceKind(_classes), condition=_system_chosen, ask_while=_undecided),
        Field(
            "purpose",
            ChoiceKind(_purposes),
            required=False,
            condition=lambda a, ctx: _system_chosen(a, ctx) and bool(_purposes(ctx)[:-1]),
            ask_while=_undecided,
        ),
        Field("asked", TextKind(), ask=False),
        Field("device", TextKind(), ask=False),
    ),
    on_submit=_verdict,
    confirm=False,
)


def initial_answers(text: str | None, ctx: DialogContext, keep: Mapping[str, str]) -> dict:
    """The answers to start with: what the sentence says, over what is kept from before."""
    answers = dict(keep)
    if text:
        answers |= understand(text, ctx)
    return answers


# --- the answer card -----------------------------------------------------------------------

_TONE = {"allowed": "ok", "conditional": "warn", "ask_owner": "warn", "denied": "bad"}


def verdict_card(question: EntryQuestion, decision: Decision, ctx: DialogContext) -> FactCard:
    system = question.system
    name = system.name if system else ctx.t("entry.unknown_system", asked=question.asked_name)
    title = ctx.t("entry.title", system=name, outcome=ctx.t(f"entry.outcome.{decision.outcome}"))
    lines: list[str] = []
    sections: list[tuple[str, Sequence[Reason]]] = [
        ("entry.reasons", [r for r in decision.reasons if r.effect != "note"]),
        ("entry.notes", [r for r in decision.reasons if r.effect == "note"]),
        ("entry.conditions", decision.conditions),
        ("entry.next_steps", decision.next_steps),
    ]
    for heading, reasons in sections:
        if reasons:
            lines.append(ctx.t(heading))
            lines += [
                ctx.t("entry.line", text=say(reason, ctx), clause=reason.clause)
                for reason in reasons
            ]
    if decision.alternatives:
        lines.append(ctx.t("entry.alternatives"))
        lines += [
            ctx.t("entry.alternative", name=s.name, owner=s.owner_division, contact=s.owner_contact)
            for s in decision.alternatives
        ]
    facts = ()
    if system is not None:
        owner = f"{system.owner_division} {system.owner_contact}".strip()
        facts = (Fact(ctx.t("entry.owner"), owner),)
    buttons = [
        Button(f"menu:{KEY}_other_info", ctx.t("entry.button.other_info")),
        Button(f"menu:{KEY}_other_system", ctx.t("entry.button.other_system")),
        Button("menu:pii_check", ctx.t("entry.button.check_text")),
    ]
    # §3(1)1: someone who has not finished the pre-use steps is offered to do them now.
    if {r.code for r in decision.reasons} & {"training_missing", "confirmations_missing"}:
        buttons.insert(0, Button("menu:pre_use", ctx.t("pre_use.button.start"), "primary"))
    return FactCard(
        title=title,
        facts=facts,
        lines=tuple(lines),
        tone=_TONE[decision.outcome],  # type: ignore[arg-type]
        buttons=tuple(buttons),
    )


def say(reason: Reason, ctx: DialogContext) -> str:
    separator = ctx.t("common.separator")
    params = {
        key: separator.join(value) if isinstance(value, list) else value
        for key, value in reason.params.items()
    }
    return ctx.t(reason.message, **params)
