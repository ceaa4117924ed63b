"""A form as one Adaptive Card: its submission runs the same validation as the step-by-step
path, and errors come back on the card."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.channels.teams.conftest import YAMADA, Server, TeamsPerson
from tests.bot.channels.teams.farend import FarEnd, card_of


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


def inputs_of(person: TeamsPerson) -> dict[str, dict[str, Any]]:
    for posted in reversed(person.replies):
        card = card_of(posted.activity) or {}
        found = {e["id"]: e for e in card.get("body", ()) if e["type"].startswith("Input.")}
        if found:
            return found
    raise AssertionError(f"no form card in:\n{person.text}")


async def test_a_form_card_with_a_bad_date_comes_back_with_the_error_and_the_values(
    yamada: TeamsPerson,
) -> None:
    await yamada.say("報告したい")
    await yamada.choose("フォームでまとめて入力")
    inputs = inputs_of(yamada)
    dates = [key for key, element in inputs.items() if element["type"] == "Input.Date"]
    assert dates, inputs
    assert inputs["division"]["type"] == "Input.ChoiceSet"
    values = {key: element.get("value", "") for key, element in inputs.items()}
    values.update({"division": "税務課", "contact": "内線3456", dates[0]: "いつか"})
    [submit] = [a for _, a in yamada._latest_actions() if a.get("style") == "positive"]
    await yamada.press(submit["title"], values)
    assert "発生日: 日付として読み取れませんでした。" in yamada.text
    card = next(card_of(p.activity) for p in yamada.replies if card_of(p.activity))
    shown_in_red = [
        b["inlines"][0]["text"]
        for b in card["body"]
        if b["type"] == "RichTextBlock" and b["inlines"][0].get("color") == "Attention"
    ]
    assert any(line.startswith("発生日:") for line in shown_in_red)
    # What she had typed is kept in the card she corrects.
    again = inputs_of(yamada)
    assert again["contact"]["value"] == "内線3456"
    assert again[dates[0]]["value"] == "いつか"

    # Corrected and complete: the same validation lets it through to the confirmation.
    for key, element in again.items():
        if element["type"] == "Input.ChoiceSet":
            values[key] = element["choices"][0]["value"]
        elif element["type"] == "Input.Date":
            values[key] = "2026-11-28"
        elif not values.get(key):
            values[key] = "案内文の下書きに不適切な表現があった"
    values["division"] = "税務課"
    [submit] = [a for _, a in yamada._latest_actions() if a.get("style") == "positive"]
    await yamada.press(submit["title"], values)
    assert "の内容を確認してください" in yamada.text, yamada.text
