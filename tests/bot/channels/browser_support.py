"""What the browser test needs around the page: the real server, Debian's Chromium, waits.

The real server (`python -m bot serve`) runs on a free port against a fresh SQLite database.
Chromium and chromedriver must come from Debian (`apt install chromium chromium-driver`); the
test never downloads a browser or a driver, and it fails rather than skips when they are
missing, so a CI image without them cannot pass silently.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
# One picture per main screen, for a reviewer to look at (var/ is not committed).
SCREENSHOTS = Path(os.environ.get("AIGUIDE_SCREENSHOT_DIR") or REPO / "var" / "screenshots")


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


@contextmanager
def running_server(tmp: Path, env: dict[str, str]) -> Iterator[str]:
    """`python -m bot serve` on a free loopback port with `env`; its base URL."""
    port = _free_port()
    log = tmp / "server.log"
    base = f"http://127.0.0.1:{port}"
    full = {**os.environ, **env, "AIGUIDE_PORT": str(port), "AIGUIDE_HOST": "127.0.0.1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=REPO,
            env=full,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, base, log)
        yield base
    finally:
        _stop(process)


def serve_city(tmp: Path, database_url: str) -> Iterator[str]:
    """The server of the browser tests: a city of 40 divisions, delivering notices every
    second (the page shows them as they come). A generator, for a module's fixture."""
    env = {
        "AIGUIDE_DATABASE_URL": database_url,
        "AIGUIDE_MUNICIPALITY_FILE": str(with_many_divisions(tmp, 40)),
        "AIGUIDE_TICK_SECONDS": "1",
    }
    with running_server(tmp, env) as base:
        yield base


def browser_session(tmp_path: Path) -> Iterator[WebDriver]:
    """A fresh browser profile for one test; the page must not trip its CSP meanwhile."""
    driver = start_browser(tmp_path / "chromium-profile")
    try:
        yield driver
        assert csp_violations(driver) == []
    finally:
        driver.quit()


def api_get(base: str, path: str) -> Any:
    """GET one of the page's API calls as the page makes it: with the token of its page."""
    with urllib.request.urlopen(f"{base}/", timeout=5) as page:
        html = page.read().decode()
    token = html.split('name="aiguide-token" content="', 1)[1].split('"', 1)[0]
    request = urllib.request.Request(f"{base}{path}", headers={"X-Aiguide-Token": token})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


# ---- the browser -----------------------------------------------------------------------------


def start_browser(profile: Path) -> WebDriver:
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
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path keeps selenium-manager (which would download one) from running.
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def screenshot(driver: WebDriver, name: str, tmp_path: Path) -> None:
    """The screen as it is, in the test's folder and in var/screenshots/ for review."""
    driver.save_screenshot(str(tmp_path / name))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))


def csp_violations(driver: WebDriver) -> list[str]:
    """What the browser's console said about the Content-Security-Policy."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


# ---- waiting for the page --------------------------------------------------------------------


def wait(driver: WebDriver) -> WebDriverWait:
    # A question answered is replaced in the page, so an element found a moment ago may be
    # gone when it is looked at: look again rather than fail.
    return WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))


def bot_says(driver: WebDriver, fragment: str) -> WebElement:
    """Wait for the bot's latest bubble group in the conversation to contain `fragment`."""

    def latest(d: WebDriver) -> WebElement | bool:
        groups = d.find_elements(By.CSS_SELECTOR, "#conversation .msg-bot:not(.msg-pending)")
        return bool(groups) and fragment in groups[-1].text and groups[-1]

    return wait(driver).until(latest, f"the bot's last message never contained {fragment!r}")


def button(driver: WebDriver, css: str) -> WebElement:
    """Wait for an enabled button in the conversation matching `css`."""

    def enabled(d: WebDriver) -> WebElement | bool:
        found = [
            b for b in d.find_elements(By.CSS_SELECTOR, f"#conversation {css}") if b.is_enabled()
        ]
        return bool(found) and found[-1]

    return wait(driver).until(enabled, f"no enabled button {css}")


def say(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "message")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def choose_persona(driver: WebDriver, persona_id: str) -> None:
    wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#persona option[value="{persona_id}"]'),
        f"persona {persona_id} never appeared in the switcher",
    )
    Select(driver.find_element(By.ID, "persona")).select_by_value(persona_id)


def fill(form: WebElement, name: str, value: str) -> None:
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


def text_of(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text
