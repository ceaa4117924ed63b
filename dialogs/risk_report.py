"""Reporting a generative-AI risk case (§4, 別紙1): the form of the reporter's part (ア), the
handling (イ) and result (ウ) forms, and the cards the policy division and the reporter see.

Filing and every later action become effects; the bot stores the report and posts each
event in the report's one thread in the policy-division channel (and to the CAIO when
serious). Nothing here knows which chat platform the thread is on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs import pii
from dialogs.context import DialogContext
from dialogs.effects import Refused
from dialogs.fields import ChoiceKind, DateKind, Parsed, TextKind, catalog_choices
from dialogs.forms import Answers, Field, Form
from dialogs.keywords import mentions
from dialogs.ui import Button, Fact, FactCard, Option, Step, Text

KEY = "risk_report"
HANDLING = "report_handling"
RESULT = "report_result"
CATEGORIES = ("bias", "offensive", "hallucination", "copyright", "other")
IMPACTS = ("internal", "third_parties", "published")
SEVERITIES = ("serious", "not_serious", "unsure")
ENTERED = ("none", "personal", "confidential", "unsure")
OTHER = "other"
# 「報告 RC-2026-0007 を更新」: words that ask to add to a report rather than to see it.
UPDATE_WORDS = ("更新", "追記", "対処", "結果", "update")


def normalize_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


@dataclass(frozen=True)
class FileReport:
    """The reporter's part of 別紙1, as answered (the input/output excerpt already masked)."""

    answers: Mapping[str, str]


@dataclass(frozen=True)
class ReportByNumber:
    """「報告 RC-2026-0007」 (show it) or 「報告 RC-2026-0007 を更新」 (add to it)."""

    number: str
    verb: str  # show | update


@dataclass(frozen=True)
class OpenReportForm:
    """Start a form about a report (handling, result, answer, request) — once the bot has
    checked, against the stored report, that this person may."""

    report_id: int
    form: str


@dataclass(frozen=True)
class ReportAction:
    """A step on a report: acknowledge, escalate, close, add handling or result, …"""

    report_id: int
    verb: str
    answers: Mapping[str, str]


# --- the reporter's part (ア) -----------------------------------------------------------


def _systems(ctx: DialogContext) -> list[Option]:
    return [Option(s.id, s.name) for s in ctx.systems] + [
        Option(OTHER, ctx.t("forms.risk_report.other_system"))
    ]


def _unlisted_system(text: str, ctx: DialogContext) -> Parsed | None:
    """「ChatGPT」: a generative-AI service outside the 別表 — the very case a report is about —
    is the option 「指定外のシステム・その他」 with its name, not a question about entering."""
    name = mentions(text, "entry", "undesignated")
    if name is None:
        return None
    other = ctx.t("forms.risk_report.other_system")
    note = ctx.t("forms.risk_report.unlisted_system", name=name, other=other)
    return Parsed(value=OTHER, also={"system_other": name}, note=note)


def _divisions(ctx: DialogContext) -> list[Option]:
    return [Option(d, d) for d in ctx.municipality.divisions]


@dataclass(frozen=True)
class MaskedTextKind:
    """Free text that is masked before it is kept: what looks like personal information in
    the input or output concerned is replaced (「［電話番号］」) the moment it is answered, so
    the form's saved progress never holds it."""

    max_length: int = 4000
    widget: str = "longtext"

    @property
    def free_text(self) -> bool:
        return True

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        parsed = TextKind(max_length=self.max_length, multiline=True).parse(text, ctx)
        if not parsed.ok or parsed.value is None:
            return parsed
        found = pii.scan(parsed.value)
        if not found.findings:
            return parsed
        masked = pii.mask(parsed.value, found.findings, lambda k: ctx.t(f"pii.kind.{k}"))
        kinds = "、".join(dict.fromkeys(ctx.t(f"pii.kind.{f.kind}") for f in found.findings))
        return Parsed(value=masked, note=ctx.t("forms.risk_report.masked", kinds=kinds))

    def options(self, ctx: DialogContext) -> list[Option]:
        return []

    def display(self, value: str, ctx: DialogContext) -> str:
        return value


def _other_system(answers: Answers, ctx: DialogContext) -> bool:
    return answers.get("system") == OTHER


def _file(answers: dict[str, str], ctx: DialogContext) -> Step:
    return Step().do(FileReport(answers))


RISK_REPORT_FORM = Form(
    key=KEY,
    fields=(
        Field("name", TextKind(max_length=60)),
        Field("division", ChoiceKind(_divisions)),
        Field("contact", TextKind(max_length=80, fold_width=True), required=False),
        Field("system", ChoiceKind(_systems, unlisted=_unlisted_system)),
        Field("system_other", TextKind(max_length=100), condition=_other_system),
        Field("happened_on", DateKind(), required=False),
        Field("detected_on", DateKind()),
        Field("category", catalog_choices("forms.risk_report.categories", CATEGORIES)),
        Field("what", MaskedTextKind(max_length=4000)),
        Field("excerpt", MaskedTextKind(), required=False),
        Field("entered", catalog_choices("forms.risk_report.entered_options", ENTERED)),
        Field("impact", catalog_choices("forms.risk_report.impacts", IMPACTS)),
        Field("severity", catalog_choices("forms.risk_report.severities", SEVERITIES)),
        Field("done_so_far", MaskedTextKind(max_length=2000), required=False),
    ),
    on_submit=_file,
)


def prefilled(ctx: DialogContext) -> dict[str, str]:
    """The reporter's name, division and contact from their profile (editable at the end)."""
    person = ctx.person
    found = {"name": person.display_name, "division": person.division, "contact": person.contact}
    if found["division"] not in ctx.municipality.divisions:
        found.pop("division")
    return {key: value for key, value in found.items() if value}


# --- handling (イ) and result (ウ) ----------------------------------------------------------


def _act(verb: str) -> Any:
    def submit(answers: dict[str, str], ctx: DialogContext) -> Step:
        report_id = int(answers.pop("report"))
        return Step().do(ReportAction(report_id, verb, answers))

    return submit


HANDLING_FORM = Form(
    key=HANDLING,
    fields=(
        Field("report", TextKind(), ask=False),
        Field("business_impact", MaskedTextKind(max_length=2000)),
        Field("cause", MaskedTextKind(max_length=2000), required=False),
        Field("interim", MaskedTextKind(max_length=2000), required=False),
        Field("permanent", MaskedTextKind(max_length=2000), required=False),
    ),
    on_submit=_act("handling"),
)

RESULT_FORM = Form(
    key=RESULT,
    fields=(
        Field("report", TextKind(), ask=False),
        Field("what_done", MaskedTextKind(max_length=2000)),
        Field("provider_requests", MaskedTextKind(max_length=2000), required=False),
        Field("completed_on", DateKind()),
    ),
    on_submit=_act("result"),
)

# The policy division's request for more information, and the reporter's answer to it.
ASK_FORM = Form(
    key="report_ask",
    fields=(
        Field("report", TextKind(), ask=False),
        Field("question", MaskedTextKind(max_length=2000)),
    ),
    on_submit=_act("ask"),
    confirm=False,  # one question: sent as soon as it is answered
)
ANSWER_FORM = Form(
    key="report_answer",
    fields=(
        Field("report", TextKind(), ask=False),
        Field("answer", MaskedTextKind(max_length=4000)),
    ),
    on_submit=_act("answer"),
    confirm=False,  # one question: sent as soon as it is answered
)

# Who may do what on a report: the policy division and the CAIO handle it; the reporter
# (and the system's 担当課室) add handling, result and answers.
STAFF_VERBS = ("handling", "result", "answer", "show")
POLICY_VERBS = ("ack", "ask", "escalate", "close", "handling", "result", "show")


def may(verb: str, ctx: DialogContext) -> bool:
    """Policy actions need the policy division or the CAIO; the rest is checked against the
    report itself by the bot (reporter, 担当課室)."""
    return ctx.person.role in ("admin", "caio") or verb in STAFF_VERBS


# --- cards --------------------------------------------------------------------------------


def _label(ctx: DialogContext, group: str, value: str | None) -> str:
    return ctx.t(f"forms.risk_report.{group}.{value}") if value else ""


def summary_card(report: Any, system_name: str, ctx: DialogContext) -> FactCard:
    """The top post of a report's thread in the policy-division channel."""
    d = report.detection
    serious = (
        ctx.t(
            "report.serious_yes",
            reasons=ctx.t("common.separator").join(
                ctx.t(f"report.rule.{code}") for code in report.serious_reasons
            ),
        )
        if report.serious
        else ctx.t("report.serious_no")
    )
    facts = [
        Fact(ctx.t("report.reporter"), f"{d.get('division', '')} {d.get('name', '')}".strip()),
        Fact(ctx.t("report.system"), system_name),
        Fact(ctx.t("report.category"), _label(ctx, "categories", d.get("category"))),
        Fact(ctx.t("report.impact"), _label(ctx, "impacts", d.get("impact"))),
        Fact(ctx.t("report.seriousness"), serious),
        Fact(ctx.t("report.detected_on"), d.get("detected_on", "")),
    ]
    lines = [d.get("what", "")]
    if d.get("excerpt"):
        lines.append(ctx.t("report.excerpt", excerpt=d["excerpt"]))
    if report.security_incident:
        lines.append(ctx.t("report.security"))
    rid = report.id
    return FactCard(
        title=ctx.t(
            "report.title",
            number=report.number,
            category=_label(ctx, "categories", d.get("category")),
            system=system_name,
        ),
        facts=tuple(facts),
        lines=tuple(line for line in lines if line),
        tone="bad" if report.serious else "warn",
        buttons=(
            Button(f"report:{rid}:ack", ctx.t("report.button.ack"), "primary"),
            Button(f"report:{rid}:ask", ctx.t("report.button.ask")),
            Button(f"report:{rid}:escalate", ctx.t("report.button.escalate"), "danger"),
            Button(f"report:{rid}:close", ctx.t("report.button.close")),
        ),
    )


def reporter_buttons(report_id: int, ctx: DialogContext) -> tuple[Button, ...]:
    return (
        Button(f"report:{report_id}:handling", ctx.t("report.button.handling")),
        Button(f"report:{report_id}:result", ctx.t("report.button.result")),
    )


def event_text(kind: str, ctx: DialogContext, **params: Any) -> Text:
    """One line of the thread (or of the reporter's conversation) for an event."""
    return Text(ctx.t(f"report.event.{kind}", **params))


# Not \b after the digits: 「RC-2026-0001を更新」 has a word character (を) right after them.
_NUMBER = re.compile(r"RC-(\d{4})-(\d{1,4})(?!\d)")


def number_in(text: str | None) -> str | None:
    """RC-2026-0007, also written RC-2026-7 or in full-width letters."""
    match = _NUMBER.search(normalize_width(text or ""))
    return f"RC-{match[1]}-{int(match[2]):04d}" if match else None


def start_or_lookup(conv: Any, ctx: DialogContext, text: str | None, runner: Any) -> Step:
    """「報告」 starts (or resumes) a report; 「報告 RC-…」 shows one, 「…を更新」 adds to it."""
    number = number_in(text)
    if number is not None:
        folded = normalize_width(text or "")
        updating = any(word.upper() in folded for word in UPDATE_WORDS)
        return Step().do(ReportByNumber(number, "update" if updating else "show"))
    if KEY in conv.forms:
        return runner.start(conv, KEY, ctx)
    return runner.start(conv, KEY, ctx, initial=prefilled(ctx) or None)


def on_button(conv: Any, ctx: DialogContext, action: str, runner: Any) -> Step:
    """report:<id>:<verb> — a thread button (policy) or a reporter's button."""
    parts = action.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return Step().say(Text(ctx.t("fallback.unknown_button")))
    report_id, verb = int(parts[1]), parts[2]
    if verb not in (*POLICY_VERBS, *STAFF_VERBS):
        return Step().say(Text(ctx.t("fallback.unknown_button")))
    if not may(verb, ctx):
        # Only the one who pressed is told, not the whole shared channel.
        refused = Text(ctx.t("report.refused"), private=True)
        return Step().say(refused).do(Refused(f"report:{report_id}:{verb}"))
    forms = {"handling": HANDLING, "result": RESULT, "ask": ASK_FORM.key, "answer": ANSWER_FORM.key}
    if verb in forms:
        return Step().do(OpenReportForm(report_id, forms[verb]))
    return Step().do(ReportAction(report_id, verb, {}))
