"""Slack's chat.postMessage limit is about one message a second into one channel, with the
workspace's own (larger) limit over all of them: a broadcast to many DMs goes at the
workspace's pace, while posts into one channel keep a second apart."""

from __future__ import annotations

from itertools import pairwise

from bot.channels.slack.webapi import Pacer
from storage.addresses import POLICY, PersonAddress
from storage.db import transaction
from storage.models import utcnow
from storage.outbox import enqueue
from tests.bot.channels.slack.conftest import POLICY_CHANNEL, SlackBot
from tests.conftest import SAMPLE_TENANT


async def test_dms_go_at_the_workspace_pace_and_one_channel_one_a_second(bot: SlackBot) -> None:
    deliverer = bot.runtime.delivery.registry.get("slack")
    poster = deliverer.poster
    poster.pacer, poster.channel_pacer = Pacer(200.0), Pacer(1.0)
    deliverer.batch_size = 20
    async with transaction(bot.runtime.sessions) as session:
        for n in range(3):
            await enqueue(
                session,
                SAMPLE_TENANT,
                key=f"note:{n}",
                channel="slack",
                address=POLICY,
                body={"type": "text", "text": f"お知らせ {n}"},
            )
        for n in range(12):
            await enqueue(
                session,
                SAMPLE_TENANT,
                key=f"guideline:2:slack:U{n:04d}",
                channel="slack",
                address=PersonAddress(f"U{n:04d}"),
                body={"type": "text", "text": "ガイドラインが Ver2.0 に改定されました"},
            )
    assert await bot.runtime.delivery.run_once(utcnow()) == 15
    posts = bot.slack.of("chat.postMessage")
    dms = [c.at for c in posts if str(c.params.get("channel", "")).startswith("U0")]
    policy = [c.at for c in posts if c.params.get("channel") == POLICY_CHANNEL]
    assert len(dms) == 12 and len(policy) == 3
    assert max(dms) - min(dms) < 0.5  # 12 at 200/s: not held to one a second
    assert all(later - earlier >= 0.95 for earlier, later in pairwise(policy))
