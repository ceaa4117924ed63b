"""「〜に入れていい？」 in the person's own words, through the real router and store.

The sample 別表 (config/systems.yaml) is loaded by the runtime fixture, as `make run` does.
"""

from __future__ import annotations

from bot.runtime import Runtime
from tests.chat import Chat


async def test_names_and_addresses_into_copilot_are_refused_with_reasons_and_clauses(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("住民の氏名と住所をCopilotに入れて、相談記録を要約してもいいですか")
    card = chat.last[-1].to_dict()
    assert card["title"] == "Microsoft 365 Copilot Chat への入力 — 入力できません"
    assert card["tone"] == "bad"
    assert (
        "・Microsoft 365 Copilot Chat には保有個人情報を入力できません。（§3(1)2）" in card["lines"]
    )
    # what to do instead: mask the names, or a designated system that takes personal data
    assert any("伏せた文章" in line for line in card["lines"])
    assert any(
        line.startswith("・庁内AIアシスタント（DX推進課 内線1234）") for line in card["lines"]
    )
    assert {"別の情報で確認", "別のシステムで確認", "このテキストを確認"} <= set(chat.labels)


async def test_only_what_is_missing_is_asked_with_buttons(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("公開済みの議事録をQommonsに入れていい？")
    # the system (Qommons = 庁内AIアシスタント) and the class (公開済み) came from the sentence
    assert "個人情報（氏名・住所・電話番号など）は含まれますか？" in chat.text
    await chat.press("含まない")
    assert "何に使いますか？" in chat.text
    await chat.press("議事録作成")
    card = chat.last[-1].to_dict()
    assert card["title"] == "庁内AIアシスタント への入力 — 入力できます"
    assert (
        "・入力する情報が正確で最新か、入力前に自分で確かめてください。（§3(2)1）" in card["lines"]
    )
    assert any("説明責任" in line and "§3(2)2" in line for line in card["lines"])


async def test_a_personal_device_and_an_undesignated_service_are_both_refused(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("家のスマホのChatGPTで文案を作ってもいい？")
    card = chat.last[-1].to_dict()
    assert card["title"] == "「ChatGPT」 への入力 — 入力できません"
    assert any("指定システムではありません" in line and "（§2）" in line for line in card["lines"])
    assert any("私用デバイス" in line and "（§3(1)1）" in line for line in card["lines"])
    assert any("指定を申請してください" in line for line in card["lines"])


async def test_a_vague_question_asks_which_system_then_the_rest(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("議事録をAIに入れていい？")
    assert "どのAIシステムですか？" in chat.text
    assert {"Microsoft 365 Copilot Chat", "庁内AIアシスタント", "その他・わからない"} <= set(
        chat.labels
    )
    assert "画像生成AI" not in chat.labels  # suspended systems are not offered
    await chat.press("Microsoft 365 Copilot Chat")
    await chat.press("含まない")
    assert "入力する情報はどれにあたりますか？" in chat.text
    assert any(label.startswith("公開済み・公開してよい情報（機密性1）") for label in chat.labels)
    await chat.say("2")  # the second choice, typed: 職員限りの内部情報（機密性2）
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    assert any("機密性2です" in line and "機密性1まで" in line for line in card["lines"])


async def test_unsure_answers_lead_to_asking_the_responsible_division(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("例規検索AIに入れていい？")  # the purpose (例規の検索) is in the sentence
    await chat.press("わからない")  # personal information?
    await chat.press("わからない")  # which class?
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("このままでは判断できません")
    assert any(
        "判断に迷う場合は利用しないでください。DX推進課（内線1234）" in line
        for line in card["lines"]
    )


async def test_ask_again_about_another_system_keeps_the_information(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("住民の氏名をCopilotに入れていい？")
    await chat.press("別のシステムで確認")
    assert "どのAIシステムですか？" in chat.text
    await chat.press("庁内AIアシスタント")
    # personal information is already known: only the class is asked
    assert "入力する情報はどれにあたりますか？" in chat.text
    assert "個人情報" not in chat.text.split("\n")[0]


async def test_a_question_in_the_middle_of_a_form_is_answered_then_the_form_goes_on(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("プロフィール")
    await chat.press("山田 花子")
    await chat.say("そもそも住民の名前をCopilotに入れてよかったの？")
    assert any(r.to_dict().get("title", "").endswith("入力できません") for r in chat.last)
    assert "「プロフィール登録」の入力が途中です。続けますか？" in chat.text
    await chat.press("続ける")
    assert "2/3 所属の課を選んでください。" in chat.text


async def test_the_decision_is_in_english_for_an_english_speaker(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("English")
    await chat.say("May I enter residents' names into Copilot?")
    card = chat.last[-1].to_dict()
    assert card["title"] == "Entering into Microsoft 365 Copilot Chat — not allowed"
    assert (
        "- Microsoft 365 Copilot Chat must not be given personal information. (§3(1)2)"
        in card["lines"]
    )
