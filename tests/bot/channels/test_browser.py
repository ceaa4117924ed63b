"""The local web chat in a real browser: Debian's headless Chromium driven by selenium.

The real server (`python -m bot serve`) runs on a free port against a fresh SQLite database.
Chromium and chromedriver must come from Debian (`apt install chromium chromium-driver`); the
test never downloads a browser or a driver, and it fails rather than skips when they are
missing, so a CI image without them cannot pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.towns import with_many_divisions

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 15
SERVER_START_SECONDS = 60
XSS = "<script>window.__xss=1</script><b>bold</b>"


# ---- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_until_healthy(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        if _answers(f"{base}/healthz"):
            return
        time.sleep(0.25)
    pytest.fail(
        f"the server did not answer /healthz in {SERVER_START_SECONDS} s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGTERM is the graceful stop the server promises; kill only if it hangs.
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a freshly started `python -m bot serve`, for a city of 40 divisions."""
    tmp = tmp_path_factory.mktemp("web")
    port = _free_port()
    env = {
        **os.environ,
        "AIGUIDE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/web.db",
        "AIGUIDE_MUNICIPALITY_FILE": str(with_many_divisions(tmp, 40)),
        "AIGUIDE_PORT": str(port),
        "AIGUIDE_HOST": "127.0.0.1",
    }
    log = tmp / "server.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, base, log)
        yield base
    finally:
        _stop(process)


# ---- the browser -----------------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            pytest.fail(
                f"{path} is missing: install Debian's browser and driver with "
                f"`apt-get install chromium chromium-driver` ({package} provides {path}). "
                "This test never downloads a browser or a driver."
            )
    # Without a Japanese font the screenshots show boxes instead of the page's words.
    fonts = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=False)
    if not fonts.stdout.strip():
        pytest.fail(
            "no Japanese font: install one with `apt-get install fonts-ipafont-gothic` "
            "(or fonts-noto-cjk); `make test` does so when run as root."
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1366,900",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    # An explicit driver path keeps selenium-manager (which would download one) from running.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: WebDriver) -> WebDriverWait:
    # A question answered is replaced in the page, so an element found a moment ago may be
    # gone when it is looked at: look again rather than fail.
    return WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))


def _bot_says(driver: WebDriver, fragment: str) -> WebElement:
    """Wait for the bot's latest bubble group in the conversation to contain `fragment`."""

    def latest(d: WebDriver) -> WebElement | bool:
        groups = d.find_elements(By.CSS_SELECTOR, "#conversation .msg-bot:not(.msg-pending)")
        return bool(groups) and fragment in groups[-1].text and groups[-1]

    return _wait(driver).until(latest, f"the bot's last message never contained {fragment!r}")


def _button(driver: WebDriver, css: str) -> WebElement:
    """Wait for an enabled button in the conversation matching `css`."""

    def enabled(d: WebDriver) -> WebElement | bool:
        found = [
            b for b in d.find_elements(By.CSS_SELECTOR, f"#conversation {css}") if b.is_enabled()
        ]
        return bool(found) and found[-1]

    return _wait(driver).until(enabled, f"no enabled button {css}")


def _say(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "message")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def _choose_persona(driver: WebDriver, persona_id: str) -> None:
    _wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#persona option[value="{persona_id}"]'),
        f"persona {persona_id} never appeared in the switcher",
    )
    Select(driver.find_element(By.ID, "persona")).select_by_value(persona_id)


def _save_screenshot(driver: WebDriver, path: Path) -> None:
    driver.save_screenshot(str(path))
    target = os.environ.get("AIGUIDE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


# ---- the tests -------------------------------------------------------------------------------


def test_page_words_come_from_the_server(server: str, browser: WebDriver) -> None:
    with urllib.request.urlopen(f"{server}/api/setup?locale=ja", timeout=5) as response:
        words = json.load(response)["words"]
    browser.get(server)
    _wait(browser).until(lambda d: d.title == words["title"], "the page title never came")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    assert browser.find_element(By.ID, "send").text == words["send"]
    assert (
        browser.find_element(By.ID, "message").get_attribute("placeholder") == words["placeholder"]
    )
    sato = browser.find_element(By.CSS_SELECTOR, '#persona option[value="sato"]')
    assert sato.text == f"佐藤 健（情報政策課・{words['persona_admin']}）"


def test_profile_form_in_the_browser(server: str, browser: WebDriver, tmp_path: Path) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "yamada")

        # The page asks for the menu by itself; the profile form starts from it.
        _button(browser, '[data-action="menu:profile"]').click()
        _bot_says(browser, "1/3")
        name = _button(browser, 'button[data-action$=":pick:__default__"]')
        assert name.text == "山田 花子"
        assert name.get_attribute("data-action").startswith("f:")
        name.click()
        _bot_says(browser, "2/3")
        _say(browser, "税務課")
        _bot_says(browser, "3/3")

        # Markup typed by a person is shown as text, never run or parsed.
        _say(browser, XSS)
        _wait(browser).until(
            lambda d: any(
                m.text == XSS
                for m in d.find_elements(By.CSS_SELECTOR, "#conversation .msg-person .bubble")
            ),
            "the typed markup was not shown literally",
        )
        assert browser.execute_script("return window.__xss") is None
        assert browser.find_elements(By.CSS_SELECTOR, "#conversation b") == []
        _bot_says(browser, "連絡先は")  # the contact field rejects it and asks again

        # Another persona has its own conversation; the channels start empty.
        _choose_persona(browser, "sato")
        _button(browser, '[data-action="menu:profile"]')  # sato's own menu
        conversation = browser.find_element(By.ID, "conversation").text
        assert "税務課" not in conversation
        assert XSS not in conversation
        _wait(browser).until(
            lambda d: "まだ投稿はありません。" in d.find_element(By.ID, "channel-policy").text,
            "the policy-division channel never showed its empty state",
        )

        # Switching back shows 山田's conversation again, as she left it.
        _choose_persona(browser, "yamada")
        assert XSS in browser.find_element(By.ID, "conversation").text
    finally:
        _save_screenshot(browser, tmp_path / "chat.png")


def test_may_i_enter_this_in_the_browser(server: str, browser: WebDriver, tmp_path: Path) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "tanaka")
        _button(browser, '[data-action="menu:entry_check"]')  # the menu offers the check
        question = "住民の氏名と住所をCopilotに入れて要約してもいいですか"
        _say(browser, question)
        card = _bot_says(browser, "Microsoft 365 Copilot Chat への入力 — 入力できません")
        assert "研修" in card.text  # §3(1)1: not yet trained, so not yet allowed

        # The refusal offers the pre-use confirmations; they are a form like any other.
        _button(browser, '[data-action="menu:pre_use"]').click()
        _bot_says(browser, "研修を受講した日")
        _say(browser, "2026-10-01")
        for _ in range(5):
            _button(browser, 'button[data-action$=":pick:confirmed"]').click()
        _button(browser, 'button[data-action$=":submit"]').click()
        _bot_says(browser, "利用前の確認を記録しました")

        _say(browser, question)
        card = _bot_says(browser, "Microsoft 365 Copilot Chat への入力 — 入力できません")
        assert "保有個人情報を入力できません。（§3(1)2）" in card.text
        _button(browser, '[data-action="menu:entry_check_other_system"]').click()
        _bot_says(browser, "どのAIシステムですか？")
        _button(browser, '[data-action$=":pick:lgwan-assistant"]').click()
        _bot_says(browser, "入力する情報はどれにあたりますか？")
        _button(browser, '[data-action$=":pick:2"]').click()
        _bot_says(browser, "何に使いますか？")
        _button(browser, '[data-action$=":pick:要約"]').click()
        verdict = _bot_says(browser, "庁内AIアシスタント への入力 — 条件付きで入力できます")
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
        _save_screenshot(browser, tmp_path / "entry-check.png")


def _fill(form: WebElement, name: str, value: str) -> None:
    """Type into a text field, or pick an option of a select, by the input's name."""
    control = form.find_element(By.NAME, name)
    if control.tag_name == "select":
        Select(control).select_by_value(value)
    elif control.get_attribute("type") == "date":
        # Typing into a date input follows the browser's locale; its value is ISO either way.
        form.parent.execute_script("arguments[0].value = arguments[1]", control, value)
    else:
        control.clear()
        control.send_keys(value)


def test_a_risk_report_reaches_the_policy_thread_and_the_caio(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "yamada")
        _button(browser, '[data-action="menu:risk_report"]').click()
        _bot_says(browser, "連絡先")
        _button(browser, 'button[data-action$=":whole"]').click()  # the whole form at once
        form = _wait(browser).until(
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
            _fill(form, name, value)
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
        _bot_says(browser, "の内容を確認してください")
        _button(browser, 'button[data-action$=":submit"]').click()
        _bot_says(browser, "として情報政策課に報告しました")

        # The policy division sees one thread; the CAIO pane shows it too (bias is serious).
        policy = _wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#channel-policy .thread"),
            "the report never reached the policy-division channel",
        )
        assert "偏見・差別的な出力（Microsoft 365 Copilot Chat）" in policy[0].text
        _wait(browser).until(
            lambda d: "偏見・差別的な出力" in d.find_element(By.ID, "channel-caio").text,
            "the serious report never reached the CAIO channel",
        )

        # The admin acknowledges from the thread; the acknowledgement is a reply in it.
        _choose_persona(browser, "sato")
        ack = _wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '#channel-policy [data-action$=":ack"]'),
            "no 受付 button in the thread",
        )[0]
        ack.click()
        _wait(browser).until(
            lambda d: (
                "が受付しました"
                in d.find_element(By.CSS_SELECTOR, "#channel-policy .thread-replies").text
            ),
            "the acknowledgement never appeared as a reply in the thread",
        )
        assert len(browser.find_elements(By.CSS_SELECTOR, "#channel-policy .thread")) == 1
        # The card pressed shows where the report stands, without the button just pressed.
        _wait(browser).until(
            lambda d: (
                "受付済み・対応中" in d.find_element(By.CSS_SELECTOR, "#channel-policy .post").text
            ),
            "the report card never showed its new status",
        )
        assert not browser.find_elements(By.CSS_SELECTOR, '#channel-policy [data-action$=":ack"]')
        assert browser.find_elements(By.CSS_SELECTOR, '#channel-policy [data-action$=":close"]')

        # The reporter is told in her own conversation.
        _choose_persona(browser, "yamada")
        _bot_says(browser, "が受付しました")

        # A button of the policy division pressed by her is refused to her alone.
        browser.find_element(By.CSS_SELECTOR, '#channel-policy [data-action$=":close"]').click()
        refused = _bot_says(browser, "情報政策課またはCAIOだけが行えます")
        tag = refused.find_element(By.CSS_SELECTOR, ".reply-private .private-tag")
        assert tag.text == "あなたにだけ表示されています"
    finally:
        _save_screenshot(browser, tmp_path / "risk-report.png")


# ---- vocabulary v2 ---------------------------------------------------------------------------


def _replaced(driver: WebDriver, fragment: str) -> WebElement:
    """Wait for a reply that replaced an earlier one and says `fragment`."""

    def found(d: WebDriver) -> WebElement | bool:
        replies = d.find_elements(By.CSS_SELECTOR, "#conversation .reply.replaced")
        matching = [r for r in replies if fragment in r.text]
        return bool(matching) and matching[-1]

    return _wait(driver).until(found, f"no replaced reply says {fragment!r}")


def test_forty_divisions_are_one_select_and_answered_questions_become_lines(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "suzuki")
        _button(browser, '[data-action="menu:profile"]').click()
        _bot_says(browser, "1/3")
        _button(browser, 'button[data-action$=":pick:__default__"]').click()

        # The question pressed is replaced by its answer: a line, no buttons left to press.
        first = _replaced(browser, "✔ 鈴木 CAIO")
        assert "1/3 お名前を教えてください。" in first.text
        assert first.find_elements(By.CSS_SELECTOR, "button, select") == []

        # Forty answers are one select; the navigation stays buttons beside it.
        asked = _bot_says(browser, "2/3")
        select = _wait(browser).until(
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
        _button(browser, ".answer-select button").click()
        second = _replaced(browser, "✔ 第4課")
        assert "2/3 所属の課を選んでください。" in second.text
        assert second.find_elements(By.CSS_SELECTOR, "button, select") == []
        _bot_says(browser, "3/3")
        said = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg-person")
        assert said[-1].text.endswith("第4課")  # what she chose, as her own message
    finally:
        _save_screenshot(browser, tmp_path / "select.png")


def test_a_whole_form_shows_each_error_beside_its_input(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "sato")
        _button(browser, '[data-action="menu:profile"]').click()
        _bot_says(browser, "1/3")
        _button(browser, 'button[data-action$=":whole"]').click()
        form = _wait(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#conversation form.reply-form")[-1:],
            "the whole form never appeared",
        )[0]
        assert form.find_element(By.NAME, "name").get_attribute("maxlength") == "60"
        _fill(form, "contact", "よろしく")
        form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()

        # The form comes back in place of the one sent, the reason under the contact input.
        def invalid(d: WebDriver) -> list[WebElement]:
            return d.find_elements(By.CSS_SELECTOR, "#conversation .field-invalid")

        [field] = _wait(browser).until(invalid, "no input was marked as wrong")
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
        _save_screenshot(browser, tmp_path / "field-errors.png")


def test_the_home_panel_shows_where_one_stands_and_its_actions_talk(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server)
    try:
        _choose_persona(browser, "yamada")
        _button(browser, '[data-action="menu:profile"]')  # the conversation has started
        browser.find_element(By.ID, "home-button").click()
        panel = _wait(browser).until(
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
        _bot_says(browser, "生成AI利用ガイドラインのアシスタントです")
        assert not browser.find_element(By.ID, "home-panel").is_displayed()
    finally:
        _save_screenshot(browser, tmp_path / "home.png")
