"""`aiguide data purge` and `aiguide data export --user`, as the policy division runs them."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.cli.messages import choose
from bot.data_cli import data_command
from bot.runtime import Runtime
from bot.services.tenants import update_from_file
from storage.db import transaction
from storage.models import ConversationState, utcnow
from tests.chat import Chat
from tests.cli import REPO, aiguide, sqlite_at


def _town_with_retention(tmp_path: Path, days: int) -> Path:
    text = (REPO / "config" / "municipality.toml").read_text(encoding="utf-8")
    path = tmp_path / "municipality.toml"
    path.write_text(
        text.replace("[roles]", f"[retention]\nconversations_days = {days}\n\n[roles]"),
        encoding="utf-8",
    )
    return path


def test_purge_is_a_dry_run_until_applied_and_never_past_the_retention(tmp_path: Path) -> None:
    env = {
        **sqlite_at(tmp_path / "a.db"),
        "AIGUIDE_MUNICIPALITY_FILE": str(_town_with_retention(tmp_path, 30)),
    }
    chat = aiguide("chat", "--as", "yamada", env=env, stdin="メニュー\n")
    assert chat.returncode == 0, chat.stderr
    # yesterday's conversation is younger than the 30 days kept: nothing to delete
    dry = aiguide("data", "purge", "--before", "2099-01-01", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "sakura-city: 会話: 削除の対象 0 件（--apply で削除します）" in dry.stdout
    assert "報告: 削除の対象 0 件（保存期間の設定がないため、削除しません）" in dry.stdout
    applied = aiguide("data", "purge", "--before", "２０９９年１月１日", "--apply", env=env)
    assert "sakura-city: 会話: 0 件を削除しました" in applied.stdout
    english = aiguide("data", "purge", "--before", "2099-01-01", "--lang", "en", env=env)
    assert "sakura-city: conversations: would delete 0 (--apply deletes)" in english.stdout
    wrong = aiguide("data", "purge", "--before", "2099/13/01", env=env)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "--before の日付「2099/13/01」が読めません" in wrong.stderr
    audit = aiguide("audit", "export", "--format", "json", env=env).stdout
    assert "data.purge" in audit


def test_a_person_gets_their_own_records(tmp_path: Path) -> None:
    env = sqlite_at(tmp_path / "b.db")
    chat = aiguide("chat", "--as", "yamada", env=env, stdin="メニュー\n")
    assert chat.returncode == 0, chat.stderr
    exported = aiguide("data", "export", "--user", "yamada", env=env)
    assert exported.returncode == 0, exported.stderr
    records = json.loads(exported.stdout)
    assert [p["user_id"] for p in records["people"]] == ["yamada"]
    assert records["reports"] == [] and records["confirmations"] == []
    nobody = aiguide("data", "export", "--user", "nobody", env=env)
    assert nobody.returncode == 2 and "nobody" in nobody.stderr


async def test_applied_purge_deletes_only_what_is_older_than_both_dates(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with transaction(runtime.sessions) as session:
        await update_from_file(session, _town_with_retention(tmp_path, 30), "cli:test")
    await Chat(runtime, "yamada").say("メニュー")
    await Chat(runtime, "tanaka", "田中 一郎").say("メニュー")
    async with transaction(runtime.sessions) as session:
        old = utcnow() - timedelta(days=400)
        await session.exec(
            update(ConversationState)  # type: ignore[call-overload]
            .where(col(ConversationState.user_id) == "yamada")
            .values(updated_at=old)
        )
    town = await runtime.town()
    choose("ja")  # the command line's language, as `aiguide` fixes it from --lang or LANG
    args = argparse.Namespace(data_command="purge", before="2099-01-01", apply=True)
    assert await data_command(town, args) == 0
    assert "会話: 1 件を削除しました" in capsys.readouterr().out
    async with transaction(runtime.sessions) as session:
        left = (await session.exec(select(ConversationState.user_id))).all()
    assert list(left) == ["tanaka"]
