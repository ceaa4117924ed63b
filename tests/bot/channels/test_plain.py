"""Replies as plain text (the terminal, and the notification text of Slack and Teams)."""

from __future__ import annotations

from bot.channels.plain import render
from dialogs.ui import (
    Button,
    Choices,
    Fact,
    FactCard,
    FormInput,
    FormView,
    Link,
    Option,
    Text,
)


def test_a_form_shows_each_error_under_its_input() -> None:
    view = FormView(
        title="プロフィール登録",
        inputs=(
            FormInput("name", "氏名", "text", True, "山田 花子", max_length=60),
            FormInput(
                "division",
                "所属",
                "choice",
                True,
                "観光課",
                options=(Option("税務課", "税務課"),),
            ),
            FormInput(
                "items",
                "確認事項",
                "multichoice",
                True,
                "a,c",
                options=(Option("a", "引継ぎ"), Option("b", "個人端末"), Option("c", "DeepSeek")),
            ),
        ),
        submit=Button("f:3:values", "確認へ進む", "primary"),
        cancel=Button("f:3:cancel", "中止", "danger"),
        errors=("入力内容を確認してください（1件）。",),
        field_errors={"division": "選択肢から選んでください。"},
    )
    assert render(view).splitlines() == [
        "▸ プロフィール登録",
        "  ! 入力内容を確認してください（1件）。",
        "  氏名 *: 山田 花子",
        "  所属 *: 観光課",
        "    ! 選択肢から選んでください。",
        "  確認事項 *: 引継ぎ、DeepSeek",
        "  [確認へ進む] (button:f:3:values)",
        "  [中止] (button:f:3:cancel)",
    ]


def test_a_few_answers_are_buttons_and_navigation_follows_them() -> None:
    question = Choices(
        "続けますか？",
        answers=(Button("f:1:continue", "続ける", "primary"),),
        navigation=(Button("f:1:later", "あとで"),),
    )
    assert render(question).splitlines() == [
        "続けますか？",
        "  [続ける] (button:f:1:continue)",
        "  [あとで] (button:f:1:later)",
    ]


def test_links_private_and_replacing_replies_are_marked() -> None:
    card = FactCard(
        title="庁内AIアシスタント",
        facts=(Fact("担当課室", "DX推進課"),),
        links=(Link("マニュアル", "https://intra.example.lg.jp/manual"),),
    )
    assert render(card).splitlines() == [
        "▸ 庁内AIアシスタント",
        "  担当課室: DX推進課",
        "  ↗ マニュアル: https://intra.example.lg.jp/manual",
    ]
    assert render(Text("権限がありません。", private=True)) == "🔒 権限がありません。"
    assert render(Text("✔ 公開済み", replaces="console:4")) == "↻ ✔ 公開済み"
