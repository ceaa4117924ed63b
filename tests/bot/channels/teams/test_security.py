"""Who may speak to the bot through /api/messages: only the Bot Connector, with a token."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from storage.db import transaction
from storage.models import ProcessedEvent
from tests.bot.channels.teams.conftest import (
    APP_ID,
    YAMADA,
    Server,
    TeamsPerson,
    serve,
    teams_runtime,
)
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.conftest import Database


@pytest.fixture
def yamada(server: Server, farend: FarEnd) -> TeamsPerson:
    return TeamsPerson(server, farend, YAMADA, "山田 花子")


async def handled_events(server: Server) -> int:
    async with transaction(server.runtime.sessions) as session:
        return len((await session.exec(select(ProcessedEvent))).all())


async def test_a_message_with_a_valid_token_is_answered_with_the_bot_connector_token(
    yamada: TeamsPerson, farend: FarEnd
) -> None:
    response = await yamada.post(yamada.activity(text="ヘルプ"))
    assert response.status == 200
    assert yamada.replies, "the bot answered nothing"
    assert {p.authorization for p in yamada.replies} == {f"Bearer {farend.access_token}"}
    assert all(p.conversation_id == f"a:personal-{YAMADA}" for p in yamada.replies)
    # The token came from Entra through MSAL, for the app's own id and secret.
    [asked] = farend.entra_requests
    assert asked["grant_type"] == "client_credentials"
    assert (asked["client_id"], asked["client_secret"]) == (APP_ID, "app-secret")
    assert "https://api.botframework.com/.default" in asked["scope"].split()
    await yamada.say("問い合わせ先")
    assert {p.authorization for p in yamada.replies} == {f"Bearer {farend.access_token}"}
    assert len(farend.entra_requests) == 1  # reused until shortly before it expires


async def test_with_a_plain_token_endpoint_instead_of_msal_replies_carry_its_token(
    database: Database, farend: FarEnd, tmp_path: Path
) -> None:
    runtime = await teams_runtime(
        database, farend, tmp_path, teams_authority=None, teams_token_url=f"{farend.url}/token"
    )
    running = await serve(runtime)
    try:
        yamada = TeamsPerson(running, farend, YAMADA, "山田 花子")
        await yamada.say("ヘルプ")
        assert yamada.replies
        assert {p.authorization for p in yamada.replies} == {"Bearer connector-token-1"}
        assert farend.entra_requests == []
    finally:
        await running.runner.cleanup()


@pytest.mark.parametrize(
    "why",
    ["wrong audience", "expired", "forged", "missing", "other service URL", "other issuer"],
)
async def test_a_request_without_a_valid_token_is_refused_and_nothing_is_processed(
    why: str, yamada: TeamsPerson, farend: FarEnd, server: Server
) -> None:
    forger = SigningKey()
    now = int(time.time())
    token = {
        "wrong audience": farend.token("some-other-bot"),
        # Beyond the five minutes of clock skew the SDK allows.
        "expired": farend.token(APP_ID, exp=now - 600, nbf=now - 4000, iat=now - 4000),
        # Signed by another key that claims the published key's id.
        "forged": forger.sign(
            {
                "iss": "https://api.botframework.com",
                "aud": APP_ID,
                "exp": now + 3600,
                "serviceurl": farend.service_url,
            },
            kid=farend.key.kid,
        ),
        "missing": None,
        "other service URL": farend.token(APP_ID, serviceurl="https://evil.example/"),
        "other issuer": farend.token(APP_ID, iss="https://login.example/"),
    }[why]
    response = await yamada.post(
        yamada.activity(text="ヘルプ"), token=token, signed=token is not None
    )
    assert response.status == 401, why
    assert yamada.replies == []
    assert await handled_events(server) == 0


async def test_a_token_signed_by_a_key_that_does_not_endorse_teams_is_refused(
    yamada: TeamsPerson, farend: FarEnd, server: Server
) -> None:
    webchat = SigningKey()
    farend.more_keys.append({**webchat.jwk(), "endorsements": ["webchat"]})
    now = int(time.time())
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "nbf": now - 10,
        "exp": now + 3600,
        "serviceurl": farend.service_url,
    }
    response = await yamada.post(yamada.activity(text="ヘルプ"), token=webchat.sign(claims))
    assert response.status == 401
    assert yamada.replies == []
    assert await handled_events(server) == 0


async def test_a_token_that_passed_is_refused_once_it_has_expired(
    yamada: TeamsPerson, farend: FarEnd, server: Server
) -> None:
    """Remembering a checked token saves checking it again, never beyond its validity: the
    SDK accepts five minutes past `exp` (clock skew), and so long only."""
    await yamada.say("ヘルプ")  # the bot's own token fetched, the person known
    now = int(time.time())
    nearly = farend.token(APP_ID, exp=now - 294, iat=now - 3600, nbf=now - 3600)
    first = await yamada.post(yamada.activity(text="ヘルプ"), token=nearly)
    assert first.status == 200 and yamada.replies
    again = await yamada.post(yamada.activity(text="ヘルプ"), token=nearly)
    assert again.status == 200 and yamada.replies  # still valid: accepted again
    await asyncio.sleep(max(0.0, now + 7 - time.time()))
    late = await yamada.post(yamada.activity(text="問い合わせ先"), token=nearly)
    assert late.status == 401
    assert yamada.replies == []
    # A fresh token from the Bot Connector is accepted as before.
    assert (await yamada.post(yamada.activity(text="問い合わせ先"))).status == 200


async def test_a_body_that_is_not_an_activity_is_a_bad_request_not_a_server_error(
    yamada: TeamsPerson, server: Server, farend: FarEnd
) -> None:
    headers = {"Authorization": f"Bearer {farend.token(APP_ID)}"}
    async with aiohttp.ClientSession() as http:
        for body in (b"not json", b"[1, 2]", b'{"type": "message"}'):
            async with http.post(server.url, data=body, headers=headers) as response:
                assert response.status == 400, body


async def test_without_an_app_id_the_endpoint_is_refused(
    database: Database, farend: FarEnd, tmp_path: Path
) -> None:
    runtime = await teams_runtime(database, farend, tmp_path, teams_app_id=None)
    running = await serve(runtime)
    try:
        person = TeamsPerson(running, farend, YAMADA, "山田 花子")
        response = await person.post(person.activity(text="ヘルプ"), signed=False)
        assert response.status == 403
        assert person.replies == []
    finally:
        await running.runner.cleanup()


async def test_the_development_setting_serves_the_endpoint_without_tokens_and_says_so(
    database: Database, farend: FarEnd, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await teams_runtime(
        database, farend, tmp_path, teams_app_id=None, teams_dev_anonymous=True
    )
    running = await serve(runtime)
    try:
        assert "WITHOUT token checks" in caplog.text
        person = TeamsPerson(running, farend, YAMADA, "山田 花子")
        response = await person.post(person.activity(text="ヘルプ"), signed=False)
        assert response.status == 200
        assert person.replies and person.replies[0].authorization is None
    finally:
        await running.runner.cleanup()
