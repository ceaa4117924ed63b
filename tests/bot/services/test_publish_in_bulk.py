"""Publishing a version to everyone is one short transaction whatever the head count: the
notices and the homes to redraw are written a chunk at a time, not one statement (or three)
per person, and still each person gets one notice in their language and one home redraw."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event, insert
from sqlmodel import col, select

from bot.runtime import Runtime
from storage.addresses import PersonAddress
from storage.db import transaction
from storage.models import OutboxMessage, Person, utcnow
from storage.outbox import enqueue_unless_waiting
from tests.conftest import SAMPLE_TENANT
from tests.dialogs.test_pre_use import MAJOR, Persona, publish, today

STAFF = 300


async def add_slack_staff(runtime: Runtime) -> list[str]:
    """People known from Slack (rows, as if they had talked to the bot), one in English."""
    now = utcnow()
    users = [f"U{n:05d}" for n in range(STAFF)]
    rows = [
        {"tenant_id": SAMPLE_TENANT, "channel": "slack", "user_id": user, "display_name": user}
        | {"locale": "en" if n == 0 else "ja", "created_at": now, "updated_at": now}
        for n, user in enumerate(users)
    ]
    async with transaction(runtime.sessions) as session:
        await session.exec(insert(Person).values(rows))  # type: ignore[call-overload]
        # One of them already waits for a redraw of their home.
        await enqueue_unless_waiting(
            session,
            SAMPLE_TENANT,
            kind="home",
            channel="slack",
            address=PersonAddress(users[1]),
            body={"type": "home_changed"},
        )
    return users


async def pending(runtime: Runtime) -> list[OutboxMessage]:
    async with transaction(runtime.sessions) as session:
        statement = select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))
        return list((await session.exec(statement)).all())


async def test_publishing_to_hundreds_costs_a_few_statements_and_notifies_each_once(
    runtime: Runtime,
) -> None:
    users = await add_slack_staff(runtime)
    sato = Persona(runtime, "sato")
    engine = runtime.sessions.kw["bind"].sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        await publish(sato, "2.0", MAJOR, today(), "入力してよい情報の区分を改めました。")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "を公開しました。" in sato.text
    writes = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO OUTBOX")]
    assert len(writes) <= 4  # notices and homes a chunk at a time, not one per person
    assert len(statements) < 100  # the whole 送信 turn, for 300 people and more

    rows = await pending(runtime)
    notices = Counter(r.target for r in rows if r.key.startswith("guideline:"))
    homes = Counter(r.target for r in rows if r.key.startswith("home:"))
    assert all(notices[f"user:{user}"] == 1 for user in users)
    assert all(homes[f"user:{user}"] == 1 for user in users)  # the waiting one is not doubled
    titles = {r.target: r.body["title"] for r in rows if r.key.startswith("guideline:")}
    assert titles[f"user:{users[0]}"] == "The guideline is now version 2.0"
    assert titles[f"user:{users[2]}"] == "ガイドラインが Ver2.0 に改定されました"
    assert f"{len(notices)} 人に通知します" in sato.text
