"""The manifest a workspace admin pastes declares exactly what the code listens to."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

from bot.channels.slack import PATHS, listeners
from tests.conftest import REPO

MANIFEST = yaml.safe_load((REPO / "manifest/slack/manifest.yml").read_text(encoding="utf-8"))
SOURCE = Path(listeners.__file__).read_text(encoding="utf-8")
# bolt's "message" listener receives these subscriptions (the DM, and channel threads)
MESSAGE_EVENTS = {"message.im", "message.channels", "message.groups"}


def listened(kind: str) -> set[str]:
    return set(re.findall(rf'@app\.{kind}\("([^"]+)"\)', SOURCE))


def test_every_event_listened_to_is_subscribed_and_the_other_way_round() -> None:
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    in_code = set()
    for event in listened("event"):
        in_code |= MESSAGE_EVENTS if event == "message" else {event}
    assert subscribed == in_code
    assert subscribed == set(listeners.EVENTS)


def test_the_slash_command_and_its_url() -> None:
    commands = {c["command"]: c for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == listened("command") == set(listeners.COMMANDS)
    assert urlparse(commands["/aiguide"]["url"]).path == "/slack/commands"


def test_interactivity_is_on_for_the_buttons_and_the_modal() -> None:
    assert "@app.action(" in SOURCE
    assert re.search(r"@app\.view\(FORM_CALLBACK\)", SOURCE)
    assert re.search(r"@app\.view_closed\(FORM_CALLBACK\)", SOURCE)
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert urlparse(interactivity["request_url"]).path == "/slack/interactions"


def test_the_request_urls_are_the_routes_the_bot_serves() -> None:
    events = MANIFEST["settings"]["event_subscriptions"]["request_url"]
    served = {
        urlparse(events).path,
        urlparse(MANIFEST["settings"]["interactivity"]["request_url"]).path,
        urlparse(MANIFEST["features"]["slash_commands"][0]["url"]).path,
    }
    assert served == set(PATHS)
    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert urlparse(redirect).path == "/slack/oauth_redirect"


def test_the_scopes_are_the_ones_the_install_flow_asks_for() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(listeners.BOT_SCOPES)


def test_app_home_with_its_messages_tab() -> None:
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert home["messages_tab_read_only_enabled"] is False  # people type to the bot there
    assert MANIFEST["settings"]["socket_mode_enabled"] is False  # HTTP by default
