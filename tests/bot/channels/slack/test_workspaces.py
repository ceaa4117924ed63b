"""Workspaces and municipalities: one workspace linked by itself, several through the OAuth
install and `aiguide tenants link`, and a workspace no municipality claimed refused politely."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli.tenants import tenants_command
from storage.db import transaction
from storage.people import get_person
from storage.slack import installed_teams
from storage.tenants import linked_tenant
from tests.bot.channels.slack.conftest import (
    SlackBot,
    municipality_file,
    start_bot,
    text_of,
)
from tests.bot.channels.slack.fake_slack import TEAM, FakeSlack, slack_user
from tests.bot.channels.slack.person import SlackPerson
from tests.conftest import Database

REFUSAL = "このワークスペース（組織）では aiguide はまだ設定されていません"


async def test_one_workspace_is_linked_to_the_one_municipality_at_start(bot: SlackBot) -> None:
    async with transaction(bot.runtime.sessions) as session:
        assert await linked_tenant(session, "slack_team", TEAM) == "sakura-city"
    yamada = SlackPerson(bot, "USTAFF")
    await yamada.say("ヘルプ")
    await yamada.say("ヘルプ")
    assert len(bot.slack.of("auth.test")) == 1  # asked once at start, then cached


@pytest.fixture
async def oauth_bot(
    database: Database, fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[SlackBot]:
    runtime, server = await start_bot(
        database,
        fake_slack,
        tmp_path,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    )
    async with aiohttp.ClientSession() as http:
        yield SlackBot(runtime, server, fake_slack, http)
    await server.close()


async def install(bot: SlackBot, team: str, token: str) -> None:
    """An admin of `team` goes through /slack/install and Slack's consent page."""
    bot.slack.oauth_grants[f"code-{team}"] = {
        "access_token": token,
        "token_type": "bot",
        "scope": "chat:write,im:history",
        "bot_user_id": "UBOT2",
        "app_id": "A1",
        "team": {"id": team, "name": f"Workspace {team}"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": "UINSTALLER"},
    }
    async with aiohttp.ClientSession() as browser:
        async with browser.get(bot.url("/slack/install")) as page:
            assert page.status == 200
            found = re.search(r"state=([0-9a-f]+)", await page.text())
            # The state cookie is Secure (https in production); a browser sends it back.
            cookie = "; ".join(f"{k}={m.value}" for k, m in page.cookies.items())
        assert found, "the install page links to Slack's consent page with a state"
        url = bot.url(f"/slack/oauth_redirect?code=code-{team}&state={found[1]}")
        async with browser.get(url, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()


async def link(bot: SlackBot, tenant_id: str, team: str) -> None:
    args = argparse.Namespace(
        tenants_command="link",
        id=tenant_id,
        slack_team=team,
        slack_enterprise=None,
        teams_tenant=None,
    )
    assert await tenants_command(bot.runtime, args) == 0


async def add_municipality(bot: SlackBot, tmp_path: Path, tenant_id: str, name: str) -> None:
    args = argparse.Namespace(
        tenants_command="add", file=municipality_file(tmp_path, tenant_id, name)
    )
    assert await tenants_command(bot.runtime, args) == 0


async def test_a_second_workspace_installed_and_linked_to_a_second_municipality(
    oauth_bot: SlackBot, tmp_path: Path
) -> None:
    bot = oauth_bot
    await install(bot, "T0001", "xoxb-team1")
    await install(bot, "T0002", "xoxb-team2")
    [exchanged, _] = bot.slack.of("oauth.v2.access")
    assert exchanged.params["code"] == "code-T0001"
    async with transaction(bot.runtime.sessions) as session:
        assert [i.team_id for i in await installed_teams(session)] == ["T0001", "T0002"]
    await add_municipality(bot, tmp_path, "momiji-town", "もみじ町")
    await link(bot, "sakura-city", "T0001")
    await link(bot, "momiji-town", "T0002")

    bot.slack.users["UMOMIJI"] = slack_user("UMOMIJI", "高橋 一郎", team="T0002")
    momiji = SlackPerson(bot, "UMOMIJI")
    bot.team = "T0002"
    await momiji.say("ヘルプ")
    assert "もみじ町の生成AI利用ガイドラインのアシスタントです" in momiji.text, momiji.text
    posts = [c for c in bot.slack.of("chat.postMessage") if c.params["channel"] == momiji.dm]
    assert posts and all(c.token == "xoxb-team2" for c in posts)

    bot.team = "T0001"
    yamada = SlackPerson(bot, "USTAFF")
    await yamada.say("ヘルプ")
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in yamada.text


async def test_a_workspace_no_municipality_claimed_is_refused_and_nothing_stored(
    oauth_bot: SlackBot,
) -> None:
    bot = oauth_bot
    await install(bot, "T0003", "xoxb-team3")
    bot.team = "T0003"
    stranger = SlackPerson(bot, "USTRANGER")
    await stranger.say("住民の氏名をCopilotに入れていい？")
    [refusal] = stranger.last
    assert REFUSAL in text_of(refusal)
    assert "not set up for aiguide" in text_of(refusal)  # one bilingual answer
    async with transaction(bot.runtime.sessions) as session:
        assert await get_person(session, "sakura-city", "slack", "USTRANGER") is None


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
async def test_an_uninstalled_workspace_loses_its_installation(
    oauth_bot: SlackBot, event: str
) -> None:
    await install(oauth_bot, "T0007", "xoxb-seven")
    async with transaction(oauth_bot.runtime.sessions) as session:
        assert [i.team_id for i in await installed_teams(session)] == ["T0007"]
    body = {"type": event, **({"tokens": {"bot": ["UBOT2"]}} if event == "tokens_revoked" else {})}
    response = await oauth_bot.event(body, team="T0007")
    assert response.status == 200
    async with transaction(oauth_bot.runtime.sessions) as session:
        assert await installed_teams(session) == []
    before = len(oauth_bot.slack.calls)
    assert (await oauth_bot.dm("USTAFF", "ヘルプ", team="T0007")).status == 200
    await oauth_bot.slack.settle()
    assert [c for c in oauth_bot.slack.calls[before:] if c.method == "chat.postMessage"] == []
