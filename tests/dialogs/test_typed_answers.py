"""Answers typed the way municipal staff write them — 和暦, 「(月)」 after a date, 「先週金曜」,
「わからない」, 「なし」, a service outside the 別表 by name — through the real router."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.runtime import Runtime
from dialogs.context import JST
from tests.chat import Chat
from tests.dialogs.test_risk_report import COPILOT, Persona, answer_up_to_review, card, facts


def today() -> date:
    return datetime.now(JST).date()


async def up_to_the_dates(chat: Chat) -> None:
    await chat.say("報告したい")
    await chat.say("内線3456")
    await chat.press(COPILOT)
    assert "5/13 起きた日はいつですか？（わからなければスキップ）" in chat.text


async def up_to_what_was_entered(chat: Chat) -> None:
    await up_to_the_dates(chat)
    await chat.press("スキップ")
    await chat.press("今日")
    await chat.press("攻撃的・危険な内容")
    await chat.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    await chat.press("スキップ")
    assert "10/13 そのシステムに、個人情報や要機密情報を入力しましたか？" in chat.text


async def test_dates_written_as_in_municipal_documents_are_understood(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_the_dates(yamada)
    await yamada.say("R6.4.1")  # 令和6年, as a document's header writes it
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text
    await yamada.say("2024年4月2日(火)")  # with its weekday
    assert "7/13 どんなことが起きましたか？" in yamada.text
    await yamada.press("攻撃的・危険な内容")
    await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    for answer in ("スキップ", "入力していない", "庁内だけ", "重大ではないと思う", "スキップ"):
        await yamada.say(answer)
    review = facts(card(yamada))
    assert review["発生日"] == "2024-04-01"
    assert review["検知日"] == "2024-04-02"

    # the date noticed corrected at the confirmation, as one says it
    monday = today() - timedelta(days=today().weekday())
    two_days_ago = today() - timedelta(days=2)
    for said, meant in (
        ("昨日の午後3時", today() - timedelta(days=1)),  # with the time of day
        (f"{two_days_ago.month}/{two_days_ago.day} 15:30", two_days_ago),
        ("3日前", today() - timedelta(days=3)),
        ("先週金曜", monday - timedelta(days=3)),
        ("20241105", date(2024, 11, 5)),
        ("平成31年4月30日", date(2019, 4, 30)),
    ):
        await yamada.press("修正する")
        await yamada.press("検知日")
        await yamada.say(said)
        assert facts(card(yamada))["検知日"] == meant.isoformat(), said


async def test_a_day_without_a_year_still_to_come_is_last_years(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("利用開始")
    assert "1/6 情報政策課が指定する研修を受講した日を教えてください" in chat.text
    await chat.say("12月31日")  # said in, say, June: the training of last December
    new_years_eve = date(today().year, 12, 31)
    meant = new_years_eve if today() == new_years_eve else date(today().year - 1, 12, 31)
    assert "未来の日付" not in chat.text
    assert "2/6 【便益とリスク】" in chat.text
    while "確認しました" in chat.labels:
        await chat.press("確認しました")
    assert f"研修の受講日: {meant.isoformat()}" in chat.text


async def test_i_do_not_know_skips_a_question_one_may_skip_and_not_a_required_one(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_the_dates(yamada)
    await yamada.say("わからない")  # the question itself says: skip if unknown
    assert "日付として読み取れませんでした" not in yamada.text
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text
    await yamada.say("わからない")  # required: asked again, saying why
    assert "この項目は必須です。わからない場合は確かめてから答えてください" in yamada.text
    assert "日付として読み取れませんでした" not in yamada.text
    assert "6/13 気づいた（検知した）日はいつですか？" in yamada.text

    applicant = Chat(runtime, "sato", "佐藤 一郎")
    await applicant.say("指定申請")
    for answer in ("Gemini", "Google", "約款型クラウド"):
        await applicant.say(answer)
    assert "4/10 サーバの所在は？" in applicant.text
    await applicant.say("わかりません")
    assert "この項目は必須です。わからない場合は確かめてから答えてください" in applicant.text
    assert "選択肢から選んでください" not in applicant.text
    assert "4/10 サーバの所在は？" in applicant.text


async def test_none_or_no_to_what_was_entered_is_nothing_entered(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_what_was_entered(yamada)
    await yamada.say("なし")
    assert "スキップできません" not in yamada.text
    assert "11/13 影響はどこまで及んでいますか？" in yamada.text
    await yamada.say("戻る")
    await yamada.say("いいえ")
    assert "11/13 影響はどこまで及んでいますか？" in yamada.text
    await yamada.say("庁内だけ")
    await yamada.say("重大ではないと思う")
    await yamada.say("スキップ")
    assert facts(card(yamada))["入力した情報"] == "入力していない"


async def test_a_service_outside_the_list_named_is_reported_as_not_designated(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("報告したい")
    await yamada.say("内線3456")
    assert "4/13 どのシステムで起きましたか？" in yamada.text
    await yamada.say("ChatGPT")  # the report is about it: no entry check instead
    assert "入力できません" not in yamada.text
    assert (
        "「ChatGPT」は別表の指定システムではないため、「指定外のシステム・その他」として"
        "記録します（システム名: ChatGPT）。"
    ) in yamada.text
    assert "6/14 起きた日はいつですか？" in yamada.text  # its name is not asked again
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("誤った情報による不利益")
    await yamada.say("存在しない補助金制度を案内する文章が出力された")
    for answer in ("スキップ", "入力していない", "庁内だけ", "重大ではないと思う", "スキップ"):
        await yamada.say(answer)
    review = facts(card(yamada))
    assert review["システム"] == "指定外のシステム・その他"
    assert review["システム名（指定外）"] == "ChatGPT"
    await yamada.press("送信")
    assert "として情報政策課に報告しました" in yamada.text


async def test_not_yet_trained_is_told_to_take_the_training_first(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("利用開始")
    assert "1/6 情報政策課が指定する研修を受講した日を教えてください" in chat.text
    for said in ("受講していません", "まだ", "いいえ"):
        await chat.say(said)
        assert "利用を始める前に、研修の受講が必要です（ガイドライン §3(1)1）" in chat.text, said
        assert "日付として読み取れませんでした" not in chat.text
        assert "指定申請" not in chat.text  # no other request in its place
        assert "1/6 情報政策課が指定する研修を受講した日を教えてください" in chat.text
    await chat.say("研修はいつ？")  # as the bot suggests: the training is answered, the form kept
    assert "生成AI利用研修（基礎編）" in chat.text
    await chat.say("あとで")
    assert "「利用開始（利用前の確認）」の入力を保存しました" in chat.text


async def test_at_the_confirmation_no_a_fields_name_and_send_it_please_are_understood(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await answer_up_to_review(yamada)
    await yamada.say("いいえ")  # something is wrong: which?
    assert "どの項目を修正しますか？" in yamada.text
    await yamada.say("戻る")
    assert "の内容を確認してください" in yamada.text
    await yamada.say("連絡先を直したい")  # the field by its name, straight away
    assert "3/13 連絡先（内線・メールなど）を入力してください。" in yamada.text
    await yamada.say("内線9876")
    assert facts(card(yamada))["連絡先"] == "内線9876"
    await yamada.say("送信してください")
    assert "として情報政策課に報告しました" in yamada.text


async def test_a_blank_message_in_the_middle_of_a_form_asks_the_same_question_again(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("報告したい")
    await yamada.say("内線3456")
    await yamada.say(" 　 ")  # spaces only
    assert "回答が空でした。もう一度入力してください。" in yamada.text
    assert "4/13 どのシステムで起きましたか？" in yamada.text
    assert "ご用件を選んでください" not in yamada.text  # not the menu
    await yamada.press(COPILOT)
    assert "5/13 起きた日はいつですか？" in yamada.text


async def test_nothing_to_add_said_in_other_words_skips_a_question_one_may_skip(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_what_was_entered(yamada)
    await yamada.say("戻る")
    assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text
    await yamada.say("特にありません")
    await yamada.press("入力していない")
    await yamada.press("庁内だけ")
    await yamada.press("重大ではないと思う")
    await yamada.say("なしです")
    review = facts(card(yamada))
    assert review["入力・出力（伏せ字）"] == "（なし）"
    assert review["これまでの対応"] == "（なし）"


async def test_in_english_n_a_and_nothing_skip_and_send_it_sends(runtime: Runtime) -> None:
    yamada = Persona(runtime, "yamada")
    await yamada.say("English")
    await yamada.say("report a risk case")
    await yamada.say("ext 3456")
    await yamada.press(COPILOT)
    await yamada.say("n/a")  # when it happened: not known
    assert "6/13 When did you notice it?" in yamada.text
    await yamada.say("today")
    await yamada.press("Offensive or dangerous content")
    await yamada.say("It wrote an insulting sentence in a draft notice")
    await yamada.say("nothing")  # no input or output to paste
    await yamada.say("no")  # nothing of that kind was entered
    await yamada.press("Internal only")
    await yamada.press("Not serious")
    await yamada.say("nothing yet")
    review = facts(card(yamada))
    assert review["Happened on"] == review["Input / output (masked)"] == "(none)"
    assert review["Done so far"] == "(none)"
    assert review["Information entered"] == "Nothing of that kind"
    await yamada.say("nope")  # something to correct
    assert "Which item do you want to change?" in yamada.text
    await yamada.say("back")
    await yamada.say("send it")
    assert "Reported to the policy division as RC-" in yamada.text


async def test_an_answer_too_long_is_refused_with_the_same_question_asked_again(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_the_dates(yamada)
    await yamada.press("スキップ")
    await yamada.press("今日")
    await yamada.press("攻撃的・危険な内容")
    assert "8/13 何が起きたかを具体的に書いてください。" in yamada.text
    await yamada.say("経緯: " + "出力が不適切だった。" * 500)  # a whole log pasted
    assert "メッセージが長すぎます（4000文字まで）。短くしてもう一度送ってください。" in yamada.text
    assert "8/13 何が起きたかを具体的に書いてください。" in yamada.text  # no 「続ける」 first
    await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    assert "9/13 関係する入力や出力があれば貼り付けてください" in yamada.text


async def test_a_division_typed_with_a_kanji_slip_or_in_kana_is_understood(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime, "takahashi", "高橋 誠")
    await chat.say("プロフィール")
    await chat.press("高橋 誠")
    assert "2/3 所属の課を選んでください。" in chat.text
    await chat.say("税務化")  # the IME's 化 for 課
    assert "3/3 連絡先" in chat.text
    await chat.say("戻る")
    await chat.say("しみんか")  # left in kana
    await chat.say("スキップ")
    assert facts(card(chat))["所属"] == "市民課"


async def test_a_date_said_in_a_sentence_is_that_date_unless_it_is_still_to_come(
    runtime: Runtime,
) -> None:
    yamada = Persona(runtime, "yamada")
    await up_to_the_dates(yamada)
    await yamada.press("スキップ")
    await yamada.say("3日前に気づきました")
    assert "7/13 どんなことが起きましたか？" in yamada.text
    await yamada.press("攻撃的・危険な内容")
    await yamada.say("住民向け案内文の下書きに攻撃的な表現が出力された")
    for answer in ("スキップ", "入力していない", "庁内だけ", "重大ではないと思う", "スキップ"):
        await yamada.say(answer)
    assert facts(card(yamada))["検知日"] == (today() - timedelta(days=3)).isoformat()

    chat = Chat(runtime, "sato", "佐藤 一郎")
    await chat.say("利用開始")
    await chat.say("来週受講する予定です")  # not taken yet: no date to record
    assert "利用を始める前に、研修の受講が必要です（ガイドライン §3(1)1）" in chat.text
    await chat.say("昨日受講しました")
    assert "2/6 【便益とリスク】" in chat.text
    while "確認しました" in chat.labels:
        await chat.press("確認しました")
    yesterday = today() - timedelta(days=1)
    assert f"研修の受講日: {yesterday.isoformat()}" in chat.text
