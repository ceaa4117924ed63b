"""Logs: text by default, one JSON object per line with one setting."""

from __future__ import annotations

import json
import logging

import pytest

from bot import logs


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
