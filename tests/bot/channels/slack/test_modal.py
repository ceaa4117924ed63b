"""A form as one modal: opened from the button's trigger, checked like the step-by-step
path, its errors shown beside the fields that have them."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from tests.bot.channels.slack.conftest import STAFF, SlackBot
from tests.bot.channels.slack.person import SlackPerson


def submission(
    view: dict[str, Any], view_id: str, values: dict[str, str], hash_: str
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        key = block["block_id"]
        value = values.get(key.removeprefix("in:"), "")
        kind = block["element"]["type"]
        if kind == "static_select":
            element = {"type": kind, "selected_option": {"value": value} if value else None}
        else:
            element = {"type": kind, "value": value}
        state[key] = {"value": element}
    return {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": STAFF, "team_id": "T0001"},
        "api_app_id": "A1",
        "trigger_id": "trigger-view",
        "view": {
            "id": view_id,
            "type": "modal",
            "hash": hash_,
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": state},
        },
    }


async def submit(bot: SlackBot, payload: dict[str, Any]) -> dict[str, Any]:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    from tests.bot.channels.slack.conftest import sign

    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with bot.http.post(bot.url("/slack/interactions"), data=body, headers=headers) as r:
        assert r.status == 200
        text = await r.text()
    return json.loads(text) if text else {}


async def test_a_modal_submission_with_field_errors_then_a_good_one(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("プロフィール")
    await yamada.press("フォームでまとめて入力")
    [opened] = bot.slack.of("views.open")
    view = opened.params["view"]
    view_id = opened.answer["view"]["id"]
    assert opened.params["trigger_id"].startswith("trigger-")
    assert [b["block_id"] for b in view["blocks"]] == ["in:name", "in:division", "in:contact"]
    assert view["blocks"][0]["element"]["initial_value"] == "山田 花子"
    assert len(view["title"]["text"]) <= 24

    answer = await submit(
        bot,
        submission(view, view_id, {"name": "", "division": "観光課", "contact": "メールで"}, "h1"),
    )
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"in:name", "in:division", "in:contact"}
    await yamada.quiet()

    before = len(bot.slack.calls)
    good = {"name": "山田 花子", "division": "税務課", "contact": "yamada@example.jp"}
    answer = await submit(bot, submission(view, view_id, good, "h2"))
    assert answer.get("response_action") is None  # the modal closes
    await yamada.quiet()
    posted = [c for c in bot.slack.calls[before:] if c.method == "chat.postMessage"]
    from tests.bot.channels.slack.conftest import text_of

    assert any("内容を確認してください" in text_of(c.params) for c in posted)
    assert all(c.params["channel"] == yamada.dm for c in posted)


def option(view: dict[str, Any], key: str, label: str) -> str:
    """The value of the option shown as `label` in the select of field `key`."""
    [block] = [b for b in view["blocks"] if b["block_id"] == f"in:{key}"]
    return next(o["value"] for o in block["element"]["options"] if o["text"]["text"] == label)


def closing(view: dict[str, Any], view_id: str, values: dict[str, str]) -> dict[str, Any]:
    """What Slack sends when the person closes the modal (its "あとで" button or the ×)."""
    closed = submission(view, view_id, values, "h-closed")
    return {**closed, "type": "view_closed", "is_cleared": False}


async def test_closing_the_modal_keeps_what_was_typed_for_later(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("プロフィール")
    await yamada.press("フォームでまとめて入力")
    [opened] = bot.slack.of("views.open")
    view, view_id = opened.params["view"], opened.answer["view"]["id"]
    assert view["close"]["text"] == "あとで"  # closing is "later", not "cancel"
    assert view["notify_on_close"] is True

    typed = {"name": "山田 花子", "division": option(view, "division", "税務課"), "contact": ""}
    assert await submit(bot, closing(view, view_id, typed)) == {}
    await yamada.quiet()
    dm = [c for c in bot.slack.of("chat.postMessage") if c.params["channel"] == yamada.dm]
    from tests.bot.channels.slack.conftest import text_of

    assert "入力を保存しました" in text_of(dm[-1].params)

    # Coming back: the form resumes after what was typed, and opened whole it is prefilled.
    await yamada.say("プロフィール")
    assert "続きから再開します" in yamada.text, yamada.text
    assert "連絡先" in yamada.text  # the next question is the one left empty
    await yamada.press("フォームでまとめて入力")
    reopened = bot.slack.of("views.open")[-1].params["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in reopened["blocks"]}
    assert initial["in:name"] == "山田 花子"
    [division] = [b for b in reopened["blocks"] if b["block_id"] == "in:division"]
    assert division["element"]["initial_option"]["text"]["text"] == "税務課"


async def test_a_repeated_close_payload_is_kept_once(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await yamada.say("プロフィール")
    await yamada.press("フォームでまとめて入力")
    [opened] = bot.slack.of("views.open")
    view, view_id = opened.params["view"], opened.answer["view"]["id"]
    payload = closing(view, view_id, {"name": "山田 花子", "division": "観光課"})
    before = len(bot.slack.of("chat.postMessage"))
    for _ in range(2):
        await submit(bot, payload)
        await yamada.quiet()
    assert len(bot.slack.of("chat.postMessage")) == before + 1
