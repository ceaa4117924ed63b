"""Secrets never reach a log or an error message: a real `aiguide serve` at DEBUG, with Slack
(signing secret, bot token), Teams (app password), SMTP with a login, the local channel and —
on PostgreSQL — a database URL with a password, goes through a whole scenario and the
refusals an attacker provokes; every line it logged and every error body it sent is then
searched for each secret, also URL-, base64- and JSON-encoded."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.runtime import Runtime
from storage.db import transaction
from storage.tenants import link
from tests.bot.channels.slack.conftest import ADMIN, STAFF, municipality_file, sign
from tests.bot.channels.slack.fake_slack import TEAM, slack_user
from tests.bot.channels.teams.conftest import APP_ID, APP_TENANT, M365_TENANT, YAMADA, TeamsPerson
from tests.bot.channels.teams.farend import FarEnd, SigningKey
from tests.bot.test_serve import Server, kill
from tests.conftest import SAMPLE_TENANT, Database, settings_for
from tests.reliability.farends import FaultySlack, faults
from tests.reliability.remote import RemotePerson, serve_environment, slack_bot, start
from tests.reliability.scenes import file_serious_report
from tests.smtp import smtp_server

SIGNING_SECRET = "sig-secret-7f3a9c0d1e"
BOT_TOKEN = "xoxb-secret-bot-4d2e8a"
TEAMS_PASSWORD = "teams-secret-pw-9b1c7e"
SMTP_USER = "aiguide-mailer"
SMTP_PASSWORD = "smtp-secret-pw-5e8f2a"
DB_PASSWORD = "db-secret-pw-3c7d6b"
TYPED = "案内文に攻撃的な表現が出力された（高橋誠司様の件）"


def encodings(secret: str) -> set[str]:
    """The secret as it could appear: as is, URL-encoded, base64 (HTTP Basic, SMTP AUTH),
    JSON-escaped."""
    b64 = base64.b64encode(secret.encode()).decode()
    plain = base64.b64encode(f"\0{SMTP_USER}\0{secret}".encode()).decode()  # AUTH PLAIN
    return {secret, urllib.parse.quote(secret, safe=""), b64, plain, json.dumps(secret)[1:-1]}


@pytest.fixture
async def farend() -> AsyncIterator[FarEnd]:
    far = FarEnd(SigningKey())
    await far.start()
    yield far
    await far.stop()


async def test_no_secret_reaches_a_log_or_an_error_message_at_debug(
    database: Database, farend: FarEnd, tmp_path: Path
) -> None:
    secrets = {SIGNING_SECRET, BOT_TOKEN, TEAMS_PASSWORD, SMTP_PASSWORD}
    url = database.url
    if database.schema:  # PostgreSQL: the URL carries a password (trust auth ignores it)
        url = make_url(url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
        secrets.add(DB_PASSWORD)
    db = Database(url, database.schema)
    # The municipality exists and is linked to the Microsoft 365 tenant before the start.
    setup = Runtime.create(settings_for(db, municipality_file=municipality_file(tmp_path)))
    await setup.load_sample_data()
    async with transaction(setup.sessions) as session:
        await link(session, SAMPLE_TENANT, "teams_tenant", M365_TENANT)
    await setup.close()

    slack = FaultySlack(teams={BOT_TOKEN: TEAM})
    slack.users[STAFF] = slack_user(STAFF, "山田 花子", division="税務課")
    slack.users[ADMIN] = slack_user(ADMIN, "佐藤 次郎", division="情報政策課")
    await slack.start()
    bodies: list[str] = []
    server: Server | None = None
    with (
        pytest.warns(UserWarning, match="AUTH while not requiring TLS"),  # loopback only
        smtp_server(username=SMTP_USER, password=SMTP_PASSWORD) as smtp,
    ):
        env = serve_environment(db, slack, smtp, tmp_path)
        env.update(
            {
                "AIGUIDE_LOG_LEVEL": "DEBUG",
                "AIGUIDE_SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "AIGUIDE_SLACK_BOT_TOKEN": BOT_TOKEN,
                "AIGUIDE_SMTP_USERNAME": SMTP_USER,
                "AIGUIDE_SMTP_PASSWORD": SMTP_PASSWORD,
                "AIGUIDE_TEAMS_APP_ID": APP_ID,
                "AIGUIDE_TEAMS_APP_PASSWORD": TEAMS_PASSWORD,
                "AIGUIDE_TEAMS_APP_TENANT": APP_TENANT,
                "AIGUIDE_TEAMS_OPENID_URL": f"{farend.url}/openid",
                "AIGUIDE_TEAMS_TOKEN_URL": f"{farend.url}/token",
            }
        )
        try:
            server = await start(env)
            base = server.url.rstrip("/")
            async with aiohttp.ClientSession() as http:
                bot = slack_bot(server, slack, http)
                # The signed requests of this run are signed with this run's secret.
                bot.post = _signed_post(bot.post, http, base)  # type: ignore[method-assign]
                yamada = RemotePerson(bot, STAFF)
                # A failed post and a refused mail on the way: their errors are logged too.
                slack.faults["outbox"] = faults("500", 1)
                smtp.faults = ["554"]
                await file_serious_report(yamada, TYPED)
                await _wait(lambda: len(smtp.mails) >= 1 and smtp.logins >= 1, 40)

                teams = TeamsPerson(_TeamsServer(base), farend, YAMADA, "山田 花子")
                await teams.say("ヘルプ")
                await _wait(lambda: farend.token_requests >= 1 and farend.posted, 20)
                bodies += await _refusals(http, base, farend)
        finally:
            if server is not None:
                server.stop()
                await asyncio.to_thread(kill, server)
            await slack.stop()

    assert server is not None
    logged = "".join(server.errors) + _drain(server)
    assert " DEBUG " in logged  # the run did log at DEBUG
    assert smtp.logins >= 1 and farend.token_requests >= 1  # the secrets were in use
    for secret in secrets:
        for shape in encodings(secret):
            assert shape not in logged, f"a secret ({secret[:6]}…) is in the log"
            for body in bodies:
                assert shape not in body, f"a secret ({secret[:6]}…) is in an error body"
    # …and, at DEBUG too, nothing the person typed (the report's text went through every
    # client: Slack's Web API, the Bot Connector, SMTP).
    for typed in (TYPED, json.dumps(TYPED)[1:-1]):
        assert typed not in logged, "what a person typed is in the log"
    print(
        f"\nsecrets scan: {len(secrets)} secrets × {len(encodings(SMTP_PASSWORD))} encodings, "
        f"{len(logged.splitlines())} log lines and {len(bodies)} error bodies: none found"
    )


def _drain(server: Server) -> str:
    lines = []
    while not server.lines.empty():
        line = server.lines.get_nowait()
        if line is not None:
            lines.append(line)
    return "".join(lines)


async def _wait(condition: object, seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within time")


class _TeamsServer:
    def __init__(self, base: str) -> None:
        self.url = f"{base}/api/messages"


def _signed_post(original: object, http: aiohttp.ClientSession, base: str) -> object:
    async def post(
        path: str, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        signed = {**sign(body, secret=SIGNING_SECRET), "Content-Type": content_type}
        async with http.post(base + path, data=body, headers={**signed, **(headers or {})}) as r:
            await r.read()
            return r

    return post


async def _refusals(http: aiohttp.ClientSession, base: str, farend: FarEnd) -> list[str]:
    """What an attacker, a broken client and a curious operator get back: the bodies."""
    event = json.dumps({"type": "event_callback", "team_id": TEAM, "event": {"type": "message"}})
    forged = SigningKey(kid=farend.key.kid).sign({"iss": "https://api.botframework.com"})
    requests: list[tuple[str, str, bytes, dict[str, str]]] = [
        ("POST", "/slack/events", event.encode(), sign(event, secret="guessed")),
        ("POST", "/slack/events", b"[" * 50_000, sign("x", secret=SIGNING_SECRET)),
        ("POST", "/slack/commands", b"command=%2Faiguide", {}),
        ("POST", "/api/messages", b"{}", {"Authorization": f"Bearer {forged}"}),
        ("POST", "/api/messages", b"not json", {"Authorization": "Bearer x.y.z"}),
        ("POST", "/api/turn", b"{", {"Content-Type": "application/json"}),
        ("GET", "/api/inbox/nobody", b"", {}),
        ("GET", "/readyz", b"", {}),
        ("GET", "/no/such/page", b"", {}),
    ]
    bodies = []
    for method, path, body, headers in requests:
        async with http.request(method, base + path, data=body, headers=headers) as response:
            text = await response.text()
            assert response.status < 500 or path == "/readyz", (path, response.status, text)
            bodies.append(text)
    return bodies
