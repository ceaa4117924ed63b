"""A person's home view: where they stand and what they can do, read-only.

Built from facts the bot already has (the pre-use record in the context, the person's open
reports); showing it changes no state, so a platform may render it whenever it likes
(Slack's App Home when opened, a Teams welcome card, the web chat's home panel).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.context import DialogContext
from dialogs.pre_use import status_card
from dialogs.ui import Button, Fact, FactCard, HomeView

# The quick actions, in the order shown: the things staff come to the bot for.
QUICK_ACTIONS = ("entry_check", "risk_report", "pii_check", "help")


@dataclass(frozen=True)
class OpenReport:
    """One of the person's own risk reports that is not closed yet."""

    number: str  # RC-2026-0007
    status: str  # open | acknowledged
    category: str  # the category's label, as the report shows it


def home_view(ctx: DialogContext, reports: Sequence[OpenReport]) -> HomeView:
    if reports:
        mine = FactCard(
            title=ctx.t("home.reports_title", count=len(reports)),
            facts=tuple(
                Fact(
                    r.number,
                    ctx.t(
                        "home.report_line",
                        category=r.category,
                        status=ctx.t(f"home.report_status.{r.status}"),
                    ),
                )
                for r in reports
            ),
            tone="warn",
        )
    else:
        mine = FactCard(
            title=ctx.t("home.reports_title", count=0), lines=(ctx.t("home.no_reports"),)
        )
    actions = [Button(f"menu:{key}", ctx.t(f"menu.item.{key}")) for key in QUICK_ACTIONS]
    actions[0] = Button(actions[0].id, actions[0].label, "primary")
    return HomeView(
        title=ctx.t("home.title", name=ctx.person.display_name or ctx.person.user_id),
        sections=(status_card(ctx), mine),
        actions=tuple(actions),
    )
