"""The reply vocabulary: what a renderer is told, and replies kept as JSON read back whole."""

from __future__ import annotations

import json

import pytest

from dialogs.ui import (
    Button,
    Choices,
    Fact,
    FactCard,
    FormInput,
    FormView,
    HomeView,
    Link,
    Option,
    Reply,
    Text,
    from_dict,
    join_values,
    split_values,
)

SUBMIT = Button("f:3:values", "確認へ進む", "primary")
CANCEL = Button("f:3:cancel", "中止", "danger")

EVERY_KIND: list[Reply] = [
    Text("公開しました。"),
    Text("✔ 公開済み", replaces="1733050000.000100"),
    Text("この操作を行う権限がありません。", private=True),
    Choices(
        "2/3 所属の課を選んでください。",
        answers=tuple(Button(f"f:3:pick:d{n}", f"第{n}課") for n in range(40)),
        navigation=(Button("f:3:back", "戻る"), CANCEL),
    ),
    FactCard(
        title="庁内AIアシスタント への入力 — 条件付きで入力できます",
        facts=(Fact("担当課室", "情報政策課 内線2101"),),
        lines=("必要最小限にしてください。",),
        tone="ok",
        buttons=(Button("menu:pii_check", "このテキストを確認"),),
        links=(Link("マニュアル", "https://intra.example.lg.jp/ai/manual"),),
        replaces="post:7",
    ),
    FormView(
        title="利用開始（利用前の確認）",
        inputs=(
            FormInput(
                "contact",
                "連絡先",
                "text",
                False,
                "内線1234",
                max_length=200,
                placeholder="内線1234",
                hint="内線・電話・メール",
            ),
            FormInput(
                "items",
                "確認事項",
                "multichoice",
                True,
                "handover,deepseek",
                options=(Option("handover", "引継ぎ"), Option("deepseek", "DeepSeek")),
            ),
        ),
        submit=SUBMIT,
        cancel=CANCEL,
        errors=("入力内容を確認してください（1件）。",),
        field_errors={"contact": "長すぎます（200文字まで）。"},
    ),
    HomeView(
        title="山田 花子 さんのホーム",
        sections=(FactCard("私の状況", lines=("利用前の確認が済んでいません。",), tone="warn"),),
        actions=(Button("menu:entry_check", "入力してよいか確認", "primary"),),
    ),
]


@pytest.mark.parametrize("reply", EVERY_KIND, ids=lambda r: type(r).__name__)
def test_every_reply_comes_back_the_same_from_its_stored_json(reply: Reply) -> None:
    stored = json.loads(json.dumps(reply.to_dict(), ensure_ascii=False))
    assert from_dict(stored) == reply


def test_a_question_keeps_its_answers_apart_from_its_navigation() -> None:
    question = EVERY_KIND[3]
    assert isinstance(question, Choices)
    data = question.to_dict()
    assert len(data["answers"]) == 40  # a renderer can make these one select menu
    assert [b["label"] for b in data["navigation"]] == ["戻る", "中止"]
    # Readers of the first version still find every button in one list, answers first.
    assert [b["id"] for b in data["buttons"]][-2:] == ["f:3:back", "f:3:cancel"]
    assert len(question.buttons) == 42


def test_the_first_version_s_shape_still_builds_and_reads() -> None:
    built = Choices("続けますか？", (Button("a", "はい"), Button("b", "いいえ")))
    assert [b.label for b in built.answers] == ["はい", "いいえ"]
    assert built.navigation == ()

    old_question = {
        "type": "choices",
        "text": "続けますか？",
        "buttons": [{"id": "a", "label": "はい"}],
    }
    assert from_dict(old_question) == Choices("続けますか？", (Button("a", "はい"),))
    old_card = {"type": "card", "title": "受付", "facts": [], "lines": ["x"], "buttons": []}
    assert from_dict(old_card) == FactCard("受付", lines=("x",))
    old_form = {
        "type": "form",
        "title": "t",
        "inputs": [{"key": "k", "label": "l", "kind": "text", "required": True}],
        "submit": {"id": "s", "label": "送信"},
        "cancel": {"id": "c", "label": "中止"},
        "errors": ["氏名: 必須です"],
    }
    form = from_dict(old_form)
    assert isinstance(form, FormView)
    assert form.errors == ("氏名: 必須です",)
    assert form.field_errors == {}
    assert form.inputs[0].max_length is None


def test_visibility_and_replacement_are_written_only_when_set() -> None:
    assert Text("こんにちは").to_dict() == {"type": "text", "text": "こんにちは"}
    assert Text("x", private=True, replaces="r1").to_dict() == {
        "type": "text",
        "text": "x",
        "private": True,
        "replaces": "r1",
    }


def test_long_content_stays_whole_in_the_vocabulary() -> None:
    long = "あ" * 10_000  # a renderer splits this to its platform's limit, not the dialog
    assert from_dict(Text(long).to_dict()) == Text(long)


def test_ticked_values_are_joined_and_split_back() -> None:
    assert join_values(["handover", "", "deepseek"]) == "handover,deepseek"
    assert split_values(" handover, deepseek ,") == ["handover", "deepseek"]
