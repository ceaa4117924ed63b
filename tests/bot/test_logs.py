"""Logs: text by default, one JSON object per line with one setting."""

from __future__ import annotations

import json
import logging

import pytest

from bot import logs
from tests.chat import Chat
from tests.conftest import Database, start_runtime


def test_json_logs_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("json", "INFO")
    logging.getLogger("aiguide.test").info("turn handled for %s", "local/yamada")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["message"] == "turn handled for local/yamada"
    assert entry["logger"] == "aiguide.test"


def test_text_logs_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("text", "INFO")
    logging.getLogger("aiguide.test").warning("careful")
    assert "WARNING aiguide.test: careful" in capsys.readouterr().err


async def test_nothing_a_person_types_reaches_the_log_even_at_debug(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # Migrating can leave the driver's logger disabled; a server started with --no-migrate
    # does not, so the test starts from loggers that are all on.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False
    logs.configure("text", "DEBUG")
    logging.getLogger("bot.runtime").debug("debug is on")
    runtime = await start_runtime(database)
    try:
        chat = Chat(runtime, "yamada", "山田 花子")
        await chat.say("プロフィール")
        await chat.say("高橋誠司テスト")  # saved in the form's state, written by SQL
        await chat.say("このテキストを確認して: 090-1234-5678 高橋誠司様")
    finally:
        await runtime.close()
        logs.configure("text", "INFO")
    logged = capsys.readouterr().err
    assert "DEBUG bot.runtime: debug is on" in logged  # the log was on at DEBUG
    # also as a JSON column stores it (\uXXXX escapes), however often the log escapes those
    bare = logged.replace("\\", "")
    for needle in ("高橋誠司", "090-1234-5678"):
        assert needle not in logged
        assert json.dumps(needle)[1:-1].replace("\\", "") not in bare


def test_a_value_with_a_newline_cannot_forge_a_log_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure("text", "INFO")
    forged = "e1\n2026-12-01 ERROR bot.runtime: FORGED LOG LINE admin sato granted"
    logging.getLogger("bot.runtime").info("duplicate event %s ignored", forged)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert not any(line.startswith("2026-12-01 ERROR") for line in lines)
