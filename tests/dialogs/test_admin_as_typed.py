"""The policy division's commands as an admin really types them, through the real router and
a real store: a slash or a full-width space from a Japanese input method, a system's name
with spaces, values copied from the cards (「国外」「約款型」「機密性2」「2026/4/1」), a list
written with 「、」, an apostrophe; what a refused value says; and the history of a system
after it has been removed from the 別表.

sato is the admin of the settings file; the sample 別表 is loaded by the runtime fixture.
"""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.dialogs.test_admin import audited, card, facts, persona, propose_and, saved

LIST_TITLE = "別表のシステム（5件）"
CHANGE = "Microsoft 365 Copilot Chat の変更内容"


@pytest.mark.parametrize(
    "typed",
    [
        "/system list",  # as a Slack user types a slash command's words
        "system　list",  # a full-width space, as the input method leaves it
        "ｓｙｓｔｅｍ　ｌｉｓｔ",  # the input method left on full-width
        "/aiguide system list",
    ],
)
async def test_a_command_typed_with_a_slash_or_full_width_is_the_command(
    runtime: Runtime, typed: str
) -> None:
    admin = persona(runtime, "sato")
    await admin.say(typed)
    assert len(card(admin, LIST_TITLE)["lines"]) == 5


async def test_a_system_is_named_by_its_name_with_spaces_without_quotes(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system show Microsoft 365 Copilot Chat")
    assert facts(card(admin, "Microsoft 365 Copilot Chat"))["ID"] == "copilot"

    await admin.say("system set Microsoft 365 Copilot Chat owner_contact 内線2199")
    assert facts(card(admin, CHANGE)) == {"担当課室の連絡先": "内線2101 → 内線2199"}

    await propose_and(admin, "system suspend Microsoft 365 Copilot Chat 契約の更新待ち", "確定")
    assert admin.text.startswith("Microsoft 365 Copilot Chat を利用停止しました。")
    (entry,) = await audited(runtime, "system.suspend")
    assert entry.after["reason"] == "契約の更新待ち"


async def test_values_are_read_as_the_card_shows_them(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot server_location 国外")
    assert facts(card(admin, CHANGE)) == {"サーバの所在": "国内 → 国外"}
    await admin.say("system set copilot service_type 約款型")
    assert facts(card(admin, CHANGE)) == {
        "サービスの種類": "契約によるクラウド → 約款型クラウド（規約に同意するだけで使えるもの）"
    }
    await admin.say("system set copilot ml_exclusion_confirmed_on 2026/4/1")
    assert facts(card(admin, CHANGE)) == {"機械学習に利用しないことの確認日": " → 2026-04-01"}
    # 「機密性2」 as the guideline says it is the class 2, refused for the rule it breaks.
    await admin.say("system set copilot max_class 機密性2")
    assert "機密性2（要機密情報）を入力可能にするには" in admin.text
    assert "分類にありません" not in admin.text


async def test_a_list_written_with_japanese_commas_is_a_list(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await propose_and(
        admin, "system set copilot prohibited_purposes 人事評価、採用選考、懲戒", "確定"
    )
    assert (await saved(runtime, "copilot")).prohibited_purposes == ["人事評価", "採用選考", "懲戒"]


async def test_an_apostrophe_in_a_value_is_part_of_it(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await propose_and(admin, "system set copilot description Microsoft's chat for staff", "確定")
    assert (await saved(runtime, "copilot")).description == "Microsoft's chat for staff"


async def test_a_refused_value_says_why_and_what_would_do(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot name " + "あ" * 201)
    assert admin.text == "その値は使えません:\nシステム名: 長すぎます（200文字まで）。"
    await admin.say("system set copilot server_location 月面")
    assert admin.text == (
        "その値は使えません:\nサーバの所在: 次のいずれかを書いてください: "
        "domestic: 国内 ／ abroad: 国外"
    )
    await admin.say("system set copilot manual_url 社内ポータル参照")
    assert admin.text == (
        "その値は使えません:\nマニュアル: 「社内ポータル参照」はリンクではありません。"
        "https:// で始まる URL で書いてください。"
    )
    assert admin.labels == []
    assert await audited(runtime) == []


async def test_a_removed_system_still_has_its_history(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await propose_and(admin, "system set translator owner_contact 内線3301", "確定")
    await propose_and(admin, "system remove translator", "確定")
    await admin.say("system history translator")
    changed, removed = card(admin, "翻訳AIサービス の変更履歴")["lines"]
    # The action as the cards word it, not the audit log's system.set.
    assert " 佐藤 健 変更: 担当課室の連絡先: 内線3300 → 内線3301" in changed
    assert " 佐藤 健 別表から削除: " in removed

    await admin.say("system history nosuch")
    assert admin.text == "「nosuch」というシステムは別表にありません。system list で確認できます。"


async def test_the_system_form_asks_again_for_a_manual_that_is_not_a_link(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system edit copilot")
    await admin.press("修正する")
    await admin.press("マニュアル")
    await admin.say("社内ポータル参照")
    assert "マニュアルは https:// で始まる URL で入力してください（なければスキップ）。" in (
        admin.text
    )
    await admin.say("https://intra.city.sakura.example.lg.jp/ai/copilot-v2")
    await admin.press("送信")
    assert "Microsoft 365 Copilot Chat を変更しました" in admin.text
    stored = (await saved(runtime, "copilot")).manual_url
    assert stored == "https://intra.city.sakura.example.lg.jp/ai/copilot-v2"


async def test_an_admin_mistyping_a_command_is_shown_the_usage_staff_are_not_refused(
    runtime: Runtime,
) -> None:
    admin = persona(runtime, "sato")
    for typed in ("system", "system lst", "admin lsit"):
        await admin.say(typed)
        assert admin.text.startswith("使い方: system list [--status suspended] ／ system show ID")
    # 「system error」 from staff is a sentence to understand, not a command refused.
    staff = persona(runtime, "tanaka")
    await staff.say("system error")
    assert "管理者）だけが行えます" not in staff.text
    assert await audited(runtime, "refused") == []


async def test_a_command_short_of_its_words_says_that_command_s_usage(runtime: Runtime) -> None:
    admin = persona(runtime, "sato")
    await admin.say("system set copilot max_class")
    assert admin.text == (
        "使い方: system set ID 項目 値（例: system set copilot owner_contact 内線2101。"
        "項目は system show ID の見出しでも書けます）"
    )
    await admin.say("system show")
    assert admin.text == "使い方: system show ID（ID は system list で確かめられます）"
    assert (await saved(runtime, "copilot")).max_class == "1"
