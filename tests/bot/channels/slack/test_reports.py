"""A risk report filed in the DM reaches the policy division's Slack channel as a thread;
every later event is a reply in it, and what the division writes there goes on the record."""

from __future__ import annotations

import re
import time

from bot.services.reports import thread_key
from storage.db import transaction
from storage.models import RiskReport
from storage.outbox import thread_ref
from storage.reports import events_of
from tests.bot.channels.slack.conftest import ADMIN, POLICY_CHANNEL, STAFF, SlackBot, text_of
from tests.bot.channels.slack.person import SlackPerson

COPILOT = "Microsoft 365 Copilot Chat"
# Typed by the reporter: markup Slack would act on if it came back unescaped.
TYPED = "案内文に &lt;!channel&gt; と &lt;@UADMIN&gt; と &lt;https://evil.example|here&gt; が出た"
SHOWN = "&lt;!channel&gt;"


async def file_report(yamada: SlackPerson) -> str:
    await yamada.say("報告したい")
    await yamada.say("内線3456")
    await yamada.press(COPILOT)
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("攻撃的・危険な内容")
    await yamada.say(TYPED)
    await yamada.press("スキップ")
    await yamada.press("入力していない")
    await yamada.press("庁内だけ")
    await yamada.press("重大ではないと思う")
    await yamada.press("スキップ")
    assert "の内容を確認してください" in yamada.text, yamada.text
    await yamada.press("送信")
    found = re.search(r"RC-\d{4}-\d{4}", yamada.text)
    assert found, yamada.text
    return found[0]


async def test_a_report_opens_a_thread_and_later_events_reply_in_it(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    number = await file_report(yamada)
    assert bot.posts_to(POLICY_CHANNEL) == []  # through the outbox, not inside the turn
    await bot.runtime.delivery.run_once()
    [summary] = bot.posts_to(POLICY_CHANNEL)
    assert number in text_of(summary)
    assert summary.get("thread_ts") is None  # the top post of its thread
    assert summary["metadata"]["event_payload"]["key"].startswith("report:")

    # The policy division acknowledges from the channel: the answer is private to them.
    sato = SlackPerson(bot, ADMIN)
    before = len(bot.slack.calls)
    response = await bot.press(ADMIN, summary, "受付", channel=POLICY_CHANNEL)
    assert response.status == 200
    await sato.quiet()
    private = [c for c in bot.slack.calls[before:] if c.method == "response_url"]
    assert private and all(c.params["response_type"] == "ephemeral" for c in private)
    assert not [c for c in bot.slack.calls[before:] if c.method == "chat.update"]

    await bot.runtime.delivery.run_once()
    replies = bot.posts_to(POLICY_CHANNEL)[1:]
    assert replies, "the acknowledgement is told in the thread"
    assert all(r["thread_ts"] == summary["ts"] for r in replies)
    assert "佐藤 次郎 が受付しました。" in text_of(replies[0])
    # …and the reporter hears of it in the DM
    assert any(number in text_of(m) for m in bot.posts_to(STAFF))


async def test_markup_typed_by_a_person_never_mentions_or_formats(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    await file_report(yamada)
    await bot.runtime.delivery.run_once()
    [summary] = bot.posts_to(POLICY_CHANNEL)
    everything = "\n".join(
        text_of(c.params) + str(c.params.get("text", ""))
        for c in bot.slack.calls
        if c.method == "chat.postMessage"
    )
    for markup in ("<!channel>", "<@UADMIN>", "<https://evil.example|here>"):
        assert markup not in everything
    assert SHOWN in text_of(summary)


async def test_a_policy_division_reply_in_the_thread_is_recorded(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    number = await file_report(yamada)
    await bot.runtime.delivery.run_once()
    [summary] = bot.posts_to(POLICY_CHANNEL)
    async with transaction(bot.runtime.sessions) as session:
        report = (await session.exec(RiskReport.__table__.select())).first()  # type: ignore[attr-defined]
        ref = await thread_ref(session, "sakura-city", f"report:{report.id}:policy")
    assert ref is not None and ref.ref == summary["ts"]

    def in_thread(user: str, text: str) -> dict[str, object]:
        return {
            "type": "message",
            "channel": POLICY_CHANNEL,
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
            "thread_ts": summary["ts"],
        }

    sato = SlackPerson(bot, ADMIN)
    await bot.event(in_thread(ADMIN, "税務課に確認します"), event_id="EvThread1")
    await bot.event(in_thread(ADMIN, "税務課に確認します"), event_id="EvThread1")  # a retry
    await bot.event(in_thread(STAFF, "私も見ました"))  # not the policy division
    await sato.quiet()
    async with transaction(bot.runtime.sessions) as session:
        events = await events_of(session, report.id)
    comments = [e for e in events if e.kind == "comment"]
    assert [(e.actor, e.detail["text"]) for e in comments] == [("佐藤 次郎", "税務課に確認します")]
    assert thread_key(report) == f"report:{report.id}:policy"
    assert number


async def test_a_form_started_from_the_channel_continues_in_the_presser_dm(bot: SlackBot) -> None:
    yamada = SlackPerson(bot, STAFF)
    number = await file_report(yamada)
    await bot.runtime.delivery.run_once()
    [summary] = bot.posts_to(POLICY_CHANNEL)
    sato = SlackPerson(bot, ADMIN)
    before = len(bot.slack.calls)
    await bot.press(ADMIN, summary, "追加情報を依頼", channel=POLICY_CHANNEL)
    await sato.quiet()
    new = bot.slack.calls[before:]
    asked = [c for c in new if c.method == "chat.postMessage"]
    assert asked and all(c.params["channel"] == ADMIN for c in asked)  # the DM, not the channel
    assert not [
        c for c in new if c.method == "chat.postMessage" and c.params["channel"] == POLICY_CHANNEL
    ]

    sato.dm = ADMIN
    await sato.say("発生時刻を教えてください")
    while "送信" in sato.labels:
        await sato.press("送信")
    await bot.runtime.delivery.run_once()
    thread = bot.posts_to(POLICY_CHANNEL)[1:]
    assert any("発生時刻を教えてください" in text_of(m) for m in thread)
    assert all(m["thread_ts"] == summary["ts"] for m in thread)
    told = [m for m in bot.posts_to(STAFF) if number in text_of(m)]
    assert any("発生時刻を教えてください" in text_of(m) for m in told)
