"""The inbox: an acknowledged event, button press or slash command is answered even when the
process dies after the acknowledgement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.channels.slack import SLACK
from bot.channels.slack import inbox as slack_inbox
from storage.db import transaction
from storage.inbox import inbox
from storage.models import utcnow
from tests.bot.channels.slack.conftest import STAFF, SlackBot
from tests.bot.channels.slack.person import SlackPerson


async def _rows(bot: SlackBot) -> list[Any]:
    async with transaction(bot.runtime.sessions) as session:
        return list((await session.exec(sa.select(inbox))).all())  # type: ignore[call-overload]


def _answers(bot: SlackBot, user: str) -> list[dict[str, Any]]:
    return [m for m in bot.posts_to(f"D{user}")]


async def test_an_event_acknowledged_before_a_crash_is_answered_after_restart(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The crash: the work after the acknowledgement never runs (the process died).
    async def died(*args: Any) -> None:
        return None

    monkeypatch.setattr(slack_inbox, "run_and_forget", died)
    response = await bot.dm(STAFF, "ヘルプ", event_id="EvCRASH1")
    assert response.status == 200
    await SlackPerson(bot, STAFF).quiet()
    assert _answers(bot, STAFF) == [], "nothing was answered before the crash"
    [row] = await _rows(bot)
    assert row.event_id == "EvCRASH1" and row.tenant_id == "sakura-city"

    monkeypatch.undo()
    channel = bot.server.app[SLACK]
    # Not taken while the dead worker's lease lasts (another replica may be running it) …
    assert await slack_inbox.sweep(channel) == 0
    # … and taken once it has run out, as the restarted process's sweep does.
    async with transaction(bot.runtime.sessions) as session:
        await session.exec(  # type: ignore[call-overload]
            inbox.update().values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert await slack_inbox.sweep(channel) == 1
    await SlackPerson(bot, STAFF).quiet()
    texts = " ".join(
        str(m.get("text", "")) + str(m.get("blocks", "")) for m in _answers(bot, STAFF)
    )
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in texts
    assert await _rows(bot) == [], "the typed text is deleted once answered"


async def test_a_retried_event_is_answered_once(bot: SlackBot) -> None:
    await bot.dm(STAFF, "ヘルプ", event_id="EvRETRY1")
    await bot.dm(STAFF, "ヘルプ", event_id="EvRETRY1", headers={"X-Slack-Retry-Num": "1"})
    await SlackPerson(bot, STAFF).quiet()
    first = len(_answers(bot, STAFF))
    assert first >= 1
    await bot.dm(STAFF, "ヘルプ", event_id="EvRETRY1", headers={"X-Slack-Retry-Num": "2"})
    await SlackPerson(bot, STAFF).quiet()
    assert len(_answers(bot, STAFF)) == first, "a retry after the answer is not answered again"
    assert await _rows(bot) == []


async def _restart_sweep(bot: SlackBot) -> int:
    """What the restarted process's sweep does once the dead worker's lease has run out."""
    channel = bot.server.app[SLACK]
    async with transaction(bot.runtime.sessions) as session:
        await session.exec(  # type: ignore[call-overload]
            inbox.update().values(lease_until=utcnow() - timedelta(seconds=1))
        )
    return await slack_inbox.sweep(channel)


async def test_a_button_pressed_just_before_a_crash_is_answered_after_restart(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = SlackPerson(bot, STAFF)
    await person.say("メニュー")
    message = person.message_with("使い方")

    async def died(*args: Any) -> None:
        return None

    monkeypatch.setattr(slack_inbox, "run_and_forget", died)
    assert (await bot.press(STAFF, message, "使い方")).status == 200  # acknowledged …
    await person.quiet()
    before = len(_answers(bot, STAFF))
    assert len(await _rows(bot)) == 1  # … and recorded, though never run

    monkeypatch.undo()
    assert await _restart_sweep(bot) == 1
    await person.quiet()
    answers = _answers(bot, STAFF)[before:]
    texts = " ".join(str(m.get("text", "")) + str(m.get("blocks", "")) for m in answers)
    assert "さくら市の生成AI利用ガイドラインのアシスタントです" in texts
    assert await _rows(bot) == []


async def test_a_slash_command_acknowledged_before_a_crash_is_answered_after_restart(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def died(*args: Any) -> None:
        return None

    monkeypatch.setattr(slack_inbox, "run_and_forget", died)
    assert (await bot.command(STAFF, "help")).status == 200
    await SlackPerson(bot, STAFF).quiet()
    assert [c for c in bot.slack.calls if c.method == "response_url"] == []
    [row] = await _rows(bot)
    assert row.event_id.startswith(f"cmd:{STAFF}:")

    monkeypatch.undo()
    assert await _restart_sweep(bot) == 1
    await SlackPerson(bot, STAFF).quiet()
    answered = [c for c in bot.slack.calls if c.method in ("response_url", "chat.postEphemeral")]
    assert any("アシスタントです" in str(c.params) for c in answered), answered
    assert await _rows(bot) == []
