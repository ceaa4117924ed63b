"""Look-alikes through the real router: what is not this bot's (an IT trouble, an admin change
typed as prose) starts nothing, while the AI's own output going wrong is a risk case (§4);
kana and English typed as people type them still reach the request.
"""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.chat import Chat

NOT_UNDERSTOOD = "うまく理解できませんでした"
REPORT_STARTED = "リスクケースの報告ですね"


@pytest.mark.parametrize(
    ("typed", "where_to_turn"),
    [
        # The IT helpdesk's, not a generative-AI risk case: the security contact is named.
        ("ノートパソコンの電源が入らないです", "情報システムの窓口"),
        ("プリンタの紙詰まりで印刷が止まった", "情報システムの窓口"),
        ("メールのパスワードを再発行してほしい", "情報システムの窓口"),
        # An admin change is typed as `admin add`, not guessed: the answer shows the command.
        ("管理者に佐藤さんを加えてください", "admin add @ユーザー"),
        # A change to the 別表 in prose: the admin's commands, and whom to ask otherwise.
        ("翻訳AIの上限を機密性1に下げてください", "system set ID 項目 値"),
        ("翻訳AIを別表から削除してほしい", "system remove ID"),
        ("翻訳AIの上限を機密性1に下げてください", "情報政策課"),
        # A division's extension is the municipality's settings, not one's own profile.
        ("税務課の電話番号を変更してください", "設定ファイル"),
        # Widening a designated system's row is the admin's too (not a designation request).
        ("翻訳AIの利用者を福祉課にも広げてほしい", "system set ID 項目 値"),
        ("今日の天気はどうですか", "その話題にはお答えできません"),
    ],
)
async def test_what_only_looks_like_a_request_starts_no_form_and_says_where_to_turn(
    runtime: Runtime, typed: str, where_to_turn: str
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert where_to_turn in chat.text, chat.text
    assert REPORT_STARTED not in chat.text
    assert "入力してよいか確認" in chat.labels, chat.labels  # what it can do follows


async def test_an_it_trouble_in_english_gets_the_helpdesk_answer_in_english(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("English please")
    await chat.say("My laptop froze and will not restart")
    assert "IT helpdesk" in chat.text, chat.text


async def test_a_change_to_the_appendix_in_english_gets_the_commands_in_english(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("English please")
    await chat.say("Please lower the class limit of Copilot to 1")
    assert "system set ID field value" in chat.text, chat.text


async def test_entering_confidential_information_is_still_an_entry_check(
    runtime: Runtime,
) -> None:
    # 「機密性」 with no change asked for is about the information, not the 別表's limit.
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("Copilotに機密性2の情報を入れてもいい？")
    assert "system set" not in chat.text, chat.text
    assert "入力してよいかを確認します" in chat.text, chat.text


async def test_an_english_phrase_of_several_words_is_understood(runtime: Runtime) -> None:
    # "by mistake" and "this text" are phrases, not their words one by one.
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("English please")
    await chat.say("I put a resident's address into Copilot by mistake")
    assert "Reporting a generative-AI risk case" in chat.text, chat.text
    await chat.say("cancel")
    await chat.say("Could you check this text for names before I use it anywhere?")
    assert "Paste the text to check" in chat.text, chat.text
    assert "Reporting a generative-AI risk case" not in chat.text


async def test_what_is_not_understood_at_all_still_says_so(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("ぬるぽ がっ")
    assert NOT_UNDERSTOOD in chat.text, chat.text


@pytest.mark.parametrize(
    "typed",
    [
        "Copilotが間違った答えを出してしまいました",
        "AIの出力をそのまま住民に送ってしまった",
        # An entry already made is a case to report (§4), not a question whether it may be.
        "翻訳AIに誤って相談者の氏名を入力してしまいました、どうすれば",
    ],
)
async def test_the_ais_output_gone_wrong_is_a_risk_report(runtime: Runtime, typed: str) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert REPORT_STARTED in chat.text, chat.text


async def test_the_appendix_spelled_in_kana_part_by_part_lists_the_systems(
    runtime: Runtime,
) -> None:
    # 別表 reads べっぴょう; typed without conversion it is often べつひょう.
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say("べつひょう見せて")
    assert "使える指定システム（4件）" in chat.text, chat.text


@pytest.mark.parametrize("typed", ["I can't read Japanese", "I don't speak Japanese"])
async def test_an_english_contraction_is_read_as_english(runtime: Runtime, typed: str) -> None:
    # Not ドント: "don't"/"can't" say the person wants English, not Japanese.
    chat = Chat(runtime)
    await chat.say(typed)
    assert "The display language is now English." in chat.text, chat.text


def test_every_out_of_scope_topic_has_its_answer_in_both_languages() -> None:
    from dialogs.catalog import Catalogs
    from dialogs.understand import cues

    catalogs = Catalogs(None)
    topics = {cue.topic for cue in cues() if cue.topic}
    assert topics  # the out-of-scope cues name their matters
    for locale in ("ja", "en"):
        keys = catalogs.keys(locale)
        assert {f"fallback.out_of_scope.{topic}" for topic in topics} <= keys, locale
