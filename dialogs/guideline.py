"""The policy division's side of §3(1)1 and §5: publishing a guideline version, and how far
staff are with their pre-use confirmations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dialogs.context import DialogContext
from dialogs.effects import PublishGuideline, Refused
from dialogs.fields import DateKind, Parsed, TextKind, catalog_choices
from dialogs.forms import Field, Form
from dialogs.ui import Fact, FactCard, Option, Step, Text

KEY = "guideline_publish"
# §5: a change is approved by the CAIO; a minor, formal one by the policy-division head.
APPROVER_ROLE = {"major": "caio", "minor": "policy_head"}


def _publish(answers: dict[str, str], ctx: DialogContext) -> Step:
    effect = PublishGuideline(
        version=answers["version"],
        kind=answers["kind"],
        approver=answers["approver"],
        effective_on=date.fromisoformat(answers["effective_on"]),
        summary=answers["summary"],
    )
    return Step().do(effect)


@dataclass(frozen=True)
class NewVersionKind:
    """A version number not published before: refused at the question, so the form is kept."""

    widget: str = "text"

    @property
    def free_text(self) -> bool:
        return True

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        parsed = TextKind(max_length=32, fold_width=True).parse(text, ctx)
        state = ctx.person.pre_use
        if parsed.ok and state is not None and parsed.value in state.published:
            return Parsed(error="publish.duplicate", params={"version": parsed.value})
        return parsed

    def options(self, ctx: DialogContext) -> list[Option]:
        return []

    def display(self, value: str, ctx: DialogContext) -> str:
        return value


PUBLISH_FORM = Form(
    key=KEY,
    fields=(
        Field("version", NewVersionKind()),
        Field("kind", catalog_choices("forms.guideline_publish.kinds", ("major", "minor"))),
        Field("approver", TextKind(max_length=200)),
        Field("effective_on", DateKind(allow_future=True)),
        Field("summary", TextKind(max_length=2000, multiline=True)),
    ),
    on_submit=_publish,
)


def refusal(ctx: DialogContext, action: str = "") -> Step:
    """A polite no for someone who is not in the policy division, naming whom to ask; the
    attempt is audited under `action`."""
    policy = ctx.municipality.policy_division
    contact = policy.phone or policy.email
    step = Step().say(Text(ctx.t("admin.refused", policy=policy.name, contact=contact)))
    return step.do(Refused(action)) if action else step


@dataclass(frozen=True)
class DivisionCounts:
    division: str
    confirmed: int
    pending: int
    overdue: int


def summary_card(rows: list[DivisionCounts], version: str, ctx: DialogContext) -> FactCard:
    """Confirmed / pending / overdue per division, and the totals."""
    facts = [
        Fact(
            row.division or ctx.t("pre_use.summary.no_division"),
            ctx.t(
                "pre_use.summary.counts",
                confirmed=row.confirmed,
                pending=row.pending,
                overdue=row.overdue,
            ),
        )
        for row in rows
    ]
    total = DivisionCounts(
        "",
        sum(r.confirmed for r in rows),
        sum(r.pending for r in rows),
        sum(r.overdue for r in rows),
    )
    facts.append(
        Fact(
            ctx.t("pre_use.summary.total"),
            ctx.t(
                "pre_use.summary.counts",
                confirmed=total.confirmed,
                pending=total.pending,
                overdue=total.overdue,
            ),
        )
    )
    return FactCard(
        title=ctx.t("pre_use.summary.title", version=version),
        facts=tuple(facts),
        lines=(ctx.t("pre_use.summary.note", days=ctx.municipality.remind_after_days),),
        tone="info",
    )
