"""Property-based: whatever a person sends — any text, any button id, any form values, in any
order — the bot answers without an unhandled error and its stored state stays readable."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.runtime import Runtime
from dialogs.state import ConversationData
from dialogs.turn import Turn
from storage.conversations import ConversationKey, load_conversation
from storage.db import transaction
from storage.migrate import upgrade
from tests.conftest import SAMPLE_TENANT, Database, start_runtime

ERROR = "処理中に問題が発生しました"

# Words the router knows, so random sequences reach forms, buttons and admin commands.
KNOWN = st.sampled_from(
    [
        "メニュー",
        "報告したい",
        "利用開始",
        "プロフィール",
        "指定申請",
        "ガイドライン公開",
        "戻る",
        "スキップ",
        "中止",
        "あとで",
        "はい",
        "送信",
        "system list",
        "system set copilot",
        "admin add tanaka",
        "Copilotに住民の氏名を入れていい？",
        "このテキストを確認",
        "報告 RC-2026-0001",
        "English",
        "日本語",
        "2026-10-01",
        "確認しました",
    ]
)
BUTTONS = st.one_of(
    st.sampled_from(["menu:menu", "menu:report", "menu:pre_use", "menu:profile"]),
    st.builds(
        lambda kind, a, b: f"{kind}:{a}:{b}",
        st.sampled_from(["f", "report", "request", "admin", "menu", "x"]),
        st.one_of(st.integers(-5, 10**12).map(str), st.text(max_size=8)),
        st.one_of(st.text(max_size=12), st.sampled_from(["ack", "pick", "back", "whole"])),
    ),
)
ACTIONS = st.one_of(
    st.builds(lambda t: {"text": t}, st.one_of(KNOWN, st.text(max_size=300))),
    st.builds(
        lambda t: {"text": t}, st.text(alphabet=st.characters(), min_size=4001, max_size=4100)
    ),
    st.builds(lambda a: {"action": a}, BUTTONS),
    st.builds(
        lambda a, v: {"action": a, "values": v},
        BUTTONS,
        st.dictionaries(st.text(max_size=12), st.text(max_size=50), max_size=4),
    ),
)


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Runtime, asyncio.AbstractEventLoop]]:
    """One database and runtime for every example (a fresh one each would take minutes)."""
    path: Path = tmp_path_factory.mktemp("properties") / "aiguide.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    upgrade(database.url)
    loop = asyncio.new_event_loop()
    runtime = loop.run_until_complete(start_runtime(database))
    yield runtime, loop
    loop.run_until_complete(runtime.close())
    loop.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    user=st.sampled_from(["yamada", "sato", "suzuki", "U" + "x" * 100]),
    actions=st.lists(ACTIONS, min_size=1, max_size=8),
)
def test_any_sequence_of_turns_is_answered_and_leaves_a_readable_state(
    shared: tuple[Runtime, asyncio.AbstractEventLoop],
    caplog: pytest.LogCaptureFixture,
    user: str,
    actions: list[dict[str, object]],
) -> None:
    runtime, loop = shared

    async def run() -> None:
        for fields in actions:
            turn = Turn(
                tenant_id=SAMPLE_TENANT,
                channel="local",
                user_id=user,
                conversation_id="main",
                event_id=str(uuid.uuid4()),
                **fields,  # type: ignore[arg-type]
            )
            replies = await runtime.handle(turn)
            said = " ".join(str(r.to_dict()) for r in replies)
            assert ERROR not in said, (fields, said)
        async with transaction(runtime.sessions) as session:
            stored = await load_conversation(
                session, ConversationKey(SAMPLE_TENANT, "local", user, "main")
            )
            ConversationData.from_json(stored.data)  # never a state the bot cannot read

    with caplog.at_level(logging.ERROR, logger="bot.runtime"):
        loop.run_until_complete(run())
    assert not [r for r in caplog.records if r.name == "bot.runtime"], caplog.text
