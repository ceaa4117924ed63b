"""A person's home view (Slack's App Home, a Teams welcome card, the web chat's panel):
where they stand and what they can do, built from what is stored, changing nothing."""

from __future__ import annotations

from bot.channels.plain import render
from bot.runtime import Runtime
from bot.services.home import home_of
from dialogs.ui import HomeView, from_dict
from tests.dialogs.test_risk_report import Persona, file_report


async def test_a_newcomer_s_home_says_what_is_missing_and_offers_the_usual_things(
    runtime: Runtime,
) -> None:
    home = await home_of(await runtime.town(), "local", "tanaka", user_name="田中 一郎")

    assert render(home).splitlines() == [
        "▸▸ 田中 一郎 さんのホーム",
        "  ▸ 私の状況（利用前の確認）",
        "    現在のガイドライン: 1.0",
        "    研修「生成AI利用研修（基礎編）」: 未完了",
        "    利用前の確認: 未完了",
        "    生成AIシステムを使う前に、利用前の確認を済ませてください（§3(1)1）。",
        "    [利用開始（利用前の確認）] (button:menu:pre_use)",
        "  ▸ 対応中の私の報告（0件）",
        "    対応中の報告はありません。",
        "  [入力してよいか確認] (button:menu:entry_check)",
        "  [リスクケースの報告] (button:menu:risk_report)",
        "  [このテキストを確認] (button:menu:pii_check)",
        "  [使い方] (button:menu:help)",
    ]
    # Looking changed nothing: the person is not even registered by it.
    assert await (await runtime.town()).person("tanaka") is None
    assert from_dict(home.to_dict()) == home


async def test_my_open_reports_are_on_my_home_and_nobody_else_s(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    number = await file_report(yamada)

    home = await home_of(await runtime.town(), "local", "yamada")
    assert isinstance(home, HomeView)
    reports = home.sections[1]
    assert reports.title == "対応中の私の報告（1件）"
    assert [(f.label, f.value) for f in reports.facts] == [
        (number, "攻撃的・危険な内容（受付待ち）")
    ]

    others = await home_of(await runtime.town(), "local", "tanaka")
    assert others.sections[1].title == "対応中の私の報告（0件）"


async def test_the_home_speaks_the_person_s_language(runtime: Runtime) -> None:
    home = await home_of(await runtime.town(), "local", "suzuki", locale="en")
    assert home.title == "Home of suzuki"
    assert [b.label for b in home.actions][:2] == ["May I enter this?", "Report a risk case"]
