"""The far ends shared by the suites that run the real bot against fakes (the Slack suite and
the reliability suite): the fake Slack with the town's staff in it, started, stopped and
checked afterwards; the fake mail server is in tests/smtp.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from tests.bot.channels.slack.fake_slack import FakeSlack, slack_user

ADMIN = "UADMIN"  # a bootstrap admin of the sample municipality (policy division)
STAFF = "USTAFF"

Slack = TypeVar("Slack", bound=FakeSlack)


def town_staff(*, english: bool = False) -> dict[str, dict[str, Any]]:
    """The sample town's Slack users: 山田 (staff, 税務課) and 佐藤 (admin, 情報政策課), and with
    `english` a staff member whose Slack locale is English."""
    users = {
        STAFF: slack_user(STAFF, "山田 花子", email="yamada@example.lg.jp", division="税務課"),
        ADMIN: slack_user(ADMIN, "佐藤 次郎", email="sato@example.lg.jp", division="情報政策課"),
    }
    if english:
        users["UENG"] = slack_user("UENG", "Alice", locale="en-US", division="税務課")
    return users


@asynccontextmanager
async def town_slack(slack: Slack, *, english: bool = False) -> AsyncIterator[Slack]:
    """`slack` with the town's staff, running for the block; afterwards, every message and
    view it was sent must have been one Slack accepts."""
    slack.users.update(town_staff(english=english))
    await slack.start()
    yield slack
    await slack.stop()
    assert slack.refused == []
