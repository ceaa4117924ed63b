"""Every reply kind as Block Kit, within Block Kit's limits however long the content."""

from __future__ import annotations

import json

from bot.channels.slack.renderer import (
    escape,
    form_values,
    joined,
    modal_errors,
    render_messages,
    render_modal,
)
from dialogs.ui import (
    Button,
    Choices,
    Fact,
    FactCard,
    FormInput,
    FormView,
    HomeView,
    Option,
    Text,
)
from tests.bot.channels.slack.block_kit import problems, view_problems

LONG = "長い文章です。" * 2000  # 14,000 characters
MARKUP = "<!channel> <@U123> <https://evil.example|click> & more"


def all_text(messages: list[dict[str, object]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def test_long_text_is_split_into_sections_and_messages_within_limits() -> None:
    messages = render_messages([Text(LONG * 12)])  # 168,000 characters: over 50 sections
    assert len(messages) > 1
    for message in messages:
        assert problems(message["blocks"]) == []
    shown = "".join(b["text"]["text"] for m in messages for b in m["blocks"])
    assert shown == LONG * 12  # split, nothing lost


def test_text_typed_by_a_person_cannot_mention_or_format() -> None:
    [message] = render_messages([Text(MARKUP)])
    shown = message["blocks"][0]["text"]["text"]
    assert shown == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; more"
    assert "<" not in message["text"]
    assert escape("a&b") == "a&amp;b"


def test_a_few_answers_are_buttons_and_many_are_select_menus() -> None:
    few = Choices("どれですか？", tuple(Button(f"a:{i}", f"答え{i}") for i in range(3)))
    [message] = render_messages([few])
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [e["type"] for e in actions["elements"]] == ["button"] * 3
    assert [e["value"] for e in actions["elements"]] == ["a:0", "a:1", "a:2"]

    many = Choices("所属は？", tuple(Button(f"d:{i}", f"課{i}" * 50) for i in range(250)))
    [message] = render_messages([many])
    assert problems(message["blocks"]) == []
    selects = [b["elements"][0] for b in message["blocks"] if b["type"] == "actions"]
    assert [len(s["options"]) for s in selects] == [100, 100, 50]
    assert all(len(o["text"]["text"]) <= 75 for s in selects for o in s["options"])


def test_many_buttons_with_long_ids_stay_buttons_in_rows_of_25() -> None:
    buttons = tuple(Button("x" * 200 + str(i), "押す" * 100) for i in range(60))
    [message] = render_messages([Choices("?", buttons)])
    assert problems(message["blocks"]) == []
    rows = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [len(r["elements"]) for r in rows] == [25, 25, 10]
    assert rows[0]["elements"][0]["text"]["text"].endswith("…")


def test_a_fact_card_has_a_header_fields_and_lines() -> None:
    card = FactCard(
        title="Copilot への入力 — 入力できません" * 10,
        facts=tuple(Fact(f"項目{i}", MARKUP + LONG[:3000]) for i in range(23)),
        lines=("・理由", LONG),
        tone="bad",
        buttons=(Button("menu:help", "使い方"),),
    )
    messages = render_messages([card])
    for message in messages:
        assert problems(message["blocks"]) == []
    blocks = [b for m in messages for b in m["blocks"]]
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"].startswith(":no_entry: Copilot")
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 10, 3]
    assert "<!channel>" not in all_text(messages)


def _form(errors: tuple[str, ...] = ()) -> FormView:
    return FormView(
        title="生成AIのリスクケースの報告（とても長い題名）",
        inputs=(
            FormInput("name", "氏名", "text", True, value="山田 花子"),
            FormInput(
                "division",
                "所属",
                "choice",
                True,
                value="d2",
                options=tuple(Option(f"d{i}", f"課{i}") for i in range(140)),
            ),
            FormInput("what", "内容", "longtext", False, value=LONG),
            FormInput("on", "発生日", "date", False, value="2026-11-30"),
        ),
        submit=Button("f:7:values", "確認へ進む（長いラベルです）", "primary"),
        cancel=Button("f:7:cancel", "中止", "danger"),
        errors=errors,
    )


def test_a_form_as_a_modal_within_limits_and_prefilled() -> None:
    view = render_modal(_form(), {"submit": "f:7:values", "channel": "D1"})
    assert view_problems(view) == []
    assert len(view["title"]["text"]) <= 24
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert by_block["in:name"]["element"]["initial_value"] == "山田 花子"
    assert by_block["in:division"]["element"]["initial_option"]["value"] == "d2"
    assert len(by_block["in:division"]["element"]["options"]) == 100
    assert by_block["in:what"]["element"]["multiline"] is True
    assert by_block["in:on"]["element"]["initial_date"] == "2026-11-30"
    assert json.loads(view["private_metadata"])["submit"] == "f:7:values"


def test_a_form_with_many_inputs_keeps_to_a_modals_100_blocks() -> None:
    inputs = tuple(FormInput(f"k{i}", f"項目{i}", "text", False) for i in range(130))
    form = FormView("多い", inputs, Button("f:1:values", "送信"), Button("f:1:cancel", "中止"))
    assert view_problems(render_modal(form, {})) == []


def test_errors_are_keyed_by_the_block_of_their_field() -> None:
    form = _form(("所属: 一覧から選んでください", "氏名: 入力してください", "全体の問題"))
    assert modal_errors(form) == {
        "in:division": "一覧から選んでください",
        "in:name": "入力してください / 全体の問題",
    }


def test_a_form_in_a_message_has_inputs_and_its_values_come_back() -> None:
    [message] = render_messages([_form(("氏名: 入力してください",))])
    assert problems(message["blocks"]) == []
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds[0] == "header" and "input" in kinds and kinds[-1] == "actions"
    state = {
        "in:name": {"value": {"type": "plain_text_input", "value": "山田"}},
        "in:division": {"value": {"type": "static_select", "selected_option": {"value": "d3"}}},
        "in:on": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "other": {"x": {"value": "ignored"}},
    }
    assert form_values(state) == {"name": "山田", "division": "d3", "on": "2026-12-01"}


def test_several_replies_on_one_surface_have_distinct_action_ids() -> None:
    replies = [
        Choices("a", (Button("1", "一"), Button("2", "二"))),
        Choices("b", (Button("3", "三"),)),
    ]
    blocks = joined(replies)
    assert problems(blocks, surface="home") == []


def test_a_home_view_is_a_header_its_cards_and_its_actions_within_limits() -> None:
    cards = tuple(
        FactCard(f"報告 {n}", tuple(Fact(f"RC-{i}", MARKUP) for i in range(15)), lines=(LONG,))
        for n in range(8)
    )
    home = HomeView(
        "山田 花子 さん", cards, tuple(Button(f"menu:{i}", "操作" * 50) for i in range(4))
    )
    messages = render_messages([home])
    assert len(messages) > 1  # split, not cut off
    for message in messages:
        assert problems(message["blocks"]) == []
    blocks = [b for m in messages for b in m["blocks"]]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "山田 花子 さん", "emoji": True},
    }
    assert "&lt;!channel&gt;" in all_text(messages) and "<!channel>" not in all_text(messages)
    assert [b["type"] for b in blocks].count("actions") == 1
