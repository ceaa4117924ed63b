"""Two real `aiguide serve` processes on one database, Slack and Teams configured against the
fakes on loopback, driven alternately as a load balancer in front of them would.

Every Slack request is signed with the signing secret, every Teams activity carries a JWT
signed by the far end's key; what people see is read back from the fake Web API and the fake
Bot Connector, where each outbox message is counted by the key it carries.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select, update

from bot.business_time import is_business_time, working_days_between
from bot.runtime import Runtime
from bot.services.reminders import plan_reminders
from dialogs.context import JST
from storage.addresses import PersonAddress
from storage.db import transaction
from storage.models import Broadcast, GuidelineVersion, OutboxMessage, Person, Reminder, utcnow
from storage.outbox import enqueue
from storage.tenants import link
from tests.bot.channels.slack.conftest import (
    ADMIN,
)
from tests.bot.channels.teams.conftest import M365_TENANT
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.bot.replica_processes import (
    MAJOR,
    TICK_SECONDS,
    HoldingSlack,
    Replica,
    SlackStaff,
    all_sent,
    municipality_file,
    outbox_rows,
    slack_people,
    start_replicas,
    stop,
    teams_outbox_keys,
    teams_person,
    wait_until,
)
from tests.conftest import SAMPLE_TENANT, Database, settings_for


@pytest.fixture
async def slack() -> AsyncIterator[HoldingSlack]:
    fake = HoldingSlack()
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.refused == []


@pytest.fixture
async def farend() -> AsyncIterator[FarEnd]:
    far = FarEnd(SigningKey())
    await far.start()
    yield far
    await far.stop()


@pytest.fixture
def replicas_of(
    database: Database, slack: HoldingSlack, farend: FarEnd, tmp_path: Path
) -> Iterator[Callable[[], Any]]:
    started: list[Replica] = []

    async def start() -> list[Replica]:
        started.extend(await start_replicas(database, slack, farend, tmp_path))
        return started

    yield start
    stop(started)


@pytest.fixture
async def db(database: Database, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The test's own handle on the shared database (it serves nothing)."""
    runtime = Runtime.create(settings_for(database, municipality_file=municipality_file(tmp_path)))
    yield runtime
    await runtime.close()


# --- the transcripts -----------------------------------------------------------------------


async def test_two_processes_share_forms_reminders_and_the_outbox(
    replicas_of: Callable[[], Any], db: Runtime, slack: HoldingSlack, farend: FarEnd
) -> None:
    users = slack_people(slack, 6)
    a, b = await replicas_of()
    assert [t.id for t in await db.tenant_list()] == [SAMPLE_TENANT]  # added once
    async with transaction(db.sessions) as session:  # the municipality's Microsoft 365 tenant
        await link(session, SAMPLE_TENANT, "teams_tenant", M365_TENANT)
    async with aiohttp.ClientSession() as http:
        # A form in Slack, each step through the other process.
        yamada = SlackStaff(http, slack, users[0])
        assert "1/" in await yamada.say(a, "利用開始", "1/6")
        await yamada.say(b, "2026-10-01", "2/6")
        steps = itertools.cycle((a, b))
        while yamada.has_button("確認しました"):
            await yamada.press(next(steps), "確認しました", "確認")
        assert "利用前の確認を記録しました" in await yamada.press(
            next(steps), "送信", "記録しました"
        )

        # The same form in Teams, alternating too.
        tanaka = teams_person(farend, "aad-rep-tanaka", "田中 一郎", a)
        replicas = itertools.cycle((a, b))

        async def on_next(send: Callable[[], Any]) -> str:
            tanaka.server = next(replicas).endpoint()
            return await send()

        await on_next(lambda: tanaka.say("利用開始"))
        await on_next(lambda: tanaka.say("2026-10-01"))
        while any(a_["title"] == "確認しました" for _, a_ in tanaka._latest_actions()):
            await on_next(lambda: tanaka.press("確認しました"))
        assert "利用前の確認を記録しました" in await on_next(lambda: tanaka.press("送信"))

        # The others say hello, half through each process: everyone is known.
        for n, user in enumerate(users[1:]):
            assert "ガイドライン" in await SlackStaff(http, slack, user).say(
                (a, b)[n % 2], "ヘルプ", "ガイドライン"
            )
        teams_staff = [
            teams_person(farend, f"aad-rep-{n}", f"職員{n}", (a, b)[n % 2]) for n in range(4)
        ]
        for person in teams_staff:
            await person.say("ヘルプ")

        # Reminders for whoever has not confirmed, made due now: once each, whoever ticks.
        started = utcnow()
        await make_due_reminders(db, started)
        business = is_business_time(started)
        if business:
            await wait_until(lambda: all_sent(db, "reminder:"), 60, "every reminder sent")

        # The policy division publishes a major version, each answer through the other process.
        sato = SlackStaff(http, slack, ADMIN)
        ring = itertools.cycle((b, a))
        assert "1/5" in await sato.say(next(ring), "ガイドライン公開", "1/5")
        await sato.say(next(ring), "2.0", "2/5")
        await sato.press(next(ring), MAJOR, "3/5")
        await sato.say(next(ring), "副市長 高橋", "4/5")
        await sato.say(next(ring), utcnow().astimezone(JST).date().isoformat(), "5/5")
        await sato.say(next(ring), "生成AIの利用範囲を見直しました", "送信")
        assert "Ver2.0" in await sato.press(next(ring), "送信", "Ver2.0")

        async def finished() -> bool:
            async with transaction(db.sessions) as session:
                found = (await session.exec(select(Broadcast))).all()
            return len(found) == 1 and found[0].finished_at is not None

        await wait_until(finished, 60, "the broadcast finished")
        # A few more ticks of both: nothing may go out again.
        await asyncio.sleep(TICK_SECONDS * 10)

    everyone = 1 + len(users) + 1 + len(teams_staff)  # Slack staff, the admin, Teams people
    rows = await outbox_rows(db, "guideline:")
    assert len(rows) == everyone
    delivered = slack.outbox_keys() + teams_outbox_keys(farend)
    assert {r.key: delivered[r.key] for r in rows} == dict.fromkeys((r.key for r in rows), 1)
    reminders = await outbox_rows(db, "reminder:")
    if business and is_business_time(utcnow()):
        # Everyone known then (not yet the admin) but the two who confirmed, once each.
        assert len(reminders) == len(users) - 1 + len(teams_staff)
        assert {r.key: delivered[r.key] for r in reminders} == {r.key: 1 for r in reminders}
    elif not business:
        assert reminders == []  # waiting for office hours
    # Nothing at all was delivered twice (progress notes to the admin included).
    assert [key for key, times in delivered.items() if times > 1] == []
    assert a.process.poll() is None and b.process.poll() is None
    assert "Traceback" not in a.output() + b.output()


async def make_due_reminders(db: Runtime, now: datetime) -> None:
    """As if everyone had first talked to the bot five working days ago."""
    today = now.astimezone(JST).date()
    since = today
    while working_days_between(since, today) < 5:
        since -= timedelta(days=1)
    first_seen = datetime.combine(since, datetime.min.time(), tzinfo=JST).astimezone(UTC)
    async with transaction(db.sessions) as session:
        await session.exec(update(Person).values(created_at=first_seen))  # type: ignore[call-overload]
        await session.exec(
            update(GuidelineVersion).values(effective_on=since - timedelta(days=90))  # type: ignore[call-overload]
        )
    town = (await db.town()).facts
    async with transaction(db.sessions) as session:
        await plan_reminders(session, town, now, db.hours)
        await session.exec(update(Reminder).values(due_at=now - timedelta(hours=1)))  # type: ignore[call-overload]


async def test_a_killed_process_leaves_its_leased_message_and_its_form_to_the_other(
    replicas_of: Callable[[], Any], db: Runtime, slack: HoldingSlack
) -> None:
    users = slack_people(slack, 8)
    a, b = await replicas_of()
    async with aiohttp.ClientSession() as http:
        for n, user in enumerate(users):
            await SlackStaff(http, slack, user).say((a, b)[n % 2], "ヘルプ", "ガイドライン")
        # A form begun on A.
        yamada = SlackStaff(http, slack, users[0])
        await yamada.say(a, "利用開始", "1/6")
        await yamada.say(a, "2026-10-01", "2/6")
        assert yamada.has_button("確認しました")

        # Slack is slow: both processes are mid-call, each holding a batch under its lease.
        # A process sends a lane's due messages as one batch and claims no more of that lane
        # while the batch is out, so the second group of messages goes to the other process.
        slack.holding.set()

        async def probe(group: list[str]) -> None:
            async with transaction(db.sessions) as session:
                for user in group:
                    await enqueue(
                        session,
                        SAMPLE_TENANT,
                        key=f"probe:{user}",
                        channel="slack",
                        address=PersonAddress(user),
                        body={"type": "text", "text": "お知らせ"},
                    )

        async def leased() -> list[OutboxMessage]:
            return [r for r in await outbox_rows(db, "probe:") if r.lease is not None]

        def held_keys() -> set[str]:
            return set(slack.outbox_keys())

        async def all_held_under(batches: int) -> bool:
            rows = await leased()
            keys = {r.key for r in await outbox_rows(db, "probe:")}
            return {r.key for r in rows} == keys == held_keys() and len(
                {r.lease for r in rows}
            ) == batches

        await probe(users[:4])
        await wait_until(lambda: all_held_under(1), 20, "one process mid-call")
        await probe(users[4:])
        await wait_until(lambda: all_held_under(2), 20, "both processes mid-call")
        in_flight = {r.key: (r.lease, r.leased_until) for r in await leased()}
        a.kill()
        slack.holding.clear()
        slack.released.set()

        # B's batch is answered and recorded; A's waits for its lease to expire.
        async def one_batch_left() -> bool:
            rows = {r.key: r for r in await outbox_rows(db, "probe:")}
            unsent = {in_flight[k][0] for k in in_flight if rows[k].sent_at is None}
            sent = {in_flight[k][0] for k in in_flight if rows[k].sent_at is not None}
            return len(unsent) == 1 and len(sent) == 1

        await wait_until(one_batch_left, 10, "B recorded its own batch")
        rows = {r.key: r for r in await outbox_rows(db, "probe:")}
        orphans = {k for k in in_flight if rows[k].sent_at is None}
        await wait_until(lambda: all_sent(db, "probe:"), 60, "B delivered everything")

        # The form goes on in B where A left it.
        steps = 0
        while yamada.has_button("確認しました") and steps < 20:
            await yamada.press(b, "確認しました", "確認")
            steps += 1
        assert "利用前の確認を記録しました" in await yamada.press(b, "送信", "記録しました")

    rows = {r.key: r for r in await outbox_rows(db, "probe:")}
    for orphan in orphans:
        expired_at = in_flight[orphan][1]
        assert expired_at is not None
        sent_at = rows[orphan].sent_at
        assert sent_at is not None
        assert sent_at.replace(tzinfo=UTC) >= expired_at.replace(tzinfo=UTC)
    delivered = slack.outbox_keys()
    # Nothing lost; the batch A was sending when it died reached Slack twice (its calls had
    # arrived, then B sent them again after the lease: the at-least-once window), no other.
    assert {key: delivered[key] for key in rows} == {
        key: 2 if key in orphans else 1 for key in rows
    }
    assert "Traceback" not in b.output()
