"""Slack settings: none is no Slack; a partial or contradictory set names what to fix."""

from __future__ import annotations

import pytest

from bot.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_without_slack_settings_slack_is_off() -> None:
    settings = _settings()
    assert not settings.slack_enabled
    assert settings.slack_problem() is None


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"slack_bot_token": "xoxb-1"}, "AIGUIDE_SLACK_SIGNING_SECRET"),
        ({"slack_signing_secret": "s"}, "AIGUIDE_SLACK_BOT_TOKEN"),
        ({"slack_signing_secret": "s", "slack_client_id": "1.2"}, "AIGUIDE_SLACK_CLIENT_SECRET"),
        ({"slack_signing_secret": "s", "slack_client_secret": "x"}, "AIGUIDE_SLACK_CLIENT_ID"),
        (
            {
                "slack_signing_secret": "s",
                "slack_bot_token": "xoxb-1",
                "slack_client_id": "1",
                "slack_client_secret": "x",
            },
            "AIGUIDE_SLACK_BOT_TOKEN",
        ),
        ({"slack_signing_secret": "s", "slack_bot_token": "xoxp-1"}, "AIGUIDE_SLACK_BOT_TOKEN"),
        (
            {"slack_bot_token": "xoxb-1", "slack_app_token": "xoxb-2"},
            "AIGUIDE_SLACK_APP_TOKEN",
        ),
        ({"slack_api_url": "http://127.0.0.1:9/api/"}, "AIGUIDE_SLACK_API_URL"),
        (
            {"slack_signing_secret": "s", "slack_bot_token": "xoxb-1", "slack_api_url": "slack"},
            "AIGUIDE_SLACK_API_URL",
        ),
    ],
)
def test_a_partial_or_contradictory_setting_names_the_variable(
    values: dict[str, str], named: str
) -> None:
    problem = _settings(**values).slack_problem()
    assert problem is not None and named in problem


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = _settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    assert settings.slack_problem() is None


def test_a_problem_never_shows_the_secret() -> None:
    problem = _settings(slack_bot_token="xoxb-secret-value").slack_problem()
    assert problem is not None and "xoxb-secret-value" not in problem
