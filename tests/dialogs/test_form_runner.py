"""The form runner, through the real router and a real store, with the profile form.

Each test reads like the conversation it checks: what the person sends, what they see.
"""

from __future__ import annotations

from bot.runtime import Runtime
from dialogs.fields import stored_length
from dialogs.ui import Choices, FormView
from storage.models import AISystem
from tests.chat import Chat


def question(chat: Chat) -> Choices:
    """The question among the last replies."""
    return next(r for r in chat.last if isinstance(r, Choices))


async def test_the_form_asks_each_missing_field_in_turn_and_confirms(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    assert "プロフィールを登録します" in chat.text
    assert "1/3 お名前を教えてください。" in chat.text
    assert "山田 花子" in chat.labels  # the name the channel knows, offered as one press

    await chat.press("山田 花子")
    assert "2/3 所属の課を選んでください。" in chat.text
    assert {"税務課", "福祉課", "戻る", "中止"} <= set(chat.labels)

    await chat.press("税務課")
    assert "3/3 連絡先" in chat.text
    assert "スキップ" in chat.labels  # optional field

    await chat.say("内線１２３４")  # full-width digits
    assert "「プロフィール登録」の内容を確認してください" in chat.text
    assert "氏名: 山田 花子" in chat.text
    assert "所属: 税務課" in chat.text
    assert "連絡先: 内線1234" in chat.text
    assert {"送信", "修正する", "中止"} <= set(chat.labels)

    await chat.press("送信")
    assert "山田 花子 さんのプロフィールを登録しました。" in chat.text

    # The saved profile is offered next time.
    await chat.say("プロフィール")
    assert "山田 花子" in chat.labels


async def test_an_answer_not_understood_is_reasked_with_the_reason(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("観光課")  # not a division of this municipality
    assert "選択肢から選んでください" in chat.text
    assert "2/3 所属の課を選んでください。" in chat.text

    await chat.say("3")  # by number
    assert "3/3" in chat.text

    await chat.say("メールで")
    assert "連絡先は内線番号" in chat.text
    assert "3/3" in chat.text


async def test_typed_variations_mean_the_same(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("ﾌﾟﾛﾌｨｰﾙ")  # half-width katakana
    assert "1/3" in chat.text
    await chat.say("山田 花子")
    await chat.say("税務課。")  # trailing punctuation
    assert "3/3" in chat.text
    await chat.say("ｽｷｯﾌﾟ")
    assert "内容を確認してください" in chat.text
    assert "連絡先: （なし）" in chat.text
    await chat.say("ＯＫ！")  # full-width, with an exclamation mark
    assert "プロフィールを登録しました" in chat.text


async def test_back_returns_to_the_previous_question(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("戻る")
    assert "これが最初の質問です。" in chat.text
    assert "1/3" in chat.text

    await chat.say("山田花子")
    await chat.say("もどる")
    assert "1/3 お名前を教えてください。" in chat.text
    await chat.say("山田 花子")
    await chat.press("戻る")
    assert "1/3" in chat.text


async def test_a_required_field_cannot_be_skipped(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("スキップ")
    assert "この項目は必須のため、スキップできません。" in chat.text
    assert "1/3" in chat.text


async def test_cancel_discards_the_answers(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("やめる")
    assert "「プロフィール登録」を中止しました。入力内容は破棄しました。" in chat.text

    await chat.say("プロフィール")
    assert "1/3" in chat.text  # starts afresh, nothing kept
    assert "続きから" not in chat.text


async def test_edit_at_the_confirmation_changes_one_answer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("税務課")
    await chat.say("内線1234")
    await chat.press("修正する")
    assert "どの項目を修正しますか？" in chat.text
    assert {"氏名", "所属", "連絡先"} <= set(chat.labels)

    await chat.press("所属")
    assert "所属の課を選んでください" in chat.text
    await chat.press("福祉課")
    # Straight back to the confirmation, the other answers kept.
    assert "所属: 福祉課" in chat.text
    assert "氏名: 山田花子" in chat.text
    assert "連絡先: 内線1234" in chat.text

    await chat.say("修正")
    await chat.say("1")  # the first item, by number
    await chat.say("山田 はな子")
    assert "氏名: 山田 はな子" in chat.text


async def test_a_question_in_the_middle_is_answered_then_the_form_offers_to_go_on(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("問い合わせ先は？")
    assert "問い合わせ先（ガイドライン §6）" in chat.text
    assert "「プロフィール登録」の入力に戻りますか？" in chat.text

    await chat.press("続ける")
    assert "2/3 所属の課を選んでください。" in chat.text
    await chat.say("税務課")
    assert "3/3" in chat.text


async def test_a_question_typed_where_free_text_is_expected_is_still_recognised(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("連絡先を教えて？")
    assert "問い合わせ先（ガイドライン §6）" in chat.text
    await chat.say("山田花子")  # answering the question directly also works
    assert "2/3" in chat.text


async def test_later_keeps_the_form_and_the_menu_offers_to_resume(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.say("山田花子")
    await chat.say("あとで")
    assert "入力を保存しました" in chat.text

    await chat.say("メニュー")
    assert "「プロフィール登録」の続き" in chat.labels
    await chat.press("「プロフィール登録」の続き")
    assert "続きから再開します" in chat.text
    assert "2/3" in chat.text


async def test_an_old_button_is_refused_and_the_current_question_repeated(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    old_cancel = chat.button("中止").id
    await chat.say("山田花子")
    await chat.send(action=old_cancel, event_id="old-button")
    assert "このボタンは古くなっています" in chat.text
    assert "2/3" in chat.text  # nothing was cancelled


async def test_the_whole_form_can_be_filled_at_once_and_is_checked(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.press("フォームでまとめて入力")
    form = chat.last[0].to_dict()
    assert form["type"] == "form"
    assert [i["key"] for i in form["inputs"]] == ["name", "division", "contact"]
    assert form["inputs"][0]["value"] == "山田 花子"

    await chat.submit({"name": "", "division": "観光課", "contact": "メールで"})
    view = chat.last[0]
    assert isinstance(view, FormView)
    # Each error belongs to its field, so a card or a modal can show it beside the input.
    assert view.field_errors == {
        "name": "この項目は必須のため、スキップできません。",
        "division": "選択肢から選んでください（情報政策課、DX推進課、税務課、市民課、福祉課、"
        "子育て支援課、総務課、広報課）。ボタンを押すか、番号でも答えられます。",
        "contact": "連絡先は内線番号（例: 内線1234）、電話番号（例: 03-1234-5678）または"
        "メールアドレスで入力してください。",
    }
    assert view.errors == ("入力内容を確認してください（3件）。各項目の下に理由があります。",)
    # What was sent stays in the inputs, to be corrected rather than typed again.
    assert {i.key: i.value for i in view.inputs}["contact"] == "メールで"

    await chat.submit({"name": "山田 花子", "division": "税務課", "contact": "yamada@example.jp"})
    assert "内容を確認してください" in chat.text
    assert "連絡先: yamada@example.jp" in chat.text


async def test_a_whole_form_put_aside_keeps_what_was_understood(runtime: Runtime) -> None:
    from dialogs.forms import PUT_ASIDE

    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.press("フォームでまとめて入力")
    # Closed without sending (a modal's close): a typo in one field, another left empty.
    await chat.submit({"name": "山田 花子", "division": "観光課", "contact": "", PUT_ASIDE: "1"})
    assert "「プロフィール登録」の入力を保存しました" in chat.text
    assert not any(isinstance(r, FormView) for r in chat.last)  # nothing was checked

    await chat.say("プロフィール")
    assert "続きから再開します" in chat.text
    assert "2/3 所属の課を選んでください。" in chat.text  # the name was kept; the typo was not
    await chat.press("フォームでまとめて入力")
    form = chat.last[0].to_dict()
    assert {i["key"]: i["value"] for i in form["inputs"]}["name"] == "山田 花子"


# --- what a renderer is told (vocabulary v2) ----------------------------------------------


async def test_a_question_s_answers_and_its_navigation_come_apart(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    first = question(chat)
    assert [b.label for b in first.answers] == ["山田 花子"]
    assert [b.label for b in first.navigation] == ["フォームでまとめて入力", "中止"]

    await chat.press("山田 花子")
    second = question(chat)
    assert [b.label for b in second.answers] == [
        "情報政策課", "DX推進課", "税務課", "市民課", "福祉課", "子育て支援課", "総務課", "広報課",
    ]  # fmt: skip
    assert [b.label for b in second.navigation] == ["戻る", "中止"]

    await chat.press("税務課")
    assert [b.label for b in question(chat).navigation] == ["スキップ", "戻る", "中止"]


async def test_a_pressed_question_is_replaced_by_its_answer(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.press("山田 花子", in_place=True)
    await chat.press("税務課", in_place=True)
    await chat.press("スキップ", in_place=True)
    await chat.press("送信", in_place=True)

    assert chat.shown.splitlines() == [
        "プロフィールを登録します。報告などの入力時に自動で入ります。途中で「戻る」「中止」と送れます。",
        "↻ 1/3 お名前を教えてください。",
        "✔ 山田 花子",
        "↻ 2/3 所属の課を選んでください。",
        "✔ 税務課",
        "↻ 3/3 連絡先（内線番号・電話番号・メールアドレス）を入力してください。",
        "✔ スキップ",
        "↻ ▸ 「プロフィール登録」の内容を確認してください",
        "  氏名: 山田 花子",
        "  所属: 税務課",
        "  連絡先: （なし）",
        "  ✔ 送信",
        "山田 花子 さんのプロフィールを登録しました。",
    ]
    # No answered question keeps a button to press a second time.
    assert all(not getattr(reply, "buttons", ()) for _, reply in chat.screen)


async def test_a_stale_press_replaces_nothing(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    old = chat.button("中止")
    await chat.say("山田花子")
    await chat.send(action=old.id, message_ref="msg-2", event_id="stale")
    assert all(getattr(r, "replaces", None) is None for r in chat.last)
    assert "このボタンは古くなっています" in chat.text


async def test_the_whole_form_tells_each_input_its_limits(runtime: Runtime) -> None:
    admin = Chat(runtime, user="sato", name="佐藤 健")
    await admin.say("system add")
    await admin.press("フォームでまとめて入力")
    view = admin.last[0]
    assert isinstance(view, FormView)
    inputs = {i.key: i for i in view.inputs}
    # Lengths come from the columns that store the answers: 送信 cannot fail on them.
    assert inputs["owner_contact"].max_length == 200 == stored_length(AISystem, "owner_contact")
    assert inputs["id"].max_length == 64
    assert inputs["description"].max_length == 2000
    assert inputs["service_type"].max_length is None  # a choice has no length
    assert inputs["owner_division"].kind == "choice"
    # Hints and placeholders come from the catalogue, where it has them.
    assert inputs["aliases"].hint == "カンマか「、」で区切って複数書けます。"
    assert inputs["manual_url"].placeholder == "https://"
    assert inputs["name"].hint == inputs["name"].placeholder == ""


async def test_an_answer_longer_than_its_column_is_refused_at_the_question(
    runtime: Runtime,
) -> None:
    admin = Chat(runtime, user="sato", name="佐藤 健")
    await admin.say("system add")
    await admin.press("フォームでまとめて入力")
    await admin.submit({"owner_contact": "内" * 201})
    view = admin.last[0]
    assert isinstance(view, FormView)
    assert view.field_errors["owner_contact"] == "長すぎます（200文字まで）。"


async def test_a_whole_form_sent_with_errors_takes_the_place_of_the_one_sent(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("プロフィール")
    await chat.press("フォームでまとめて入力")
    sent = chat.screen[-1][0]
    form = chat.last[0].to_dict()
    await chat.send(
        action=form["submit"]["id"],
        values={"name": "山田 花子", "division": "観光課", "contact": ""},
        message_ref=sent,
        event_id="whole-1",
    )
    view = chat.last[0]
    assert isinstance(view, FormView)
    assert view.replaces == sent
    assert list(view.field_errors) == ["division"]
    assert sum(isinstance(r, FormView) for _, r in chat.screen) == 1  # one form, corrected


async def test_the_pre_use_confirmations_are_checkboxes_on_a_card(runtime: Runtime) -> None:
    chat = Chat(runtime, user="tanaka", name="田中 一郎")
    await chat.say("利用開始")
    await chat.press("フォームでまとめて入力")
    view = chat.last[0]
    assert isinstance(view, FormView)
    boxes = [i for i in view.inputs if i.kind == "multichoice"]
    assert [i.key for i in boxes] == [
        "benefits_risks", "owner_explanations", "handover", "no_personal_device", "deepseek",
    ]  # fmt: skip
    assert all([o.label for o in i.options] == ["確認しました"] for i in boxes)

    ticked = {i.key: "confirmed" for i in boxes}
    await chat.submit({"training": "2026-10-01", **ticked})
    await chat.press("送信")
    assert "利用前の確認を記録しました" in chat.text
