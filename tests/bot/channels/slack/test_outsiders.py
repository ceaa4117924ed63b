"""People of another organisation where Slack's payload does not name their team: /aiguide,
the App Home tab and a modal. What the directory (users.info) says of the person decides
whether they are the municipality's staff."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from storage.db import transaction
from storage.people import get_person
from storage.tenants import link
from tests.bot.channels.slack.conftest import STAFF, SlackBot, text_of
from tests.bot.channels.slack.fake_slack import slack_user
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_modal import submission, submit
from tests.bot.channels.slack.test_payload_gaps import _from, _grid_envelope
from tests.bot.channels.slack.test_payloads import ANSWERS, _check_logs
from tests.bot.channels.slack.test_payloads_commands import GOOD, _command, _row_counts

OUTSIDER = "UOUTSIDER"
COLLEAGUE = "UGRID"  # staff whose home is another workspace (T0002) of the org E0001


def _grid_user(user_id: str, name: str, team: str, enterprise: str) -> dict[str, Any]:
    """users.info of a person of an Enterprise Grid org (Slack's user.enterprise_user)."""
    return {
        **slack_user(user_id, name, team=team),
        "enterprise_user": {
            "id": user_id,
            "enterprise_id": enterprise,
            "enterprise_name": enterprise,
            "is_admin": False,
            "is_owner": False,
            "teams": [team],
        },
    }


async def _link(bot: SlackBot, platform: str, external_id: str) -> None:
    async with transaction(bot.runtime.sessions) as session:
        await link(session, "sakura-city", platform, external_id)


# Who the outsider is (their users.info) and where they typed /aiguide.
OUTSIDERS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    # A guest of a Slack Connect channel: another organisation's own workspace.
    "slack_connect_guest": (slack_user(OUTSIDER, "Vendor", team="TVENDOR"), {}),
    # The municipality's Grid org is linked; the guest belongs to another org.
    "guest_from_another_grid_org": (
        _grid_user(OUTSIDER, "Vendor", "TVENDOR", "EVENDOR"),
        {"enterprise_id": "E0001"},
    ),
}


@pytest.mark.parametrize("who", sorted(OUTSIDERS))
@pytest.mark.parametrize("text", ["help", "report", "status"])
async def test_an_outsiders_slash_command_is_refused_privately_and_runs_no_turn(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, who: str, text: str
) -> None:
    caplog.set_level(logging.DEBUG)
    user, fields = OUTSIDERS[who]
    bot.slack.users[OUTSIDER] = user
    await _link(bot, "slack_enterprise", "E0001")
    await SlackPerson(bot, STAFF).quiet()
    rows = await _row_counts(bot)
    before = len(bot.slack.calls)
    _, said = await _command(bot, text, user_id=OUTSIDER, channel_id="CSHARED", **fields)
    assert said == bot.runtime.catalogs.for_locale("ja").t("tenant.outsider")
    answers = [c for c in bot.slack.calls[before:] if c.method in ANSWERS]
    assert [c.method for c in answers] == ["response_url"]  # privately; no modal opened
    assert answers[0].params["response_type"] == "ephemeral"
    async with transaction(bot.runtime.sessions) as session:
        assert await get_person(session, "sakura-city", "slack", OUTSIDER) is None
    assert await _row_counts(bot) == rows  # no person, conversation or report
    _check_logs(caplog)


@pytest.mark.parametrize("org_link", ["slack_enterprise", "slack_team"])
async def test_staff_of_the_same_municipality_are_answered_by_slash_command(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, org_link: str
) -> None:
    """From this workspace, and from another workspace of the org that is the same
    municipality's (the org linked, or that workspace linked to it)."""
    caplog.set_level(logging.DEBUG)
    bot.slack.users[COLLEAGUE] = _grid_user(COLLEAGUE, "鈴木 一郎", "T0002", "E0001")
    # An org-level user: Slack names the org where the workspace would be.
    org_user = {**_grid_user("UORG", "高橋 三郎", "T0002", "E0001"), "team_id": "E0001"}
    bot.slack.users["UORG"] = org_user
    await _link(bot, org_link, "E0001" if org_link == "slack_enterprise" else "T0002")
    outsider = bot.runtime.catalogs.for_locale("ja").t("tenant.outsider")
    for user in (STAFF, COLLEAGUE, "UORG"):
        _, said = await _command(bot, "help", user_id=user, enterprise_id="E0001")
        assert "アシスタントです" in said, (user, said)
        assert outsider not in said
    _check_logs(caplog)


async def test_an_outsider_opening_the_app_home_sees_the_refusal_not_a_status(
    bot: SlackBot,
) -> None:
    bot.slack.users[OUTSIDER] = slack_user(OUTSIDER, "Vendor", team="TVENDOR")
    event = {"type": "app_home_opened", "user": OUTSIDER, "channel": "DOUT", "tab": "home"}
    assert (await bot.event(event)).status == 200
    [published] = await bot.slack.wait_for("views.publish")
    shown = text_of(published.params["view"])
    assert bot.runtime.catalogs.for_locale("ja").t("tenant.outsider") in shown
    assert "私の状況" not in shown
    assert "actions" not in [b["type"] for b in published.params["view"]["blocks"]]


@pytest.mark.parametrize("kind", ["view_submission", "view_closed"])
@pytest.mark.parametrize("team_named", [True, False], ids=["team_named", "no_team"])
async def test_an_outsiders_modal_is_refused_and_changes_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, kind: str, team_named: bool
) -> None:
    """A modal sent (or closed) by a person of another organisation — Slack names their
    team in the payload, or, in an older shape, does not — runs no turn."""
    bot.slack.users[OUTSIDER] = slack_user(OUTSIDER, "Vendor", team="TVENDOR")
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("プロフィール")
    await yamada.press("フォームでまとめて入力")
    [opened] = bot.slack.of("views.open")
    view, view_id = opened.params["view"], opened.answer["view"]["id"]
    caplog.set_level(logging.DEBUG)
    payload = submission(view, view_id, {**GOOD, "name": "Vendor"}, "h1")
    payload["type"] = kind
    payload["user"] = {"id": OUTSIDER, **({"team_id": "TVENDOR"} if team_named else {})}
    metadata = json.loads(view["private_metadata"])
    payload["view"]["private_metadata"] = json.dumps({**metadata, "channel": "DOUT"})
    rows = await _row_counts(bot)
    before = len(bot.slack.calls)
    answer = await submit(bot, payload)
    await yamada.quiet()
    assert answer.get("response_action") is None  # the modal closes
    answers = [c for c in bot.slack.calls[before:] if c.method in ANSWERS]
    assert [(c.params["channel"], text_of(c.params)) for c in answers] == [
        ("DOUT", bot.runtime.catalogs.for_locale("ja").t("tenant.outsider"))
    ]
    assert await _row_counts(bot) == rows
    _check_logs(caplog)


async def test_a_slack_connect_guest_in_a_linked_grid_org_is_refused(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The envelope names the municipality's org, the event the guest's own workspace: the
    org's link does not make that workspace the municipality's; the directory tells."""
    caplog.set_level(logging.DEBUG)
    bot.slack.users[OUTSIDER] = slack_user(OUTSIDER, "Vendor", team="TVENDOR")
    await _link(bot, "slack_enterprise", "E0001")
    rows = await _row_counts(bot)
    before = len(bot.slack.calls)
    await _grid_envelope(bot, _from("TVENDOR"))
    answers = [c for c in bot.slack.calls[before:] if c.method in ANSWERS]
    assert [text_of(c.params) for c in answers] == [
        bot.runtime.catalogs.for_locale("ja").t("tenant.outsider")
    ]
    assert await _row_counts(bot) == rows
    # A colleague from another workspace of the org is still answered.
    bot.slack.users[COLLEAGUE] = _grid_user(COLLEAGUE, "鈴木 一郎", "T0002", "E0001")
    before = len(bot.slack.calls)
    await _grid_envelope(bot, _from("T0002", user=COLLEAGUE, channel=f"D{COLLEAGUE}"))
    assert "アシスタントです" in "\n".join(
        text_of(c.params) for c in bot.slack.calls[before:] if c.method in ANSWERS
    )
    _check_logs(caplog)
