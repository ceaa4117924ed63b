"""The profile form as staff meet it: who they are for training and confirmations (issue 9).
The e-mail is asked only when the platform's directory gave none; the staff number where only
the training roster counts (skippable); a persona with an e-mail in the settings sees neither."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.files.roster_io import read_roster
from bot.runtime import Runtime
from dialogs.fields import stored_length
from storage.models import Person
from tests.chat import Chat
from tests.conftest import SAMPLE_MUNICIPALITY, Database, settings_for


async def fill_name_and_division(chat: Chat, total: int) -> None:
    await chat.say("プロフィール")
    assert f"1/{total} お名前を教えてください。" in chat.text
    await chat.press("高橋 誠")
    await chat.press("税務課")


async def test_a_persona_whose_e_mail_is_known_is_asked_only_name_division_and_contact(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, "yamada", "山田 花子")  # the local channel sends the persona's e-mail
    await chat.say("プロフィール")
    assert "1/3 お名前を教えてください。" in chat.text
    await chat.press("山田 花子")
    await chat.press("税務課")
    assert "3/3 連絡先" in chat.text
    await chat.press("スキップ")
    assert "メールアドレス" not in chat.text and "職員番号" not in chat.text


async def test_without_a_directory_e_mail_it_is_asked_checked_and_ties_the_roster_row(
    runtime: Runtime, tmp_path: Path
) -> None:
    chat = Chat(runtime, "U0TAKAHASHI", "高橋 誠", channel="slack")  # no users:read.email
    await fill_name_and_division(chat, total=4)
    assert "3/4 職場のメールアドレスを入力してください。" in chat.text
    assert "スキップ" not in chat.labels  # required: it is what ties the accounts

    for wrong in ("takahashi@", "高橋@市役所.jp", "a@b", "t..k@city.jp"):
        await chat.say(wrong)
        assert "メールアドレスは yamada.hanako@city.example.lg.jp のように" in chat.text, wrong
    longest = stored_length(Person, "email")
    await chat.say("a" * 64 + "@" + "b" * (longest - 64) + ".jp")
    assert f"{longest}文字" in chat.text  # one source of truth with the column

    await chat.say("Ｔａｋａｈａｓｈｉ.Makoto@City.Sakura.example.lg.jp")  # full width, capitals
    assert "4/4 連絡先" in chat.text
    await chat.press("スキップ")
    assert "メールアドレス: takahashi.makoto@city.sakura.example.lg.jp" in chat.text.lower()
    await chat.press("送信")
    assert "高橋 誠 さんのプロフィールを登録しました。" in chat.text

    # The roster an HR office exports names them by e-mail only: the row is theirs.
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "職員番号,氏名,所属,受講日,メールアドレス\n"
        ",高橋 誠,税務課,2026/10/02,takahashi.makoto@city.sakura.example.lg.jp\n",
        encoding="utf-8",
    )
    town = await runtime.town()
    await town.import_roster(read_roster(roster, runtime.catalogs.for_locale("ja")))
    state = await town.pre_use_state("slack", "U0TAKAHASHI")
    assert state.roster_completed_on == date(2026, 10, 2)

    await chat.say("プロフィール")  # known now: not asked again
    assert "1/3 お名前を教えてください。" in chat.text


@pytest.fixture
async def roster_runtime(database: Database, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The sample municipality, but only the policy division's roster counts as training."""
    path = tmp_path / "municipality.toml"
    text = SAMPLE_MUNICIPALITY.read_text(encoding="utf-8")
    path.write_text(text.replace('source = "self_declared"', 'source = "roster"'), "utf-8")
    runtime = Runtime.create(settings_for(database, municipality_file=path))
    await runtime.load_sample_data()
    yield runtime
    await runtime.close()


async def test_where_the_roster_counts_the_staff_number_is_asked_skippable_and_matched(
    roster_runtime: Runtime, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "職員番号,氏名,所属,受講日\nS0042,高橋 誠,税務課,2026-09-30\n", encoding="utf-8"
    )
    town = await roster_runtime.town()
    await town.import_roster(read_roster(roster, roster_runtime.catalogs.for_locale("ja")))

    skipped = Chat(roster_runtime, "U0SKIP", "高橋 誠", channel="teams", email="skip@city.jp")
    await fill_name_and_division(skipped, total=4)
    assert "3/4 職員番号があれば入力してください" in skipped.text
    await skipped.press("スキップ")
    assert "4/4 連絡先" in skipped.text

    chat = Chat(roster_runtime, "U0TAKAHASHI", "高橋 誠", channel="teams", email="t@city.jp")
    await fill_name_and_division(chat, total=4)
    await chat.say("S 0042")
    assert "職員番号は英数字" in chat.text  # re-asked with the reason
    await chat.say("Ｓ００４２")  # full width: the roster's S0042
    await chat.press("スキップ")  # no contact
    assert "職員番号: S0042" in chat.text
    await chat.press("送信")
    state = await town.pre_use_state("teams", "U0TAKAHASHI")
    assert state.roster_completed_on == date(2026, 9, 30)
    assert (await town.pre_use_state("teams", "U0SKIP")).roster_completed_on is None

    await chat.say("プロフィール")  # the number given is shown again, to correct it
    await chat.press("高橋 誠")
    await chat.press("税務課")
    assert "S0042" in chat.labels
