"""「ガイドライン公開」 and `aiguide guideline publish` with the version number as the policy
division writes it: 「Ver1.1」, 「第１．１版」. Every message says Ver{version}, so only the
number is kept, and 「Ver1.0」 is the 1.0 already published, never a second 1.0.

sato is the admin of the settings file; Ver1.0 is the sample municipality's published version.
"""

from __future__ import annotations

from pathlib import Path

from bot.runtime import Runtime
from tests.cli import aiguide, sqlite_at
from tests.dialogs.test_admin import card, facts, persona

MINOR = "軽微な修正（情報政策課長決裁。お知らせのみ）"
REVIEW = "「ガイドラインの版の公開」の内容を確認してください"


async def test_the_version_published_already_is_refused_however_it_is_written(
    runtime: Runtime,
) -> None:
    sato = persona(runtime, "sato")
    await sato.say("ガイドライン公開")
    await sato.say("Ver1.0")
    assert "Ver1.0 はすでに公開されています。別の版の番号を入力してください。" in sato.text
    assert "1/5 版の番号を入力してください" in sato.text


async def test_the_number_is_kept_without_ver_or_dai_han(runtime: Runtime) -> None:
    sato = persona(runtime, "sato")
    await sato.say("ガイドライン公開")
    await sato.say("第１．１版")
    await sato.press(MINOR)
    await sato.say("情報政策課長")
    await sato.say("2026-12-10")
    await sato.say("誤字の修正")
    assert facts(card(sato, REVIEW))["版"] == "1.1"
    await sato.press("送信")
    assert "ガイドライン Ver1.1（" in sato.text
    assert "VerVer" not in sato.text


async def test_a_version_that_is_not_a_number_is_asked_again(runtime: Runtime) -> None:
    sato = persona(runtime, "sato")
    await sato.say("ガイドライン公開")
    await sato.say("1.2a")
    assert (
        "版の番号は 1.1、2.0 のように数字とピリオドで入力してください（「1.2a」は使えません）。"
        in sato.text
    )
    assert "1/5 版の番号を入力してください" in sato.text


def test_the_command_line_keeps_the_number_and_refuses_the_one_published(
    tmp_path: Path,
) -> None:
    env = sqlite_at(tmp_path / "a.db")
    common = ("--kind", "minor", "--approver", "情報政策課長", "--summary", "誤字の修正")
    again = aiguide(
        "guideline", "publish", "--version", "Ver1.0", "--effective", "2026-12-10", *common, env=env
    )
    assert again.returncode == 1, again.stdout
    assert "Ver1.0 はすでに公開されています" in again.stderr

    bad = aiguide(
        "guideline", "publish", "--version", "next", "--effective", "2026-12-10", *common, env=env
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "aiguide: 版の番号は 1.1、2.0 のように数字とピリオドで入力してください"
        "（「next」は使えません）。"
    )

    done = aiguide(
        "guideline",
        "publish",
        "--version",
        "ｖ１．１",
        "--effective",
        "2026-12-10",
        *common,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "ガイドライン Ver1.1（" in done.stdout
