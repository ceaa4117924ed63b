"""The web chat across time and languages, in a real browser: the order of the bot's
replies, what a reload shows again (and what arrived meanwhile), and the page's own words in
the person's language. Helpers and the server: browser_support.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.bot.channels.browser_support import (
    REPO,
    api_get,
    bot_says,
    browser_session,
    button,
    choose_persona,
    say,
    screenshot,
    serve_city,
    text_of,
    wait,
)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/web.db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    yield from serve_city(tmp_path_factory.mktemp("web"), database_url)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    yield from browser_session(tmp_path)


def _press(driver: WebDriver, label: str) -> None:
    """Press the latest enabled button in the conversation that reads `label`."""
    found = wait(driver).until(
        lambda d: [
            b
            for b in d.find_elements(By.CSS_SELECTOR, "#conversation button")
            if b.is_enabled() and b.text == label
        ][-1:],
        f"no enabled button {label!r}",
    )
    found[0].click()


def test_a_request_s_result_comes_before_the_offer_to_resume_and_classes_are_described(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "yamada")
        button(browser, '[data-action="menu:profile"]').click()
        bot_says(browser, "/3 ")  # (wherever her profile stood)
        say(browser, "指定申請")  # the profile form waits meanwhile
        bot_says(browser, "1/10")
        for text in ("議事録AI", "サンプル株式会社"):
            say(browser, text)
        _press(browser, "契約によるクラウド")
        _press(browser, "国内")
        say(browser, "議事録の要約")
        # The class question says what each class covers, as the entry check does.
        asked = bot_says(browser, "入力したい情報の機密性は？")
        offered = [b.text for b in asked.find_elements(By.CSS_SELECTOR, ".buttons button")]
        assert "職員限りの内部情報（機密性2）例: 未公開の資料、庁内の打合せメモ" in offered
        assert "2" not in offered and "3A" not in offered
        screenshot(browser, "designation-classes.png", tmp_path)
        _press(browser, "職員限りの内部情報（機密性2）例: 未公開の資料、庁内の打合せメモ")
        _press(browser, "いいえ")
        _press(browser, "わからない")
        _press(browser, "わからない")
        say(browser, "内線4444")
        _press(browser, "送信")

        # The request's own result first, then the offer to go back to the waiting form.
        group = bot_says(browser, "入力が途中です。続けますか？")
        replies = group.find_elements(By.CSS_SELECTOR, ".reply")
        assert "指定申請 DR-" in replies[0].text
        assert replies[-1].text.startswith("「プロフィール登録」の入力が途中です。続けますか？")
        assert all("途中です" not in r.text for r in replies[:-1])
    finally:
        screenshot(browser, "designation-sent.png", tmp_path)


def _publish_minor_version(database_url: str, tmp_path: Path) -> None:
    """`aiguide guideline publish` on the server's database, as the policy division would."""
    args = ["--version", "1.1", "--kind", "minor", "--approver", "情報政策課長"]
    args += ["--effective", "2026-12-01", "--summary", "誤字を直しました"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "guideline", "publish", *args],
        cwd=REPO,
        env={"AIGUIDE_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_reload_shows_the_history_and_what_arrived_while_the_page_was_closed(
    server: str, browser: WebDriver, database_url: str, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "yamada")
        button(browser, '[data-action="menu:profile"]')
        say(browser, "このテキストを確認")
        bot_says(browser, "貼り付けてください")
        say(browser, "高橋誠司様 090-1234-5678")
        bot_says(browser, "電話番号")
        before = text_of(browser, "conversation")

        # The page is closed; meanwhile a new version of the guideline is announced.
        browser.get("about:blank")
        _publish_minor_version(database_url, tmp_path)
        wait(browser).until(
            lambda _: any(
                "Ver1.1" in str(post["body"])
                for post in api_get(server, "/api/inbox/yamada?since=last_turn")["posts"]
            ),
            "the notice never reached yamada's inbox",
        )

        browser.get(server)
        # The same persona, her conversation as it was, then what arrived while away.
        notice = bot_says(browser, "ガイドライン Ver1.1（軽微な修正）のお知らせ")
        assert Select(browser.find_element(By.ID, "persona")).first_selected_option.get_attribute(
            "value"
        ) == ("yamada")
        shown = text_of(browser, "conversation")
        assert "電話番号" in shown
        assert "前回の会話のあとに届いたお知らせ（1 件）" in shown
        assert shown.index("電話番号") < shown.index("前回の会話のあとに届いたお知らせ")
        # What she typed comes back masked: a reload never brings back a phone number.
        assert "090-1234-5678" in before
        assert "090-1234-5678" not in shown
        assert "高橋誠司" not in shown
        said = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg-person .bubble")
        assert [s.text for s in said[-2:]] == ["このテキストを確認", "［氏名］様 ［電話番号］"]
        assert notice.find_elements(By.CSS_SELECTOR, ".reply")  # a bubble of the bot's own
        screenshot(browser, "reload.png", tmp_path)

        # And the page goes on from there: the next message is answered as usual.
        say(browser, "メニュー")
        bot_says(browser, "プロフィール登録")
    finally:
        screenshot(browser, "reload-after.png", tmp_path)


def test_english_switches_the_page_s_own_words_too(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "tanaka")
        assert wait(browser).until(lambda d: text_of(d, "conversation-title") == "会話")
        button(browser, '[data-action="menu:language_en"]').click()
        bot_says(browser, "The display language is now English.")

        def english(d: WebDriver) -> bool:
            return text_of(d, "conversation-title") == "Conversation"

        wait(browser).until(english, "the page's own words stayed Japanese")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert text_of(browser, "send") == "Send"
        assert text_of(browser, "persona-label") == "Speaking as"
        placeholder = browser.find_element(By.ID, "message").get_attribute("placeholder")
        assert placeholder == "Type a message (e.g. menu)"
        assert text_of(browser, "members-only").startswith("Only the policy division")
        tanaka = browser.find_element(By.CSS_SELECTOR, '#persona option[value="tanaka"]')
        assert tanaka.text == "田中 一郎（福祉課・Staff）"
        screenshot(browser, "english.png", tmp_path)

        # Each person's own language: the admin's page is Japanese, channel titles too.
        choose_persona(browser, "sato")
        wait(browser).until(lambda d: text_of(d, "conversation-title") == "会話")
        assert text_of(browser, "policy-title") == "情報政策課チャンネル"
        assert text_of(browser, "send") == "送信"
        choose_persona(browser, "tanaka")
        wait(browser).until(english, "tanaka's page did not come back in English")
    finally:
        # Back to Japanese for the other tests on this server.
        say(browser, "menu")
        button(browser, '[data-action="menu:language_ja"]').click()
        bot_says(browser, "表示言語を日本語にしました。")
