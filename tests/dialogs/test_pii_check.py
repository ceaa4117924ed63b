"""「このテキストを確認」: findings with masked excerpts, a masked text, and nothing kept."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import inspect, text

from bot.runtime import Runtime
from tests.chat import Chat

PASTED = "山田太郎様（090-1234-5678、taro.yamada@example.jp）の生活保護の相談記録を要約してください"


async def _everything_stored(runtime: Runtime) -> str:
    """Every row of every table, as text."""
    async with runtime.engine.connect() as conn:
        tables = await conn.run_sync(
            lambda sync: inspect(sync).get_table_names(schema=runtime.settings.database_schema)
        )
        rows = []
        for table in tables:
            result = await conn.execute(text(f'SELECT * FROM "{table}"'))
            rows += [repr(tuple(row)) for row in result]
    return "\n".join(rows)


async def test_a_pasted_text_is_checked_masked_and_never_stored_or_logged(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat = Chat(runtime)
    await chat.say("このテキストを確認")
    assert "文章は保存も記録もしません" in chat.text

    await chat.say(PASTED)
    said = chat.text
    assert "見つかりました" in said
    assert "電話番号: 090-" in said and "5678" not in said.split("伏せ字")[0]
    assert "要配慮個人情報" in said
    masked = chat.last[-1].to_dict()["text"]
    assert "090-1234-5678" not in masked
    assert "taro.yamada@example.jp" not in masked
    assert "［電話番号］" in masked and "［メールアドレス］" in masked
    assert masked.endswith("の相談記録を要約してください")

    stored = await _everything_stored(runtime)
    logged = caplog.text
    for secret in (PASTED, "090-1234-5678", "taro.yamada@example.jp", "山田太郎"):
        assert secret not in stored
        assert secret not in logged

    await chat.say("メニュー")  # the next message is an ordinary one again
    assert "プロフィール登録" in chat.labels


async def test_a_text_with_nothing_personal_says_so_with_the_lowest_class(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.press_menu("pii_check")
    await chat.say("来月の広報紙の見出し案を三つ考えてください")
    assert "見つかりませんでした（目安は機密性1）" in chat.text


async def test_the_check_can_be_cancelled(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("このテキストを確認")
    await chat.say("やめる")
    assert chat.text == "テキストの確認をやめました。"
    await chat.say("やめる")
    assert "途中の入力はありません" in chat.text  # not waiting for a text any more


async def test_sensitive_words_about_a_topic_warn_without_making_it_personal(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.complete_pre_use()
    await chat.press_menu("pii_check")
    await chat.say("生活保護制度の概要を説明してください")
    assert "要配慮個人情報: " in chat.text
    assert "目安は機密性2以上" in chat.text  # not 3C: no one is identified

    await chat.say("生活保護制度の概要をCopilotに入れていい？")
    assert "個人情報（氏名・住所・電話番号など）は含まれますか？" in chat.text  # asked, not assumed


async def test_a_repeated_sentence_is_one_finding_with_its_count_and_the_limit_is_said(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime)
    await chat.say("このテキストを確認")
    assert "（4000文字まで）" in chat.text  # the limit the router enforces, said up front

    await chat.say("\n".join(["担当は山田太郎様です。"] * 150))
    findings = [line for line in chat.text.splitlines() if line.startswith("・氏名")]
    assert len(findings) == 1
    assert findings[0].endswith("（150 か所）")


@pytest.mark.parametrize(
    "request_words",
    [
        "このテキストを確認:",
        "個人情報チェック：",
        "この文章に個人情報がないか見て\n",
        "check this text:",
    ],
)
async def test_a_text_sent_with_the_request_is_checked_at_once_and_never_stored(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, request_words: str
) -> None:
    caplog.set_level(logging.DEBUG)
    chat = Chat(runtime)
    await chat.say(request_words + " " + PASTED)
    assert "見つかりました" in chat.text
    masked = chat.last[-1].to_dict()["text"]
    assert "090-1234-5678" not in masked and "［電話番号］" in masked

    # Nothing is awaited: the next message is an ordinary one, not a text to check.
    await chat.say("報告したい")
    assert "リスクケースの報告" in chat.text and "見つかりませんでした" not in chat.text
    stored, logged = await _everything_stored(runtime), caplog.text
    for secret in ("090-1234-5678", "山田太郎"):
        assert secret not in stored and secret not in logged


async def test_a_request_alone_still_asks_for_the_text(runtime: Runtime) -> None:
    chat = Chat(runtime)
    await chat.say("このテキストを確認して")
    assert "貼り付けてください" in chat.text
