"""What staff actually type first, through the real router: understood, or asked about —
never 「うまく理解できませんでした」 with the whole menu for something the bot can do.

The transcripts of issue 13 ("What went wrong"), then more phrasings of our own.
"""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.chat import Chat

NOT_UNDERSTOOD = "うまく理解できませんでした"


def persona(runtime: Runtime, user: str) -> Chat:
    chat = Chat(runtime, user=user, name=None)
    original = chat.send

    async def send(**fields: object) -> list:
        division = {"yamada": "税務課", "tanaka": "福祉課", "sato": "情報政策課"}.get(user, "")
        return await original(user_division=division, **fields)

    chat.send = send  # type: ignore[method-assign]
    return chat


def card_titles(chat: Chat) -> list[str]:
    return [r.to_dict()["title"] for r in chat.last if r.to_dict()["type"] == "card"]


# --- 「使えるAIは？」 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "議事録を作りたいんだけど、どのAIを使えばいい？",
        "議事録を要約したい",
        "議事録作成に使えるAIは？",
        "会議録をまとめたいです",
        "ぎじろくを要約したい",
    ],
)
async def test_minutes_get_the_one_system_whose_purposes_include_them(
    runtime: Runtime, typed: str
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert NOT_UNDERSTOOD not in chat.text
    assert card_titles(chat) == ["使える指定システム（1件）"], chat.text
    assert "庁内AIアシスタント: 入力できる情報: 機密性2まで" in chat.text
    assert "担当課室: DX推進課 内線1234" in chat.text
    assert "翻訳AIサービス" not in chat.text  # 約款型, servers abroad, no 議事録
    assert "Microsoft 365 Copilot Chat" not in chat.text  # 議事録 is not in its purposes


async def test_summaries_list_every_designated_system_that_allows_them(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("要約に使えるAIは？")
    assert card_titles(chat) == ["使える指定システム（3件）"], chat.text
    for name in ("庁内AIアシスタント", "Microsoft 365 Copilot Chat", "例規・マニュアル検索AI"):
        assert f"{name}: " in chat.text
    assert "画像生成AI" not in chat.text  # suspended
    assert "条件: 用途「要約」、所属「" not in chat.text or "税務課" in chat.text


async def test_with_personal_information_only_systems_that_take_it_are_listed(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("住民の名前が入った文書を要約したい。どれを使えばいい？")
    assert "個人情報を含む" in chat.text
    assert "Microsoft 365 Copilot Chat" not in chat.text  # no personal information
    assert "庁内AIアシスタント: " in chat.text
    assert "個人情報: 可（業務に必要な最小限の保有個人情報に限る" in chat.text


async def test_a_division_outside_a_systems_users_does_not_see_it(runtime: Runtime) -> None:
    chat = Chat(runtime, user="kato", name="加藤 次郎")
    await chat.complete_pre_use()
    await chat.say("プロフィール")
    await chat.say("加藤 次郎")
    await chat.say("広報課")
    await chat.press("スキップ")
    await chat.press("送信")
    await chat.say("要約に使えるAIは？")
    assert "例規・マニュアル検索AI" not in chat.text  # 税務課・市民課・福祉課… only
    assert "庁内AIアシスタント: " in chat.text


async def test_a_prohibited_purpose_has_no_system_and_offers_the_designation_request(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("人事評価に使えるAIは？")
    assert card_titles(chat) == ["条件に合う指定システムはありません"]
    assert "指定申請" in chat.text
    assert "指定申請" in chat.labels


async def test_which_ai_without_training_lists_systems_and_says_what_comes_first(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("どのAIを使えばいい？")
    assert "使える指定システム" in chat.text
    assert "生成AI利用研修（基礎編）」の受講と利用前の確認が必要です（§3(1)1）" in chat.text
    assert "利用前の確認を始める" in chat.labels or any("利用" in x for x in chat.labels)


async def test_which_ai_in_english(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("English")
    await chat.say("Which AI can I use for translation?")
    assert "Designated systems you can use" in chat.text
    assert "翻訳AIサービス" in chat.text


# --- help, thanks, training, whom to ask -----------------------------------------------


async def test_help_in_plain_words(runtime: Runtime) -> None:
    chat = Chat(runtime)
    for typed in ("助けて", "使い方がわからない", "何ができるの？", "help"):
        await chat.say(typed)
        assert "さくら市の生成AI利用ガイドラインのアシスタントです。" in chat.text, typed
        assert "「議事録の要約に使えるAIは？」" in chat.text


async def test_thanks_get_a_short_answer_and_no_menu(runtime: Runtime) -> None:
    chat = Chat(runtime)
    for typed in ("ありがとう", "ありがとうございました！", "助かりました", "thanks!"):
        await chat.say(typed)
        assert chat.text.startswith("どういたしまして。"), typed
        assert chat.labels == []


async def test_when_is_the_training_gives_the_training_and_my_own_status(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("生成AIの研修はいつ？")
    assert "研修と利用前の準備（§3(1)1）" in card_titles(chat)
    assert "受講する研修: 生成AI利用研修（基礎編）" in chat.text
    assert "情報政策課" in chat.text
    assert "私の状況（利用前の確認）" in card_titles(chat)

    await chat.say("AIを使う前に何をすればいい？")
    assert "研修と利用前の準備（§3(1)1）" in card_titles(chat)


async def test_who_do_i_ask_gives_the_contacts(runtime: Runtime) -> None:
    chat = Chat(runtime)
    for typed in ("誰に聞けばいい？", "問合せ先を教えてください", "相談窓口はどこですか"):
        await chat.say(typed)
        assert "問い合わせ先（ガイドライン §6）" in card_titles(chat), typed


# --- my status is mine, my reports are not a new report ---------------------------------


async def test_my_own_confirmation_status_is_not_the_admins_summary(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("自分の確認状況を見たい")
    assert "この操作は情報政策課（管理者）だけが行えます" not in chat.text
    assert "私の状況（利用前の確認）" in card_titles(chat)


async def test_the_status_of_my_reports_lists_them_and_starts_no_report(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("報告の状況を知りたい")
    assert card_titles(chat) == ["あなたの報告（対応中）"]
    assert "対応中の報告はありません。" in chat.text
    assert "1/" not in chat.text  # no form started

    await chat.say("報告")  # file one, then ask again
    await chat.say("山田 花子")
    await chat.press("税務課")
    await chat.press("スキップ")
    await chat.press("Microsoft 365 Copilot Chat")
    await chat.press("スキップ")
    await chat.press("今日")
    await chat.press("誤った情報による不利益")
    await chat.say("存在しない条例を根拠として出力した")
    await chat.press("スキップ")
    await chat.press(chat.labels[0])  # nothing entered
    await chat.press("庁内だけ")
    await chat.press(chat.labels[1])  # not serious
    await chat.press("スキップ")
    await chat.press("送信")
    filed = next(w for w in chat.text.split() if w.startswith("RC-"))
    number = filed[:12]

    await chat.say("自分の報告はどうなった？")
    assert number in chat.text
    assert "受付待ち" in chat.text

    other = Chat(runtime, user="tanaka", name="田中 一郎")
    await other.say("報告の状況を知りたい")
    assert number not in other.text  # someone else's report is not shown


async def test_the_admin_sees_every_open_report_and_an_admin_command_is_never_an_answer(
    runtime: Runtime,
) -> None:
    admin = Chat(runtime, user="sato", name="佐藤 健")
    await admin.say("プロフィール")
    await admin.say("報告一覧")
    assert card_titles(admin)[0] == "対応中の報告"
    assert "入力に戻りますか" in admin.text
    await admin.say("admin list")
    assert "sato" in admin.text
    await admin.press("続ける")
    assert "1/3" in admin.text  # the name is still unanswered


# --- unsure: ask, with the likeliest meanings -----------------------------------------


async def test_an_unclear_message_is_asked_about_with_two_or_three_buttons(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("確認したい")
    assert NOT_UNDERSTOOD not in chat.text
    assert "どれのことでしょうか？" in chat.text
    assert 2 <= len(chat.labels) <= 4
    assert chat.labels[-1] == "どれでもない（メニュー）"


async def test_out_of_scope_is_said_so(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("会議室を予約したい")
    assert NOT_UNDERSTOOD in chat.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Copilotに住民の名前を入れていい？", "個人情報"),
        ("ｺﾊﾟｲﾛｯﾄに公開資料いれても大丈夫ですか", "個人情報"),
        ("やっぱり入力していいか確認したい", "どのAIシステムですか"),
        ("入力してよいか確認", "どのAIシステムですか"),
        ("このテキストを確認して", "貼り付けて"),
        ("新しいAIを使えるように申請したい", "指定されていない生成AIシステムを使いたいときの申請"),
        ("研修受けたので利用開始したい", "研修"),
        ("私の状況", "私の状況（利用前の確認）"),
        ("所属が変わりました", "お名前"),
        ("AIが差別的な文章を出したので報告したい", "報告"),
    ],
)
async def test_requests_in_everyday_phrasing(runtime: Runtime, typed: str, expected: str) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert NOT_UNDERSTOOD not in chat.text
    assert "どれのことでしょうか" not in chat.text, chat.text
    assert expected in chat.text, chat.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # look-alikes: 報告 and 確認 that mean something else
        ("報告書の下書きをCopilotで要約していい？", "個人情報"),
        ("上司への報告資料をAIアシスタントで作ってもいいですか", "個人情報"),
        ("報告の状況を教えて", "あなたの報告（対応中）"),
        ("私の報告どうなった？", "あなたの報告（対応中）"),
        ("自分の確認の期限はいつ？", "私の状況（利用前の確認）"),
        ("私はもうAIを使える状態ですか", "私の状況（利用前の確認）"),
        # the same request in other forms of the verb, register and script
        ("翻訳できる？", "使える指定システム"),
        ("翻訳してほしいんだけど", "使える指定システム"),
        ("ほんやくに使えるＡＩは", "使える指定システム"),
        ("校正したいです", "使える指定システム"),
        ("Which AI should I use for proofreading?", "使える指定システム"),
        ("研修っていつあるの", "研修と利用前の準備"),
        ("使う前に必要な手続きを教えてください", "研修と利用前の準備"),
        ("who should I contact?", "問い合わせ先"),
        ("だれに相談すればいいですか", "問い合わせ先"),
        ("サンキュー", "どういたしまして"),
        ("AIが存在しない条例を答えた", "報告"),
        ("誤って住民の名前をAIに入れてしまいました", "報告"),
    ],
)
async def test_more_phrasings(runtime: Runtime, typed: str, expected: str) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert NOT_UNDERSTOOD not in chat.text
    assert expected in chat.text, chat.text


async def test_a_colleagues_instruction_to_report_is_not_a_risk_report(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("課長に報告しておいてください")
    assert "リスクケースの報告ですね" not in chat.text
    assert "1/13" not in chat.text and "2/13" not in chat.text


async def test_a_guess_is_never_an_admin_only_request_for_staff(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("職員みんなの確認状況を見たい")
    assert "ガイドラインの版を公開" not in chat.labels
    assert "確認状況（集計）" not in chat.labels


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # typed without kanji conversion: the words are found by their sound
        ("けんしゅうのにってい", "研修と利用前の準備"),
        ("しすてむのいちらん", "使える指定システム"),
        # a word inside a compound (相談 + 窓口), and an English word Sudachi would katakana-ise
        ("相談窓口を知りたい", "問い合わせ先"),
        ("I'd like the contact details", "問い合わせ先"),
        # the 別表 as a list is the designated systems, not an application to add one
        ("別表の一覧", "使える指定システム"),
    ],
)
async def test_kana_spellings_compounds_and_english_words(
    runtime: Runtime, typed: str, expected: str
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert NOT_UNDERSTOOD not in chat.text
    assert "どれのことでしょうか" not in chat.text, chat.text
    assert expected in chat.text, chat.text
