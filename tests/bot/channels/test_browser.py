"""The local web chat in a real browser: Debian's headless Chromium driven by selenium.

One server for the module (browser_support.py starts it); each test opens a fresh browser
profile, and takes a screenshot of its main screen (var/screenshots/ and the test's folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.bot.channels.browser_support import (
    api_get,
    bot_says,
    browser_session,
    button,
    choose_persona,
    fill,
    say,
    screenshot,
    serve_city,
    text_of,
    wait,
)

XSS = "<script>window.__xss=1</script><b>bold</b>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("db") / "web.db"
    yield from serve_city(tmp_path_factory.mktemp("web"), f"sqlite+aiosqlite:///{db}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    yield from browser_session(tmp_path)


# ---- the tests -------------------------------------------------------------------------------


def test_page_words_come_from_the_server(server: str, browser: WebDriver) -> None:
    words = api_get(server, "/api/setup?locale=ja")["words"]
    browser.get(server)
    wait(browser).until(lambda d: d.title == words["title"], "the page title never came")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert browser.find_element(By.ID, "send").text == words["send"]
    assert (
        browser.find_element(By.ID, "message").get_attribute("placeholder") == words["placeholder"]
    )
    sato = browser.find_element(By.CSS_SELECTOR, '#persona option[value="sato"]')
    # The role says the role only; the division is said once.
    assert sato.text == "佐藤 健（情報政策課・管理者）"
    yamada = browser.find_element(By.CSS_SELECTOR, '#persona option[value="yamada"]')
    assert yamada.text == "山田 花子（税務課・職員）"


def test_profile_form_in_the_browser(server: str, browser: WebDriver, tmp_path: Path) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "yamada")

        # The page asks for the menu by itself; the profile form starts from it.
        button(browser, '[data-action="menu:profile"]').click()
        bot_says(browser, "1/3")
        name = button(browser, 'button[data-action$=":pick:__default__"]')
        assert name.text == "山田 花子"
        assert name.get_attribute("data-action").startswith("f:")
        name.click()
        bot_says(browser, "2/3")
        say(browser, "税務課")
        bot_says(browser, "3/3")

        # Markup typed by a person is shown as text, never run or parsed.
        say(browser, XSS)
        wait(browser).until(
            lambda d: any(
                m.text == XSS
                for m in d.find_elements(By.CSS_SELECTOR, "#conversation .msg-person .bubble")
            ),
            "the typed markup was not shown literally",
        )
        assert browser.execute_script("return window.__xss") is None
        assert browser.find_elements(By.CSS_SELECTOR, "#conversation b") == []
        bot_says(browser, "連絡先は")  # the contact field rejects it and asks again

        # Another persona has its own conversation; the channels start empty.
        choose_persona(browser, "sato")
        button(browser, '[data-action="menu:profile"]')  # sato's own menu
        conversation = browser.find_element(By.ID, "conversation").text
        assert "税務課" not in conversation
        assert XSS not in conversation
        wait(browser).until(
            lambda d: "まだ投稿はありません。" in d.find_element(By.ID, "channel-policy").text,
            "the policy-division channel never showed its empty state",
        )

        # Switching back shows 山田's conversation again, as she left it.
        choose_persona(browser, "yamada")
        assert XSS in browser.find_element(By.ID, "conversation").text
    finally:
        screenshot(browser, "chat.png", tmp_path)


def test_may_i_enter_this_in_the_browser(server: str, browser: WebDriver, tmp_path: Path) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "tanaka")
        button(browser, '[data-action="menu:entry_check"]')  # the menu offers the check
        question = "住民の氏名と住所をCopilotに入れて要約してもいいですか"
        say(browser, question)
        card = bot_says(browser, "Microsoft 365 Copilot Chat への入力 — 入力できません")
        assert "研修" in card.text  # §3(1)1: not yet trained, so not yet allowed

        # The refusal offers the pre-use confirmations; they are a form like any other.
        button(browser, '[data-action="menu:pre_use"]').click()
        bot_says(browser, "研修を受講した日")
        say(browser, "2026-10-01")
        for _ in range(5):
            button(browser, 'button[data-action$=":pick:confirmed"]').click()
        button(browser, 'button[data-action$=":submit"]').click()
        bot_says(browser, "利用前の確認を記録しました")

        say(browser, question)
        card = bot_says(browser, "Microsoft 365 Copilot Chat への入力 — 入力できません")
        assert "保有個人情報を入力できません。（§3(1)2）" in card.text
        button(browser, '[data-action="menu:entry_check_other_system"]').click()
        bot_says(browser, "どのAIシステムですか？")
        button(browser, '[data-action$=":pick:lgwan-assistant"]').click()
        bot_says(browser, "入力する情報はどれにあたりますか？")
        button(browser, '[data-action$=":pick:2"]').click()
        bot_says(browser, "何に使いますか？")
        button(browser, '[data-action$=":pick:要約"]').click()
        verdict = bot_says(browser, "庁内AIアシスタント への入力 — 条件付きで入力できます")
        assert "必要最小限" in verdict.text
        # The 別表's manual is a link that opens apart from the chat.
        manual = verdict.find_element(By.CSS_SELECTOR, "a.link")
        assert manual.text == "マニュアル"
        assert manual.get_attribute("href") == (
            "https://intra.city.sakura.example.lg.jp/ai/assistant-manual"
        )
        assert (manual.get_attribute("target"), manual.get_attribute("rel")) == (
            "_blank",
            "noopener noreferrer",
        )
    finally:
        screenshot(browser, "entry-check.png", tmp_path)


def test_a_risk_report_reaches_the_policy_thread_and_the_caio(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "yamada")
        button(browser, '[data-action="menu:risk_report"]').click()
        bot_says(browser, "連絡先")
        button(browser, 'button[data-action$=":whole"]').click()  # the whole form at once
        form = wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation form.reply-form")[-1:],
            "the whole form never appeared",
        )[0]
        for name, value in {
            "contact": "内線1234",
            "system": "copilot",
            "detected_on": "2026-11-27",
            "category": "bias",
            "what": "採用案内の文案に性別で役割を決めつける表現が出力された。",
            "entered": "none",
            "impact": "internal",
            "severity": "unsure",
        }.items():
            fill(form, name, value)
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
        bot_says(browser, "の内容を確認してください")
        button(browser, 'button[data-action$=":submit"]').click()
        bot_says(browser, "として情報政策課に報告しました")

        # She is no member of the shared channels: the page says so instead of showing them.
        note = wait(browser).until(
            lambda d: (n := d.find_element(By.ID, "members-only")).is_displayed() and n,
            "the members-only note never showed",
        )
        assert "情報政策課（管理者）とCAIOだけが見られます" in note.text
        assert not browser.find_element(By.ID, "channel-policy").is_displayed()
        assert not browser.find_element(By.ID, "channel-caio").is_displayed()
        screenshot(browser, "staff-view.png", tmp_path)

        # The policy division sees one thread; the CAIO pane shows it too (bias is serious).
        choose_persona(browser, "sato")
        policy = wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#channel-policy .thread"),
            "the report never reached the policy-division channel",
        )
        assert "偏見・差別的な出力（Microsoft 365 Copilot Chat）" in policy[0].text
        assert not browser.find_element(By.ID, "members-only").is_displayed()
        wait(browser).until(
            lambda d: "偏見・差別的な出力" in text_of(d, "channel-caio"),
            "the serious report never reached the CAIO channel",
        )

        # The admin acknowledges from the thread; the acknowledgement is a reply in it.
        ack = wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '#channel-policy [data-action$=":ack"]'),
            "no 受付 button in the thread",
        )[0]
        ack.click()
        wait(browser).until(
            lambda d: (
                "が受付しました"
                in d.find_element(By.CSS_SELECTOR, "#channel-policy .thread-replies").text
            ),
            "the acknowledgement never appeared as a reply in the thread",
        )
        assert len(browser.find_elements(By.CSS_SELECTOR, "#channel-policy .thread")) == 1
        # The card pressed shows where the report stands, without the button just pressed;
        # the buttons that press did not make obsolete stay usable, no reload needed.
        wait(browser).until(
            lambda d: (
                "受付済み・対応中" in d.find_element(By.CSS_SELECTOR, "#channel-policy .post").text
            ),
            "the report card never showed its new status",
        )
        assert not browser.find_elements(By.CSS_SELECTOR, '#channel-policy [data-action$=":ack"]')
        card = browser.find_element(By.CSS_SELECTOR, "#channel-policy .post .card")
        left = {
            b.get_attribute("data-action").rsplit(":", 1)[1]: b.is_enabled()
            for b in card.find_elements(By.CSS_SELECTOR, "button")
        }
        assert left == {"ask": True, "escalate": True, "close": True}
        # Told privately in his own conversation.
        private = bot_says(browser, "を受付しました。報告者に知らせました。")
        tag = private.find_element(By.CSS_SELECTOR, ".reply-private .private-tag")
        assert tag.text == "あなたにだけ表示されています"

        # 追加情報を依頼 asks him what to ask; the card is unchanged, its button usable again.
        card.find_element(By.CSS_SELECTOR, '[data-action$=":ask"]').click()
        bot_says(browser, "報告者に")
        wait(browser).until(
            lambda d: all(
                b.is_enabled()
                for b in d.find_elements(By.CSS_SELECTOR, "#channel-policy .post .card button")
            ),
            "a button of the card stayed disabled after a press that changed nothing on it",
        )
        screenshot(browser, "risk-report.png", tmp_path)
        button(browser, '[data-action$=":cancel"]').click()

        # The reporter is told in her own conversation.
        choose_persona(browser, "yamada")
        bot_says(browser, "が受付しました")
    finally:
        screenshot(browser, "risk-report-reporter.png", tmp_path)


# ---- vocabulary v2 ---------------------------------------------------------------------------


def _replaced(driver: WebDriver, fragment: str) -> WebElement:
    """Wait for a reply that replaced an earlier one and says `fragment`."""

    def found(d: WebDriver) -> WebElement | bool:
        replies = d.find_elements(By.CSS_SELECTOR, "#conversation .reply.replaced")
        matching = [r for r in replies if fragment in r.text]
        return bool(matching) and matching[-1]

    return wait(driver).until(found, f"no replaced reply says {fragment!r}")


def test_forty_divisions_are_one_select_and_answered_questions_become_lines(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "suzuki")
        button(browser, '[data-action="menu:profile"]').click()
        bot_says(browser, "1/3")
        button(browser, 'button[data-action$=":pick:__default__"]').click()

        # The question pressed is replaced by its answer: a line, no buttons left to press.
        first = _replaced(browser, "✔ 鈴木 CAIO")
        assert "1/3 お名前を教えてください。" in first.text
        assert first.find_elements(By.CSS_SELECTOR, "button, select") == []

        # Forty answers are one select; the navigation stays buttons beside it.
        asked = bot_says(browser, "2/3")
        select = wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation select.answers")[-1:],
            "the divisions never came as a select",
        )[0]
        offered = [option.text for option in Select(select).options]
        assert offered[0] == "選んでください"
        # Every division (and the one the directory gives her, offered as one press).
        assert {"情報政策課", "第1課", "第32課"} <= set(offered)
        assert len(offered) >= 1 + 40
        assert asked.find_elements(By.CSS_SELECTOR, '.navigation [data-action$=":back"]')
        assert not asked.find_elements(By.CSS_SELECTOR, 'button[data-action*=":pick:"]')
        Select(select).select_by_visible_text("第4課")
        button(browser, ".answer-select button").click()
        second = _replaced(browser, "✔ 第4課")
        assert "2/3 所属の課を選んでください。" in second.text
        assert second.find_elements(By.CSS_SELECTOR, "button, select") == []
        bot_says(browser, "3/3")
        said = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg-person")
        assert said[-1].text.endswith("第4課")  # what she chose, as her own message
    finally:
        screenshot(browser, "select.png", tmp_path)


def test_a_whole_form_shows_each_error_beside_its_input(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "sato")
        button(browser, '[data-action="menu:profile"]').click()
        bot_says(browser, "1/3")
        button(browser, 'button[data-action$=":whole"]').click()
        form = wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation form.reply-form")[-1:],
            "the whole form never appeared",
        )[0]
        assert form.find_element(By.NAME, "name").get_attribute("maxlength") == "60"
        fill(form, "contact", "よろしく")
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()

        # The form comes back in place of the one sent, the reason under the contact input.
        def invalid(d: WebDriver) -> list[WebElement]:
            return d.find_elements(By.CSS_SELECTOR, "#conversation .field-invalid")

        [field] = wait(browser).until(invalid, "no input was marked as wrong")
        assert field.find_element(By.CSS_SELECTOR, "textarea, input").get_attribute("name") == (
            "contact"
        )
        error = field.find_element(By.CSS_SELECTOR, ".field-error")
        assert error.text.startswith("連絡先は内線番号")
        control = field.find_element(By.NAME, "contact")
        assert control.get_attribute("aria-invalid") == "true"
        assert error.get_attribute("id") in control.get_attribute("aria-describedby").split()
        assert control.get_attribute("value") == "よろしく"  # kept, to be corrected
        assert len(browser.find_elements(By.CSS_SELECTOR, "#conversation form.reply-form")) == 1
    finally:
        screenshot(browser, "field-errors.png", tmp_path)


def test_the_home_panel_shows_where_one_stands_and_its_actions_talk(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        choose_persona(browser, "yamada")
        button(browser, '[data-action="menu:profile"]')  # the conversation has started
        browser.find_element(By.ID, "home-button").click()
        panel = wait(browser).until(
            lambda d: (
                (p := d.find_element(By.ID, "home-panel")).is_displayed()
                and "山田 花子 さんのホーム" in p.text
                and p
            ),
            "the home panel never opened",
        )
        assert "私の状況（利用前の確認）" in panel.text
        assert "対応中の私の報告（" in panel.text
        panel.find_element(By.CSS_SELECTOR, '[data-action="menu:help"]').click()
        bot_says(browser, "生成AI利用ガイドラインのアシスタントです")
        assert not browser.find_element(By.ID, "home-panel").is_displayed()
    finally:
        screenshot(browser, "home.png", tmp_path)
