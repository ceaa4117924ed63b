"""Pre-use reminders: planned after five working days (or at the yearly renewal), sent only in
the office's business hours (JST), and sent once however many schedulers tick.

Every tick is given its time explicitly (`runtime.tick(now)`); only the test of the real
`Ticker` runs on the wall clock, and it asserts what that clock allows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, func, select, update

from bot.business_time import is_business_time, working_days_between
from bot.runtime import Runtime
from bot.scheduler import Ticker
from bot.services.reminders import plan_reminders
from dialogs.context import JST
from storage.addresses import PersonAddress
from storage.db import transaction
from storage.guideline import add_version
from storage.models import Confirmation, GuidelineVersion, Person, Reminder, utcnow
from storage.outbox import enqueue
from storage.reminders import reminders_for
from tests.chat import Chat
from tests.conftest import SAMPLE_TENANT, Database, start_runtime

PENDING = "利用前の確認がまだです"
RENEWAL = "利用前の確認の更新時期です"
# Later than anything in the outbox: a delivery pass then finds everything due.
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


async def make_known(runtime: Runtime, users: Sequence[str], since: date) -> None:
    """People who first talked to the bot on `since`, under a guideline in force long before."""
    for user in users:
        await Chat(runtime, user, None).say("メニュー")
    first_seen = datetime.combine(since, time(12), tzinfo=JST).astimezone(UTC)
    async with transaction(runtime.sessions) as session:
        await session.exec(
            update(Person).where(col(Person.user_id).in_(users)).values(created_at=first_seen)
        )
        await session.exec(update(GuidelineVersion).values(effective_on=since - timedelta(days=90)))


async def set_confirmed_at(runtime: Runtime, user: str, moment: datetime) -> None:
    async with transaction(runtime.sessions) as session:
        await session.exec(
            update(Confirmation)
            .where(col(Confirmation.user_id) == user)
            .values(confirmed_at=moment.astimezone(UTC))
        )


async def inbox_titles(runtime: Runtime, user: str) -> list[str]:
    posts, _ = await (await runtime.town()).inbox(user, 0)
    return [str(post.body.get("title") or post.body.get("text")) for post in posts]


async def reminder_rows(runtime: Runtime, user: str) -> list[Reminder]:
    async with transaction(runtime.sessions) as session:
        return await reminders_for(session, SAMPLE_TENANT, user)


async def test_a_reminder_planned_on_saturday_goes_out_once_on_monday_morning(
    runtime: Runtime,
) -> None:
    # Five working days from Thursday 11/19 to Saturday 11/28 (Monday 11/23 is a holiday).
    await make_known(runtime, ["yamada"], date(2026, 11, 19))
    assert working_days_between(date(2026, 11, 19), date(2026, 11, 28)) == 5

    await runtime.tick(jst(2026, 11, 28, 10, 0))  # Saturday
    assert await inbox_titles(runtime, "yamada") == []
    [planned] = await reminder_rows(runtime, "yamada")
    assert planned.kind == "pre_use"
    assert planned.sent_at is None

    await runtime.tick(jst(2026, 11, 30, 8, 29))  # Monday, a minute before the office opens
    assert await inbox_titles(runtime, "yamada") == []

    await runtime.tick(jst(2026, 11, 30, 9, 0))
    assert await inbox_titles(runtime, "yamada") == [PENDING]

    await runtime.tick(jst(2026, 11, 30, 15, 0))  # later the same day
    assert await inbox_titles(runtime, "yamada") == [PENDING]
    [sent] = await reminder_rows(runtime, "yamada")
    assert sent.sent_at is not None


async def test_a_reminder_due_on_a_national_holiday_waits_for_the_next_working_day(
    runtime: Runtime,
) -> None:
    # Five working days have passed on Saturday 11/21; Monday 11/23 is 勤労感謝の日.
    await make_known(runtime, ["yamada"], date(2026, 11, 13))

    await runtime.tick(jst(2026, 11, 21, 10, 0))  # Saturday: planned, not sent
    await runtime.tick(jst(2026, 11, 23, 10, 0))  # the holiday, at an office hour of a weekday
    await runtime.tick(jst(2026, 11, 24, 8, 29))
    assert await inbox_titles(runtime, "yamada") == []

    await runtime.tick(jst(2026, 11, 24, 8, 30))  # Tuesday, the office opens
    assert await inbox_titles(runtime, "yamada") == [PENDING]


async def test_someone_who_confirms_before_the_reminder_is_due_gets_none(
    runtime: Runtime,
) -> None:
    await make_known(runtime, ["yamada"], date(2026, 11, 19))
    await runtime.tick(jst(2026, 11, 28, 10, 0))  # planned for Monday morning
    assert len(await reminder_rows(runtime, "yamada")) == 1

    await Chat(runtime).complete_pre_use()
    await set_confirmed_at(runtime, "yamada", jst(2026, 11, 28, 11, 0))

    for now in (jst(2026, 11, 30, 9, 0), jst(2026, 11, 30, 15, 0), jst(2026, 12, 1, 9, 0)):
        await runtime.tick(now)
    assert await inbox_titles(runtime, "yamada") == []
    assert len(await reminder_rows(runtime, "yamada")) == 1  # nothing new was planned either


async def test_a_confirmation_a_year_old_is_reminded_for_renewal_in_business_hours(
    runtime: Runtime,
) -> None:
    await make_known(runtime, ["yamada"], date(2025, 10, 1))
    await Chat(runtime).complete_pre_use(trained_on="2025-10-01")
    saturday = jst(2026, 11, 28, 10, 0)
    await set_confirmed_at(runtime, "yamada", saturday - timedelta(days=366))

    await runtime.tick(saturday)
    assert await inbox_titles(runtime, "yamada") == []

    await runtime.tick(jst(2026, 11, 30, 9, 0))
    assert await inbox_titles(runtime, "yamada") == [RENEWAL]
    [reminder] = await reminder_rows(runtime, "yamada")
    assert reminder.kind == "renewal"


async def test_a_confirmation_younger_than_a_year_is_not_reminded(runtime: Runtime) -> None:
    await make_known(runtime, ["yamada"], date(2025, 10, 1))
    await Chat(runtime).complete_pre_use(trained_on="2025-10-01")
    monday = jst(2026, 11, 30, 9, 0)
    await set_confirmed_at(runtime, "yamada", monday - timedelta(days=300))

    await runtime.tick(monday)
    assert await inbox_titles(runtime, "yamada") == []
    assert await reminder_rows(runtime, "yamada") == []


async def test_a_renewal_falls_due_on_the_anniversary_in_japan_time(runtime: Runtime) -> None:
    """Confirmed on 2025-12-01 at 08:00 JST (still 11/30 in UTC): valid for 365 days, so the
    renewal is due on 2026-12-01, not a day earlier."""
    await make_known(runtime, ["yamada"], date(2025, 10, 1))
    await Chat(runtime).complete_pre_use(trained_on="2025-10-01")
    await set_confirmed_at(runtime, "yamada", jst(2025, 12, 1, 8, 0))

    await runtime.tick(jst(2026, 11, 30, 10, 0))  # Monday, the day before the anniversary
    assert await inbox_titles(runtime, "yamada") == []

    await runtime.tick(jst(2026, 12, 1, 10, 0))
    assert await inbox_titles(runtime, "yamada") == [RENEWAL]


async def test_a_tick_given_the_time_in_utc_sends_what_is_due_at_that_instant(
    runtime: Runtime,
) -> None:
    """The scheduler's clock is UTC (`utcnow()`): Monday 09:00 JST is Monday 00:00 UTC, and a
    reminder due at 08:30 JST that morning is due then, whatever zone `now` is written in."""
    await make_known(runtime, ["yamada"], date(2026, 11, 19))
    await runtime.tick(jst(2026, 11, 28, 10, 0).astimezone(UTC))
    await runtime.tick(jst(2026, 11, 30, 9, 0).astimezone(UTC))
    assert await inbox_titles(runtime, "yamada") == [PENDING]


# --- several schedulers on one database -------------------------------------------------------


def staff(count: int) -> list[str]:
    return [f"staff{n:02d}" for n in range(1, count + 1)]


async def sent_reminders_per_person(runtime: Runtime) -> Counter[str]:
    async with transaction(runtime.sessions) as session:
        rows = await session.exec(
            select(Reminder.user_id, func.count())
            .where(col(Reminder.sent_at).is_not(None))
            .group_by(col(Reminder.user_id))
        )
        return Counter({user: int(count) for user, count in rows.all()})


async def reminder_cards_per_person(runtime: Runtime, users: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for user in users:
        counts[user] = sum(t in (PENDING, RENEWAL) for t in await inbox_titles(runtime, user))
    return counts


async def test_two_schedulers_on_one_database_send_each_reminder_once(
    database: Database,
) -> None:
    """Two replicas (two runtimes; on PostgreSQL one schema, on SQLite one file) tick at the
    same instant, three times each: every person is reminded exactly once."""
    a, b = await start_runtime(database), await start_runtime(database)
    try:
        people = staff(40)
        await make_known(a, people, date(2026, 11, 19))
        monday = jst(2026, 11, 30, 9, 0)

        await asyncio.gather(*(r.tick(monday) for r in (a, b) for _ in range(3)))
        once_each = Counter(dict.fromkeys(people, 1))
        assert await sent_reminders_per_person(a) == once_each
        assert await reminder_cards_per_person(b, people) == once_each

        # More delivery passes of both replicas at once find nothing left to send.
        assert a.delivery is not None and b.delivery is not None
        passes = (r.run_once(FAR_FUTURE) for r in (a.delivery, b.delivery) * 3)
        assert sum(await asyncio.gather(*passes)) == 0
        assert await reminder_cards_per_person(b, people) == once_each
        async with transaction(a.sessions) as session:
            total = (await session.exec(select(func.count()).select_from(Reminder))).one()
        assert total == len(people)
    finally:
        await a.close()
        await b.close()


def counting_ticks(runtime: Runtime) -> list[datetime]:
    """Record each tick of `runtime` (the Ticker calls `runtime.tick()`)."""
    ticks: list[datetime] = []
    tick: Callable[..., Awaitable[None]] = runtime.tick

    async def counted(now: datetime | None = None) -> None:
        ticks.append(utcnow())
        await tick(now)

    runtime.tick = counted  # type: ignore[method-assign]
    return ticks


async def wait_until(condition: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.1)
    return await condition()


async def test_two_real_tickers_on_one_database_send_each_reminder_once(
    database: Database,
) -> None:
    """Two APScheduler tickers on the wall clock. Reminders are made due in the past; they go
    out only if it is business time (JST) now, and then once each. A notice queued beforehand
    shows that both tickers ran whatever the hour."""
    a, b = await start_runtime(database), await start_runtime(database)
    people = staff(20)
    started = utcnow()
    today = started.astimezone(JST).date()
    since = today
    while working_days_between(since, today) < 5:
        since -= timedelta(days=1)
    await make_known(a, people, since)
    town = (await a.town()).facts
    async with transaction(a.sessions) as session:
        assert await plan_reminders(session, town, started, a.hours) == len(people)
        await session.exec(update(Reminder).values(due_at=started - timedelta(hours=1)))
        await enqueue(
            session,
            SAMPLE_TENANT,
            key="probe",
            channel="local",
            address=PersonAddress("sato"),
            body={"type": "text", "text": "お知らせ"},
        )
    ticks = {"a": counting_ticks(a), "b": counting_ticks(b)}
    tickers = [Ticker(a, 0.2), Ticker(b, 0.2)]
    try:
        for ticker in tickers:
            ticker.start()

        async def all_reminded() -> bool:
            return len(await sent_reminders_per_person(a)) == len(people)

        async def probe_delivered() -> bool:
            return await inbox_titles(a, "sato") == ["お知らせ"]

        business = is_business_time(started)
        await wait_until(all_reminded if business else probe_delivered, 15)

        async def both_ticked_thrice() -> bool:
            return len(ticks["a"]) >= 3 and len(ticks["b"]) >= 3

        # A few more ticks each (however slow the machine): none may send anything again.
        seen = {name: len(times) for name, times in ticks.items()}

        async def more_ticks() -> bool:
            return all(len(ticks[n]) >= seen[n] + 2 for n in ticks) and await both_ticked_thrice()

        await wait_until(more_ticks, 30)
    finally:
        for ticker in tickers:
            await ticker.stop()
    try:
        business_throughout = business and is_business_time(utcnow())
        assert len(ticks["a"]) >= 3 and len(ticks["b"]) >= 3, ticks
        assert await inbox_titles(a, "sato") == ["お知らせ"]
        sent = await sent_reminders_per_person(a)
        cards = await reminder_cards_per_person(a, people)
        if business_throughout:
            assert sent == Counter(dict.fromkeys(people, 1))
            assert cards == Counter(dict.fromkeys(people, 1))
        elif not business:
            assert sent == Counter()
            assert cards == Counter()
            assert len(await reminder_rows(a, people[0])) == 1  # still waiting for office hours
        else:  # the office closed during the test: at most once each
            assert max(sent.values(), default=0) <= 1
            assert max(cards.values(), default=0) <= 1
    finally:
        await a.close()
        await b.close()


async def test_a_version_to_come_is_reminded_once_before_its_day_to_who_has_not_confirmed_it(
    runtime: Runtime,
) -> None:
    """§5: Ver2.0 applies from Tuesday 12/15. Whoever's Ver1.0 confirmation still holds is
    reminded once, five working days before, with the sentence the notice gave; whoever
    confirmed Ver2.0 already is not."""
    await make_known(runtime, ["yamada", "tanaka"], date(2026, 10, 1))
    await Chat(runtime, "yamada").complete_pre_use()
    async with transaction(runtime.sessions) as session:
        await add_version(
            session,
            SAMPLE_TENANT,
            version="2.0",
            kind="major",
            approver="副市長 高橋",
            approver_role="caio",
            effective_on=date(2026, 12, 15),
            summary="区分を改めます。",
            published_by="sato",
        )
    await Chat(runtime, "tanaka").complete_pre_use()  # after publication: counts for Ver2.0

    await runtime.tick(jst(2026, 12, 7, 10, 0))  # Monday: six working days before
    assert await inbox_titles(runtime, "yamada") == []

    await runtime.tick(jst(2026, 12, 8, 10, 0))  # Tuesday: five working days before
    posts, _ = await (await runtime.town()).inbox("yamada", 0)
    assert [post.body["title"] for post in posts] == ["ガイドライン Ver2.0 の確認をお願いします"]
    assert posts[0].body["lines"] == [
        "ガイドライン Ver2.0 が 12/15 から適用されます。それまでに利用前の確認をしてください"
        "（§5・§3(1)1）。"
    ]
    assert [b["id"] for b in posts[0].body["buttons"]] == ["menu:pre_use"]
    assert await inbox_titles(runtime, "tanaka") == []

    await runtime.tick(jst(2026, 12, 9, 10, 0))
    await runtime.tick(jst(2026, 12, 14, 10, 0))
    assert len(await inbox_titles(runtime, "yamada")) == 1  # once only
    [reminder] = await reminder_rows(runtime, "yamada")
    assert reminder.kind == "upcoming"


async def test_a_version_to_come_is_not_reminded_to_who_confirms_it_before_the_reminder_goes(
    runtime: Runtime,
) -> None:
    await make_known(runtime, ["yamada"], date(2026, 10, 1))
    await Chat(runtime, "yamada").complete_pre_use()
    async with transaction(runtime.sessions) as session:
        await add_version(
            session,
            SAMPLE_TENANT,
            version="2.0",
            kind="major",
            approver="副市長 高橋",
            approver_role="caio",
            effective_on=date(2026, 12, 15),
            summary="",
            published_by="sato",
        )
    await runtime.tick(jst(2026, 12, 5, 10, 0))  # Saturday: seven working days before, too early
    await runtime.tick(jst(2026, 12, 8, 7, 0))  # Tuesday before hours: planned for 9:00
    assert len(await reminder_rows(runtime, "yamada")) == 1
    await Chat(runtime, "yamada").complete_pre_use()  # Ver2.0 confirmed meanwhile

    await runtime.tick(jst(2026, 12, 8, 10, 0))
    assert await inbox_titles(runtime, "yamada") == []


async def test_a_pending_reminder_says_when_the_coming_version_applies(runtime: Runtime) -> None:
    """Someone who never confirmed is reminded as usual, and told of the coming version: a
    confirmation given now counts for it."""
    await make_known(runtime, ["yamada"], date(2026, 11, 19))
    async with transaction(runtime.sessions) as session:
        await add_version(
            session,
            SAMPLE_TENANT,
            version="2.0",
            kind="major",
            approver="副市長 高橋",
            approver_role="caio",
            effective_on=date(2026, 12, 15),
            summary="",
            published_by="sato",
        )

    await runtime.tick(jst(2026, 11, 30, 9, 0))
    posts, _ = await (await runtime.town()).inbox("yamada", 0)
    assert [post.body["title"] for post in posts] == [PENDING]
    assert posts[0].body["lines"][-1] == (
        "ガイドライン Ver2.0 が 12/15 から適用されます。それまでに利用前の確認をしてください"
        "（§5・§3(1)1）。"
    )
