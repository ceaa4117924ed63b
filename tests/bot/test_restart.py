"""A half-answered form survives the process: rebuilt on the same database, it goes on."""

from __future__ import annotations

from tests.chat import Chat
from tests.conftest import Database, start_runtime


async def test_the_next_message_after_a_restart_continues_at_the_same_question(
    database: Database,
) -> None:
    before = await start_runtime(database)
    chat = Chat(before)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    assert "2/3" in chat.text
    await before.close()  # the process goes away: engine, pools, router, everything

    after = await start_runtime(database)
    try:
        chat = Chat(after)
        await chat.say("税務課")
        assert "3/3" in chat.text
        await chat.say("スキップ")
        assert "氏名: 山田花子" in chat.text  # the answer given before the restart
    finally:
        await after.close()


async def test_a_button_shown_before_the_restart_still_works(database: Database) -> None:
    before = await start_runtime(database)
    chat = Chat(before)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    division = chat.button("福祉課")
    await before.close()

    after = await start_runtime(database)
    try:
        chat = Chat(after)
        await chat.send(action=division.id, event_id="after-restart")
        assert "3/3" in chat.text
    finally:
        await after.close()
