import pytest
import bot.reminders
import tests.bot.test_reminders as t
from tests.conftest import Database

async def test_business_branch(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.reminders, "is_business_time", lambda *a, **k: True)
    monkeypatch.setattr(t, "is_business_time", lambda *a, **k: True)
    await t.test_two_real_tickers_on_one_database_send_each_reminder_once(database)
