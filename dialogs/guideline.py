"""The policy division's side of §3(1)1 and §5: publishing a guideline version, and how far
staff are with their pre-use confirmations."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from dialogs.context import DialogContext
from dialogs.effects import PublishGuideline, Refused
from dialogs.fields import DateKind, Parsed, TextKind, catalog_choices, stored_length
from dialogs.forms import Field, Form
from dialogs.pre_use import day_text
from dialogs.ui import Fact, FactCard, Option, Step, Text
from storage.models import GuidelineVersion

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


# 「Ver1.1」「v2」「第2版」: every message says Ver{version}, so only the number is kept,
# and 「Ver1.0」 is the 1.0 already published, not a new version.
_VERSION = re.compile(
    r"^(?:ver(?:sion)?|v|第)?\s*\.?\s*([0-9]+(?:\.[0-9]+)*)\s*版?$", re.IGNORECASE
)


def version_number(text: str) -> str | None:
    """The version number typed (full-width, with Ver or 第…版 around it), or None."""
    found = _VERSION.match(unicodedata.normalize("NFKC", text).strip())
    return found.group(1) if found else None


@dataclass(frozen=True)
class NewVersionKind:
    """A version number not published before: refused at the question, so the form is kept."""

    widget: str = "text"

    @property
    def free_text(self) -> bool:
        return True

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        longest = stored_length(GuidelineVersion, "version")
        parsed = TextKind(max_length=longest, fold_width=True).parse(text, ctx)
        if parsed.ok:
            number = version_number(str(parsed.value))
            if number is None:
                return Parsed(error="publish.bad_version", params={"value": parsed.value})
            parsed = replace(parsed, value=number)
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
        Field("approver", TextKind(max_length=stored_length(GuidelineVersion, "approver"))),
        Field("effective_on", DateKind(allow_future=True)),
        Field(
            "summary",
            TextKind(max_length=stored_length(GuidelineVersion, "summary"), multiline=True),
        ),
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
    # §5: for a major version with a 施行日 to come, who has confirmed it already.
    upcoming_confirmed: int = 0
    upcoming_pending: int = 0


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
    lines = [ctx.t("pre_use.summary.note", days=ctx.municipality.remind_after_days)]
    # The policy division's own record knows the versions as everyone's does.
    state = ctx.person.pre_use
    if state is not None and state.upcoming_on is not None:
        lines.insert(
            0,
            ctx.t(
                "pre_use.summary.upcoming",
                version=state.upcoming_version,
                on=day_text(state.upcoming_on),
                confirmed=sum(r.upcoming_confirmed for r in rows),
                pending=sum(r.upcoming_pending for r in rows),
            ),
        )
    return FactCard(
        title=ctx.t("pre_use.summary.title", version=version),
        facts=tuple(facts),
        lines=tuple(lines),
        tone="info",
    )
