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
from typing import Any

from dialogs.context import DialogContext
from dialogs.decision import Asker, Decision, EntryQuestion, Reason, decide_entry
from dialogs.fields import ChoiceKind, Parsed, TextKind, Widget
from dialogs.forms import Answers, Field, Form
from dialogs.keywords import mentions
from dialogs.purposes import match_purpose
from dialogs.registry import limits_line, mentioned_system
from dialogs.text import clean, normalize
from dialogs.ui import Button, Fact, FactCard, Link, Option, Step

KEY = "entry_check"
OTHER = "other"
UNKNOWN = "unknown"
ANY = "any"  # generative AI in general: a 個人番号 goes into none, so no system is asked
MY_NUMBER = "my_number"

# --- understanding the person's own sentence ----------------------------------------------


def understand(text: str, ctx: DialogContext) -> dict[str, str]:
    """What the sentence already answers, as initial answers of the form."""
    # Imported here: `aiguide check` renders verdicts without scanning text, and compiling the
    # scanner's patterns is a tenth of that command's start (bench/cli_startup.py).
    from dialogs import pii

    found: dict[str, str] = {}
    scan = pii.scan(text)
    my_number = mentions(text, "entry", "my_number") is not None or any(
        f.kind == "my_number" for f in scan.findings
    )
    if (system := mentioned_system(ctx.systems, text)) is not None:
        found["system"] = system.id
    elif (name := mentions(text, "entry", "undesignated")) is not None:
        found["system"] = OTHER
        found["asked"] = name
    elif my_number:
        found["system"] = ANY
    if mentions(text, "entry", "personal_device"):
        found["device"] = "personal"
    if my_number:
        found["personal"] = "yes"
        found["my_number"] = "yes"
    elif mentions(text, "entry", "no_personal"):
        found["personal"] = "no"
    elif mentions(text, "entry", "personal_info") or scan.personal:
        found["personal"] = "yes"
    if scan.sensitive and found.get("personal") != "no":
        found["sensitive"] = "yes"
    if mentions(text, "entry", "unpublished"):
        found["klass"] = ctx.municipality.confidential_from
    elif mentions(text, "entry", "published"):
        found["klass"] = ctx.municipality.confidentiality_classes[-1]
    if (purpose := purpose_in(text, system, ctx.systems)) is not None:
        found["purpose"] = purpose
    return found


def purpose_in(text: str, system: object | None, systems: Sequence[object]) -> str | None:
    """The purpose a sentence names: matched against the system's listed and prohibited
    purposes (a prohibited one wins), or, before a system is known, any purpose some
    designated system lists or prohibits, named in full (the system asked next decides)."""
    if system is not None:
        found = match_purpose(text, system)  # type: ignore[arg-type]
        if found is not None:
            return found.purpose
        # A purpose only another system lists is still what was asked about: outside this
        # system's scope, and what an alternative must take.
        for other in systems:
            if other is not system and (found := match_purpose(text, other)) is not None:  # type: ignore[arg-type]
                return found.purpose
        return None
    folded = normalize(text).replace(" ", "")
    named = {p for s in systems for p in (*s.prohibited_purposes, *s.purposes)}  # type: ignore[attr-defined]
    for purpose in sorted(named, key=len, reverse=True):
        key = normalize(purpose).replace(" ", "")
        if len(key) >= 2 and key in folded:
            return purpose
    return None


# --- the decision from answers -------------------------------------------------------------


def chosen_system(answers: Mapping[str, str | None], ctx: DialogContext) -> Any | None:
    """The designated system the answers name (None: none yet, another or any system)."""
    return next((s for s in ctx.systems if s.id == answers.get("system")), None)


def question_of(answers: Answers, ctx: DialogContext) -> EntryQuestion:
    system_id = answers.get("system")
    system = chosen_system(answers, ctx)
    klass = answers.get("klass")
    personal = answers.get("personal")
    purpose = answers.get("purpose")
    return EntryQuestion(
        system=system,
        asked_name=answers.get("asked") or "",
        any_system=system_id == ANY,
        klass=None if klass in (None, UNKNOWN) else klass,
        personal={"yes": True, MY_NUMBER: True, "no": False}.get(personal or ""),
        # 「上記以外」 is no purpose of its own: the answer says what the system is for.
        purpose=None if purpose == OTHER else purpose,
        purpose_other=purpose == OTHER,
        device="personal" if answers.get("device") == "personal" else "work",
        my_number=personal == MY_NUMBER or answers.get("my_number") == "yes",
        sensitive=answers.get("sensitive") == "yes",
    )


def asker_of(ctx: DialogContext) -> Asker:
    return Asker(division=ctx.person.division or None, readiness=ctx.person.readiness)


# The last few decisions, by context and answers: one turn asks for the same decision up to
# six times (whether each field is still worth asking, then the verdict), and deciding, with
# every alternative system tried, is the dearest part of the turn. A context is made per turn
# and never changes, so it is compared by identity (and held here, so no new context can
# take its id while it is remembered).
_RECENT: list[tuple[DialogContext, tuple[tuple[str, Any], ...], Decision]] = []


def decision_of(answers: Answers, ctx: DialogContext) -> Decision:
    key = tuple(sorted(answers.items()))
    for seen_ctx, seen_key, decision in _RECENT:
        if seen_ctx is ctx and seen_key == key:
            return decision
    decision = decide_entry(question_of(answers, ctx), asker_of(ctx), ctx.municipality, ctx.systems)
    _RECENT.insert(0, (ctx, key, decision))
    del _RECENT[4:]
    return decision


def _undecided(answers: Answers, ctx: DialogContext) -> bool:
    """Ask more only while what is known does not already rule the entry out."""
    return decision_of(answers, ctx).outcome != "denied"


def _system_chosen(answers: Answers, ctx: DialogContext) -> bool:
    return answers.get("system") not in (None, OTHER, ANY)


def _named_system_row(answers: Answers, ctx: DialogContext) -> list[str]:
    """「Copilotの条件は？」「Copilotに入れていい？」: the named system's row of the 別表 comes
    first, so its limits are in view before (or without) answering the questions."""
    system = chosen_system(answers, ctx)
    if system is None:
        return []
    return [ctx.t("entry.system_row", system=system.name, limits=limits_line(system, ctx))]


# --- the form ------------------------------------------------------------------------------


def _systems(ctx: DialogContext) -> list[Option]:
    designated = [s for s in ctx.systems if s.status == "designated"]
    return [Option(s.id, s.name) for s in designated] + [
        Option(OTHER, ctx.t(f"forms.{KEY}.other_system"))
    ]


def described_classes(ctx: DialogContext) -> list[Option]:
    """The municipality's confidentiality classes, public first, each with what it covers
    (「職員限りの内部情報（機密性2）例: …」): the words every class question offers."""
    options = []
    for klass in reversed(ctx.municipality.confidentiality_classes):  # public first
        key = f"classes.{klass}"
        label = ctx.t(key) if ctx.msg.has(key) else ctx.t("classes.other", klass=klass)
        options.append(Option(klass, label))
    return options


def _classes(ctx: DialogContext) -> list[Option]:
    return [*described_classes(ctx), Option(UNKNOWN, ctx.t("classes.unknown"))]


def _personal(ctx: DialogContext) -> list[Option]:
    values = ("yes", MY_NUMBER, "no", UNKNOWN)
    return [Option(v, ctx.t(f"forms.{KEY}.personal.option.{v}")) for v in values]


def _purposes(ctx: DialogContext) -> list[Option]:
    system = chosen_system(ctx.answers, ctx)
    purposes = system.purposes if system else []
    return [Option(p, p) for p in purposes] + [Option(OTHER, ctx.t(f"forms.{KEY}.other_purpose"))]


@dataclass(frozen=True)
class PurposeKind:
    """「何に使いますか？」: a listed purpose pressed or typed, or the person's own words.

    Own words are matched against the system's listed and prohibited purposes (§3(2)1): 「人事
    評価」 becomes the prohibited purpose and is refused as such; words matching nothing are
    kept as said and judged outside the scope. Nothing typed is refused as "not an option".
    """

    widget: Widget = "choice"

    @property
    def free_text(self) -> bool:
        return True

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        options = _purposes(ctx)
        wanted = normalize(text)
        for option in options:
            if wanted in (normalize(option.label), normalize(option.value)):
                return Parsed(value=option.value)
        if wanted.isdigit() and 1 <= int(wanted) <= len(options):
            return Parsed(value=options[int(wanted) - 1].value)
        said = clean(text)
        if not said:
            return Parsed(error="form.error.empty")
        if len(said) > 200:
            return Parsed(error="form.error.too_long", params={"max": 200})
        system = chosen_system(ctx.answers, ctx)
        found = match_purpose(said, system) if system is not None else None
        return Parsed(value=found.purpose if found else said)

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        return _purposes(ctx)

    def display(self, value: str, ctx: DialogContext) -> str:
        return next((o.label for o in _purposes(ctx) if o.value == value), value)


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
        # A 個人番号 goes into no system (番号法): then which one does not matter.
        Field("system", ChoiceKind(_systems), ask_while=lambda a, ctx: a.get("my_number") != "yes"),
        Field("personal", ChoiceKind(_personal), condition=_system_chosen, ask_while=_undecided),
        Field("klass", ChoiceKind(_classes), condition=_system_chosen, ask_while=_undecided),
        Field(
            "purpose",
            PurposeKind(),
            required=False,
            condition=lambda a, ctx: _system_chosen(a, ctx) and bool(_purposes(ctx)[:-1]),
            ask_while=_undecided,
        ),
        Field("asked", TextKind(), ask=False),
        Field("device", TextKind(), ask=False),
        Field("my_number", TextKind(), ask=False),
        Field("sensitive", TextKind(), ask=False),
    ),
    on_submit=_verdict,
    confirm=False,
    intro_lines=_named_system_row,
)


# 「別のシステムで確認」 keeps what was said about the information.
SAME_INFO = ("klass", "personal", "my_number", "sensitive")


def kept_answers(last: Mapping[str, str | None], keep: Sequence[str]) -> dict[str, str]:
    """The answers of the last check to ask again with; "any system" is no system to keep."""
    return {k: v for k, v in last.items() if k in keep and v is not None and v != ANY}


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
    name = (
        system.name
        if system
        else ctx.t("entry.any_system")
        if question.any_system
        else ctx.t("entry.unknown_system", asked=question.asked_name)
    )
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
    elif decision.alternatives_checked:
        lines.append(ctx.t("entry.no_alternatives"))
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
    pre_use_codes = {"training_missing", "confirmations_missing", "guideline_upcoming"}
    if {r.code for r in decision.reasons} & pre_use_codes:
        buttons.insert(0, Button("menu:pre_use", ctx.t("pre_use.button.start"), "primary"))
    manual = system.manual_url if system is not None else ""
    return FactCard(
        title=title,
        facts=facts,
        lines=tuple(lines),
        tone=_TONE[decision.outcome],  # type: ignore[arg-type]
        buttons=tuple(buttons),
        links=(Link(ctx.t("registry.column.manual_url"), manual),) if manual else (),
    )


def say(reason: Reason, ctx: DialogContext) -> str:
    separator = ctx.t("common.separator")
    params = {
        key: separator.join(value) if isinstance(value, list) else value
        for key, value in reason.params.items()
    }
    return ctx.t(reason.message, **params)
