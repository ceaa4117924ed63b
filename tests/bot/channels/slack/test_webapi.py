"""The Web API client's directory cache: a person is looked up once per lifetime, and the cache
stays bounded however many people talk (memory flat over thousands of conversations)."""

from __future__ import annotations

import pytest

from bot.channels.slack import webapi
from bot.channels.slack.webapi import SlackWebApi
from tests.bot.channels.slack.fake_slack import TEAM, TOKEN, FakeSlack, slack_user


async def test_a_person_is_looked_up_once_and_the_cache_keeps_only_the_newest(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webapi, "_PROFILES_KEPT", 3)
    people = [f"U{n:04d}" for n in range(5)]
    for user in people:
        fake_slack.users[user] = slack_user(user, f"職員{user}", email=f"{user}@example.lg.jp")
    api = SlackWebApi(fake_slack.api_url)
    await api.start()
    try:
        first = await api.profile(TOKEN, TEAM, people[0])
        again = await api.profile(TOKEN, TEAM, people[0])
        assert first is not None and again == first
        assert len(fake_slack.of("users.info")) == 1  # the second came from the cache

        for user in people[1:]:
            await api.profile(TOKEN, TEAM, user)
        assert len(fake_slack.of("users.info")) == 5
        # Four others came after the first person and only three are kept: asked again.
        await api.profile(TOKEN, TEAM, people[0])
        assert len(fake_slack.of("users.info")) == 6
        # The newest are still kept.
        await api.profile(TOKEN, TEAM, people[4])
        assert len(fake_slack.of("users.info")) == 6
    finally:
        await api.close()
