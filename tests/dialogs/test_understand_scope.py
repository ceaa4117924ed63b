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
    "typed",
    [
        "ノートパソコンの電源が入らないです",  # the IT helpdesk's, not a generative-AI risk case
        "プリンタの紙詰まりで印刷が止まった",
        "メールのパスワードを再発行してほしい",
        "管理者に佐藤さんを加えてください",  # an admin change: typed as `admin add`, not guessed
    ],
)
async def test_what_only_looks_like_a_request_starts_no_form(runtime: Runtime, typed: str) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.say(typed)
    assert NOT_UNDERSTOOD in chat.text, chat.text
    assert REPORT_STARTED not in chat.text


@pytest.mark.parametrize(
    "typed",
    ["Copilotが間違った答えを出してしまいました", "AIの出力をそのまま住民に送ってしまった"],
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
