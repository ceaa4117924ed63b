"""Slack payloads real people produce that the dialogs were not built around: files shared
into the DM (never opened), messages whose text is only in their rich_text blocks, and other
shapes that must be acknowledged and either answered sensibly or left alone."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from dialogs.text import MAX_TEXT_LENGTH
from tests.bot.channels.slack.conftest import STAFF, SlackBot, text_of
from tests.bot.channels.slack.person import SlackPerson
from tests.bot.channels.slack.test_payloads import ANSWERS, _check_logs

ENGLISH = "UENG"
_FILE = {
    "id": "F0PRIVATE",
    "name": "住民名簿.xlsx",
    "mimetype": "application/vnd.ms-excel",
    "url_private": "https://files.slack.com/files-pri/T0001-F0PRIVATE/list.xlsx",
    "url_private_download": "https://files.slack.com/files-pri/T0001-F0PRIVATE/download",
}


def _file_share(user: str, text: str = "", **fields: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "files": [_FILE],
        "upload": False,
        "display_as_bot": False,
        "ts": f"{time.time():.6f}",
        **fields,
    }


async def _send(bot: SlackBot, event: dict[str, Any]) -> list[Any]:
    before = len(bot.slack.calls)
    response = await bot.event(event)
    assert response.status == 200, response.status
    await SlackPerson(bot, str(event.get("user") or STAFF)).quiet()
    return bot.slack.calls[before:]


def _said(calls: list[Any]) -> str:
    return "\n".join(text_of(c.params) for c in calls if c.method in ANSWERS)


def _never_fetched(bot: SlackBot) -> None:
    """The bot asked Slack nothing about the file (files.info, a download)."""
    assert [c.method for c in bot.slack.calls if c.method.startswith("files.")] == []


@pytest.mark.parametrize(
    ("user", "locale"), [(STAFF, "ja"), (ENGLISH, "en")], ids=["japanese", "english"]
)
async def test_a_file_shared_alone_is_not_read_and_the_text_is_asked_for(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, user: str, locale: str
) -> None:
    caplog.set_level(logging.DEBUG)
    calls = await _send(bot, _file_share(user))
    said = _said(calls)
    msg = bot.runtime.catalogs.for_locale(locale)
    assert msg.t("fallback.attachment_only") in said
    # Not the answer to an empty message: the person did send something.
    assert msg.t("fallback.empty") not in said
    assert all(c.params.get("channel") == f"D{user}" for c in calls if c.method in ANSWERS)
    _never_fetched(bot)
    _check_logs(caplog)


async def test_a_file_shared_with_a_comment_answers_the_comment_and_says_the_file_is_unread(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    calls = await _send(bot, _file_share(STAFF, text=msg.t("menu.item.pii_check")))
    said = _said(calls)
    assert msg.t("fallback.attachment_not_read") in said
    # The comment was the turn: the text check asks for the text to check.
    assert msg.t("pii.ask", max=MAX_TEXT_LENGTH) in said
    _never_fetched(bot)
    _check_logs(caplog)


async def test_a_file_shared_while_the_text_check_waits_keeps_it_waiting(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    person = SlackPerson(bot, STAFF)
    await person.say(msg.t("menu.item.pii_check"))
    calls = await _send(bot, _file_share(STAFF))
    assert msg.t("fallback.attachment_only") in _said(calls)
    # The pasted text that follows is still what the check reads.
    await person.say("山田太郎 090-1234-5678")
    assert msg.t("pii.masked") in person.text, person.text
    _never_fetched(bot)
    _check_logs(caplog)


def _rich_text(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "rich_text",
            "block_id": "rt1",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": text},
                        {"type": "user", "user_id": "UBOT"},
                    ],
                }
            ],
        }
    ]


async def test_a_message_whose_text_is_only_in_its_blocks_is_read(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    msg = bot.runtime.catalogs.for_locale("ja")
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": f"D{STAFF}",
        "user": STAFF,
        "text": "",
        "blocks": _rich_text(f"{msg.t('menu.item.pii_check')} "),
        "ts": f"{time.time():.6f}",
    }
    said = _said(await _send(bot, event))
    assert msg.t("fallback.empty") not in said
    assert msg.t("pii.ask", max=MAX_TEXT_LENGTH) in said
    _check_logs(caplog)
