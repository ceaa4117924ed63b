"""One member of staff on several channels is one person for training and confirmations:
the accounts are tied by the e-mail address the platform's directory gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.files.roster_io import read_roster
from bot.runtime import Runtime
from tests.chat import Chat

EMAIL = "yamada.hanako@city.sakura.example.lg.jp"


async def test_a_confirmation_given_on_one_channel_counts_on_the_other(runtime: Runtime) -> None:
    on_web = Chat(runtime, "yamada", "山田 花子", email=EMAIL)
    await on_web.complete_pre_use()
    in_slack = Chat(runtime, "U0YAMADA", "山田 花子", channel="slack", email=EMAIL.upper())
    await in_slack.say("私の状況")
    assert "利用前の確認: 済み" in in_slack.text, in_slack.text

    someone_else = Chat(runtime, "U0TANAKA", "田中 一郎", channel="slack", email="tanaka@x.jp")
    await someone_else.say("私の状況")
    assert "利用前の確認: 未完了" in someone_else.text


async def test_the_summary_counts_a_member_of_staff_once_whatever_their_accounts(
    runtime: Runtime,
) -> None:
    await Chat(runtime, "yamada", "山田 花子", email=EMAIL).say("メニュー")
    await Chat(runtime, "U0YAMADA", "山田 花子", channel="slack", email=EMAIL).say("メニュー")
    await Chat(runtime, "tanaka", "田中 一郎").say("メニュー")
    standings = await (await runtime.town()).standings()
    assert len(standings) == 2


async def test_a_roster_row_by_staff_number_or_e_mail_applies_when_the_person_first_talks(
    runtime: Runtime, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "職員番号,氏名,所属,受講日,メールアドレス\n"
        f",山田 花子,税務課,2026/10/02,{EMAIL}\n"
        "S0042,田中 一郎,福祉課,2026-09-30,\n",
        encoding="utf-8",
    )
    town = await runtime.town()
    assert await town.import_roster(read_roster(roster)) == (2, 0)
    # nobody has talked to the bot yet: both are listed from the roster alone
    assert {s.user_id for s in await town.standings()} == {EMAIL, "S0042"}

    await Chat(runtime, "U0YAMADA", "山田 花子", channel="slack", email=EMAIL).say("私の状況")
    state = await town.pre_use_state("slack", "U0YAMADA")
    assert state.roster_completed_on == date(2026, 10, 2)
    # the roster row is now that person's, not a second entry
    assert sorted(s.user_id for s in await town.standings()) == ["S0042", "U0YAMADA"]
