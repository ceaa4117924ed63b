"""A turn's own statements handed to the driver directly read and fail exactly as SQLAlchemy's
`execute` would: the same values (dates, JSON, a person's fields), the same errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversations import ConversationKey, claim_event, save_conversation
from storage.db import session_maker, transaction, turn_unit
from storage.models import Confirmation, Person
from storage.turn_reads import TurnReader, _statement

KEY = ConversationKey("sakura-city", "local", "yamada", "main")


@pytest.fixture
async def engine(engine: AsyncEngine) -> AsyncEngine:
    """The tenant's engine, with a person who confirmed the guideline once."""
    async with transaction(session_maker(engine)) as session:
        session.add(
            Person(
                tenant_id="sakura-city", channel="local", user_id="yamada",
                display_name="山田 花子", division="企画課", email="yamada@example.jp",
            )
        )  # fmt: skip
        await session.flush()
        session.add(
            Confirmation(
                tenant_id="sakura-city", channel="local", user_id="yamada", guideline_seq=1,
                training_completed_on=date(2026, 4, 1), items=["pledge", "training"],
                confirmed_at=datetime(2026, 4, 2, 9, 30, tzinfo=UTC),
            )
        )  # fmt: skip
    return engine


async def test_the_turn_read_gives_what_sqlalchemy_gives(engine: AsyncEngine) -> None:
    sessions = session_maker(engine)
    async with turn_unit(engine, sessions) as unit:
        await unit.start_writing()
        await save_conversation(unit.connection, KEY, {"forms": {"report": {"a": "国外"}}}, 0)
    params = {"tenant": "sakura-city", "channel": "local", "user": "yamada", "conversation": "main"}
    async with engine.connect() as connection:
        expected = dict(
            (await connection.execute(_statement(engine.dialect.name), params)).one()._mapping
        )
    async with turn_unit(engine, sessions) as unit:
        seen = await TurnReader().read(unit, KEY)
    assert seen.conversation.data == {"forms": {"report": {"a": "国外"}}}
    assert seen.conversation.version == expected["version"] == 1
    assert seen.person is not None and seen.person.display_name == "山田 花子"
    assert seen.person.created_at == expected["created_at"]
    assert isinstance(seen.person.created_at, datetime)
    assert seen.confirmation is not None
    assert seen.confirmation.items == ["pledge", "training"]
    assert seen.confirmation.training_completed_on == date(2026, 4, 1)
    assert seen.confirmation.confirmed_at == expected["confirmed_at"]


async def test_a_refused_write_raises_sqlalchemys_error_and_the_turn_writes_nothing(
    engine: AsyncEngine,
) -> None:
    sessions = session_maker(engine)
    with pytest.raises(IntegrityError):  # no such municipality: its foreign key refuses it
        async with turn_unit(engine, sessions) as unit:
            await unit.start_writing()
            assert await claim_event(unit.connection, "sakura-city", "local", "Ev1")
            await claim_event(unit.connection, "no-such-town", "local", "Ev2")
    async with turn_unit(engine, sessions) as unit:  # the first claim was rolled back with it
        await unit.start_writing()
        assert await claim_event(unit.connection, "sakura-city", "local", "Ev1")
