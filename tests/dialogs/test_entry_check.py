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


# --- 番号法: a 個人番号 goes into no generative-AI system ---------------------------------


async def test_a_my_number_is_refused_at_once_whatever_the_system_allows(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    # 庁内AIアシスタント takes personal information up to class 2, but not a 個人番号
    await chat.say("AIアシスタントにマイナンバー入れていい?")
    card = chat.last[-1].to_dict()
    assert card["title"] == "庁内AIアシスタント への入力 — 入力できません"
    assert any(
        "特定個人情報" in line
        and "マイナンバー利用事務系" in line
        and "（番号法9条・19条）" in line
        for line in card["lines"]
    )
    assert any("個人番号を削除してから" in line for line in card["lines"])
    assert "同じ内容で使える指定システムはありません。" in card["lines"]
    assert "守ること" not in card["lines"]  # a refusal lists no conditions


async def test_a_my_number_asks_no_system_at_all(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("マイナンバーをAIに入れていい？")  # no system named
    card = chat.last[-1].to_dict()
    assert card["title"] == "生成AIシステム への入力 — 入力できません"
    assert any("（番号法9条・19条）" in line for line in card["lines"])
    assert not any("指定システムではありません" in line for line in card["lines"])


async def test_a_my_number_can_be_said_as_the_answer_about_personal_information(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("例規検索AIに入れていい？")
    await chat.press("マイナンバー（個人番号）を含む")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")  # no class asked: the law decides
    assert any("（番号法9条・19条）" in line for line in card["lines"])


# --- personal information implies a class; 要配慮個人情報 named on its own -----------------


async def test_personal_information_said_to_be_class_1_is_judged_as_class_2(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("Qommonsに住民の氏名を入れていい？")
    assert "入力する情報はどれにあたりますか？" in chat.text
    await chat.press(
        "公開済み・公開してよい情報（機密性1）例: ホームページの記事、公開済みの議事録"
    )
    await chat.press("文書作成")
    card = chat.last[-1].to_dict()
    assert card["title"] == "庁内AIアシスタント への入力 — 条件付きで入力できます"
    assert any(
        "保有個人情報は機密性2以上として扱います" in line and "機密性1ではなく" in line
        for line in card["lines"]
    )


async def test_personal_information_said_to_be_class_1_on_copilot_is_refused_for_its_class(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("公開済みの住民の氏名一覧をCopilotに入れていい？")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    assert any("機密性2です" in line and "機密性1まで" in line for line in card["lines"])
    assert any("機密性2として判断しました" in line for line in card["lines"])


async def test_special_care_personal_information_is_named_in_the_answer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("相談者の病歴をCopilotに入れていい？")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    assert any(
        "要配慮個人情報" in line and "個人情報保護法2条3項" in line for line in card["lines"]
    )


# --- §3(2)1: a prohibited purpose, named anywhere ------------------------------------------


async def test_a_prohibited_purpose_in_the_question_is_refused_at_once(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("Qommonsで人事評価の文案を作っていい？")
    card = chat.last[-1].to_dict()
    assert card["title"] == "庁内AIアシスタント への入力 — 入力できません"
    assert any(
        "「人事評価」には使えません" in line and "禁止されている用途" in line
        for line in card["lines"]
    )
    assert not any("個人情報" in line and "判断できません" in line for line in card["lines"])
    # Copilot prohibits 人事評価 too; no other system lists it: none is offered
    assert "同じ内容で使える指定システムはありません。" in card["lines"]


async def test_a_prohibited_purpose_typed_as_the_answer_is_refused_as_prohibited(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("公開済みの議事録をQommonsに入れていい？")
    await chat.press("含まない")
    assert "何に使いますか？" in chat.text
    await chat.say("人事評価")
    card = chat.last[-1].to_dict()
    assert card["title"] == "庁内AIアシスタント への入力 — 入力できません"
    assert any("「人事評価」には使えません" in line for line in card["lines"])


async def test_a_purpose_in_own_words_is_matched_or_judged_outside_the_scope(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("公開済みの議事録をQommonsに入れていい？")
    await chat.press("含まない")
    await chat.say("会議の要約")  # 要約 is listed
    assert chat.last[-1].to_dict()["title"] == "庁内AIアシスタント への入力 — 入力できます"
    await chat.say("公開済みの議事録をQommonsに入れていい？")
    await chat.press("含まない")
    await chat.say("SNS投稿の作成")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    assert any("「SNS投稿の作成」は" in line and "範囲" in line for line in card["lines"])


async def test_none_of_the_listed_purposes_names_what_the_system_is_for(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("公開済みの議事録をQommonsに入れていい？")
    await chat.press("含まない")
    await chat.press("上記以外")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    assert not any("「上記以外」" in line for line in card["lines"])
    assert any(
        "庁内AIアシスタント を使える業務は" in line and "それ以外の業務には使えません" in line
        for line in card["lines"]
    )
    # what the purpose is, is not known: no other system is said to take it
    assert "代わりに使える指定システム" not in card["lines"]
    assert "同じ内容で使える指定システムはありません。" not in card["lines"]


# --- alternatives: only systems that would allow the same question -------------------------


async def test_alternatives_for_minutes_with_names_leave_out_the_public_terms_translator(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("Copilotに会議の議事録（発言者の氏名入り）を入れていい？")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    lines = card["lines"]
    start = lines.index("代わりに使える指定システム")
    offered = [line for line in lines[start + 1 :] if line.startswith("・")]
    assert any(line.startswith("・庁内AIアシスタント（") for line in offered)
    assert not any("翻訳AIサービス" in line for line in offered)  # 約款型, no personal info
    assert not any("画像生成AI" in line for line in offered)  # suspended


async def test_alternatives_for_making_minutes_are_only_systems_listing_that_purpose(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("議事録を作りたいんだけど、Copilotに住民の名前を入れていい？")
    card = chat.last[-1].to_dict()
    assert card["title"].endswith("入力できません")
    lines = card["lines"]
    assert any("「議事録作成」は" in line and "範囲" in line for line in lines)  # Copilot's scope
    start = lines.index("代わりに使える指定システム")
    offered = [line for line in lines[start + 1 :] if line.startswith("・")]
    # 庁内AIアシスタント lists 議事録作成 and takes personal information; the search AI and
    # the translator do not list it
    assert [line.split("（")[0] for line in offered] == ["・庁内AIアシスタント"]


async def test_asking_for_a_named_systems_conditions_shows_its_row_of_the_appendix(
    runtime: Runtime,
) -> None:
    # 「Copilotの条件は？」 is the 別表's row, not the training's conditions for using AI.
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("Copilotの利用条件を教えてください")
    assert "Microsoft 365 Copilot Chat（別表）: 入力できる情報: 機密性1まで" in chat.text, chat.text
    assert "個人情報: 不可" in chat.text
    assert "含まない" in chat.labels  # and the check goes on for what they want to enter


async def test_the_systems_row_is_in_english_for_an_english_speaker(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("English please")
    await chat.say("What are the rules for the translation AI?")
    assert "(in the list of designated systems)" in chat.text, chat.text
