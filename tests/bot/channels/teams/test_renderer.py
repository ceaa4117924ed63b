"""Every reply kind as Teams shows it: Adaptive Cards 1.5 within Teams' size limit."""

from __future__ import annotations

import json

import pytest

from bot.channels.teams.renderer import CARD_TYPE, MAX_BYTES, render, size_of
from dialogs.catalog import Catalogs
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
    Text,
)

WORDS = Catalogs().for_locale("ja")
LIMIT = 28 * 1024


def content(activity: dict) -> dict:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == CARD_TYPE
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def test_a_button_is_action_execute_falling_back_to_action_submit_with_the_same_data() -> None:
    [activity] = render(Choices("続けますか？", (Button("go", "はい", "primary"),)), WORDS)
    [execute] = content(activity)["actions"]
    assert execute["type"] == "Action.Execute" and execute["verb"] == "go"
    assert execute["style"] == "positive"
    fallback = execute["fallback"]
    assert fallback["type"] == "Action.Submit"
    assert (
        fallback["data"]
        == execute["data"]
        == {"action": "go", "label": "はい", "q": "続けますか？"}
    )


def test_many_answers_become_one_choice_set_and_a_send_button() -> None:
    buttons = tuple(Button(f"b{i}", f"答え{i}") for i in range(9))
    [activity] = render(Choices("どれですか？", buttons), WORDS)
    card = content(activity)
    [choice_set] = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert [c["value"] for c in choice_set["choices"]] == [b.id for b in buttons]
    [send] = card["actions"]
    assert send["data"]["action"] == "choice" and send["title"] == "選ぶ"


def test_a_verdict_is_a_fact_set_in_its_tone() -> None:
    verdict = FactCard(
        "入力できません",
        facts=(Fact("システム", "Copilot"), Fact("分類", "機密性2")),
        lines=("・理由",),
        tone="bad",
    )
    [activity] = render(verdict, WORDS)
    body = content(activity)["body"]
    assert body[0]["inlines"][0]["color"] == "Attention"
    [facts] = [e for e in body if e["type"] == "FactSet"]
    assert facts["facts"][0] == {"title": "システム", "value": "Copilot"}


def test_typed_text_is_never_markdown_or_a_mention() -> None:
    typed = "<at>全員</at> **太字** [link](https://evil.example)"
    [message] = render(Text(typed), WORDS)
    assert message == {"type": "message", "text": typed, "textFormat": "plain"}
    [card] = render(FactCard("t", facts=(Fact("内容", typed),), lines=(typed,)), WORDS)
    body = content(card)["body"]
    assert body[-1] == {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": typed}]}
    value = next(e for e in body if e["type"] == "FactSet")["facts"][0]["value"]
    assert "**" not in value and "\\*\\*" in value and "\\[link\\]" in value


def test_a_form_has_labelled_inputs_its_values_and_its_errors_in_red() -> None:
    form = FormView(
        "報告",
        inputs=(
            FormInput("contact", "連絡先", "text", True, value="内線3456"),
            FormInput("what", "内容", "longtext", True),
            FormInput("on", "発生日", "date", False, hint="例: 2026-11-28"),
            FormInput("kind", "種類", "choice", True, options=(Option("a", "A"), Option("b", "B"))),
        ),
        submit=Button("f:1:values", "確認へ進む", "primary"),
        cancel=Button("f:1:cancel", "中止", "danger"),
        errors=("発生日: 日付として読み取れませんでした。",),
    )
    [activity] = render(form, WORDS)
    card = content(activity)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert inputs["contact"]["value"] == "内線3456" and inputs["contact"]["isRequired"]
    assert inputs["what"]["isMultiline"] is True
    assert inputs["on"]["type"] == "Input.Date"
    assert [c["value"] for c in inputs["kind"]["choices"]] == ["a", "b"]
    red = [e for e in card["body"] if e["type"] == "RichTextBlock" and "color" in e["inlines"][0]]
    assert red[0]["inlines"][0]["text"].startswith("発生日:")
    submit, cancel = card["actions"]
    assert "associatedInputs" not in submit  # the inputs go with it
    assert cancel["associatedInputs"] == "none"


@pytest.mark.parametrize(
    "reply",
    [
        Text("あ" * 40_000),
        Choices("問" * 30_000, tuple(Button(f"b{i}", "選" * 300) for i in range(40))),
        FactCard("長い報告", facts=tuple(Fact(f"項目{i}", "値" * 3_000) for i in range(30))),
        FactCard("行の多い報告", lines=tuple("行" * 500 for _ in range(200))),
        FormView(
            "長いフォーム",
            inputs=tuple(
                FormInput(f"k{i}", "ラベル" * 50, "longtext", True, "値" * 3000) for i in range(20)
            ),
            submit=Button("s", "送信"),
            cancel=Button("c", "中止"),
        ),
        HomeView(
            "ホーム" * 100,
            sections=tuple(
                FactCard(f"節{i}", facts=tuple(Fact(f"RC-{j}", "値" * 800) for j in range(10)))
                for i in range(4)
            ),
            actions=tuple(Button(f"menu:{i}", "操作" * 20) for i in range(4)),
        ),
        FactCard(
            "リンクの多い回答",
            lines=tuple("説明" * 900 for _ in range(12)),
            links=tuple(
                Link("手引き" * 30, f"https://example.jp/{'a' * 900}/{i}") for i in range(6)
            ),
            buttons=(Button("ok", "わかった"),),
        ),
    ],
    ids=["text", "choices", "facts", "lines", "form", "home", "links"],
)
def test_every_reply_kind_stays_within_the_teams_limit_split_not_lost(reply) -> None:
    activities = render(reply, WORDS)
    assert all(size_of(a) <= MAX_BYTES < LIMIT for a in activities)
    whole = json.dumps(activities, ensure_ascii=False)
    if isinstance(reply, Text):
        assert "".join(a["text"] for a in activities) == reply.text  # split, nothing lost
    else:
        cards = [content(a) for a in activities]
        if (
            reply.to_dict().get("buttons")
            or reply.to_dict().get("actions")
            or isinstance(reply, FormView)
        ):
            assert "actions" in cards[-1]  # the buttons come last, after all the content
            assert all("actions" not in c for c in cards[:-1])
        assert reply.to_dict()["title" if "title" in reply.to_dict() else "text"][:50] in whole


def test_the_home_view_shows_standing_and_reports_as_facts_with_quick_actions() -> None:
    home = HomeView(
        "山田 花子 さんのホーム",
        sections=(
            FactCard("利用前の確認", lines=("まだです",), tone="warn"),
            FactCard("未完了の報告 1件", facts=(Fact("RC-2026-0001", "受付済み"),)),
        ),
        actions=(Button("menu:pre_use", "利用開始", "primary"), Button("menu:check", "確認")),
    )
    [activity] = render(home, WORDS)
    card = content(activity)
    texts = json.dumps(card["body"], ensure_ascii=False)
    assert "山田 花子 さんのホーム" in texts and "まだです" in texts
    [facts] = [e for e in card["body"] if e["type"] == "FactSet"]
    assert facts["facts"] == [{"title": "RC-2026-0001", "value": "受付済み"}]
    assert [a["verb"] for a in card["actions"]] == ["menu:pre_use", "menu:check"]


def test_links_open_in_the_browser_and_only_web_addresses_become_links() -> None:
    answer = FactCard(
        "Copilot の手引き",
        lines=("詳しくは下のリンクから。",),
        links=(
            Link("操作マニュアル", "https://example.jp/manual"),
            Link("x", "javascript:alert(1)"),
        ),
        buttons=(Button("ok", "わかった"),),
    )
    [activity] = render(answer, WORDS)
    card = content(activity)
    [links] = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert links["actions"] == [
        {"type": "Action.OpenUrl", "title": "操作マニュアル", "url": "https://example.jp/manual"}
    ]
    assert [a["verb"] for a in card["actions"]] == ["ok"]  # the button keeps its place


def test_checkboxes_are_a_multi_select_and_a_single_box_is_a_toggle() -> None:
    form = FormView(
        "研修",
        inputs=(
            FormInput(
                "topics",
                "受講した内容",
                "multichoice",
                True,
                value="a,c",
                options=(Option("a", "入力禁止情報"), Option("b", "著作権"), Option("c", "確認")),
            ),
            FormInput("agree", "同意", "multichoice", True, options=(Option("yes", "同意します"),)),
        ),
        submit=Button("f:2:values", "送信", "primary"),
        cancel=Button("f:2:cancel", "中止"),
    )
    [activity] = render(form, WORDS)
    inputs = {e["id"]: e for e in content(activity)["body"] if e["type"].startswith("Input.")}
    assert inputs["topics"]["type"] == "Input.ChoiceSet" and inputs["topics"]["isMultiSelect"]
    assert inputs["topics"]["value"] == "a,c"  # Teams sends the ticked values joined by ","
    assert inputs["agree"]["type"] == "Input.Toggle"
    assert (inputs["agree"]["valueOn"], inputs["agree"]["valueOff"]) == ("yes", "")
