"""Payload fuzzing of Slack's and Teams' endpoints: malformed JSON and form bodies, missing
fields, wrong types, huge bodies, unsigned, replayed and forged requests. Each is refused with
a 4xx (never a 500), and nothing is processed: no row stored, nothing posted, no error logged.
Bodies come from hypothesis; the number tried is printed at the end of the module."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.channels.slack.conftest import SECRET, sign
from tests.bot.channels.slack.fake_slack import TEAM
from tests.bot.channels.teams.conftest import APP_ID, M365_TENANT, YAMADA
from tests.bot.channels.teams.farend import SigningKey
from tests.reliability.fuzzing import JSON, MAX_BODY, WRONG, World, world

__all__ = ["world"]  # the fixture, for pytest

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLACK_PATHS = ("/slack/events", "/slack/commands", "/slack/interactions")
FORM = "application/x-www-form-urlencoded"
ERRORS = ("bot", "slack_bolt", "microsoft_agents", "aiohttp", "storage", "dialogs")


def slack_event() -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "EvFuzz",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "DUSTAFF",
            "user": "USTAFF",
            "text": "ヘルプ",
            "ts": "1700000000.000100",
        },
    }


def slack_press() -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "USTAFF", "team_id": TEAM},
        "api_app_id": "A1",
        "trigger_id": "t1",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "DUSTAFF"},
        "channel": {"id": "DUSTAFF"},
        "message": {"ts": "1.1", "blocks": []},
        "actions": [
            {"type": "button", "action_id": "aiguide:b:0", "value": "menu:help", "block_id": "b"}
        ],
    }


def teams_message() -> dict[str, Any]:
    return {
        "type": "message",
        "id": "in-fuzz",
        "timestamp": "2026-12-01T01:00:00.000Z",
        "serviceUrl": "",  # filled with the far end's
        "channelId": "msteams",
        "from": {"id": f"29:{YAMADA}", "aadObjectId": YAMADA, "name": "山田 花子"},
        "recipient": {"id": f"28:{APP_ID}", "name": "aiguide"},
        "conversation": {
            "id": f"a:personal-{YAMADA}",
            "conversationType": "personal",
            "tenantId": M365_TENANT,
        },
        "channelData": {"tenant": {"id": M365_TENANT}},
        "text": "ヘルプ",
    }


# Paths into a payload a platform always fills; removing one or giving it the wrong type
# makes the request malformed.
SLACK_EVENT_KEYS = [
    ("type",),
    ("event",),
    ("event", "type"),
    ("event", "user"),
    ("event", "channel"),
    ("event", "channel_type"),
]
SLACK_PRESS_KEYS = [("type",), ("user",), ("user", "id"), ("team",), ("actions",), ("channel",)]
TEAMS_KEYS = [("type",), ("conversation",), ("serviceUrl",), ("from",), ("recipient",)]
TEAMS_TYPED = [("text",), ("conversation", "id"), ("from", "id")]


def mutated(base: dict[str, Any], keys: list[tuple[str, ...]], typed: list[tuple[str, ...]]) -> Any:
    """`base` with one required key removed, or a key given a value of the wrong type."""

    def apply(path: tuple[str, ...], value: Any, remove: bool) -> dict[str, Any]:
        body = copy.deepcopy(base)
        node = body
        for part in path[:-1]:
            node = node[part]
        if remove:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        return body

    removed = st.sampled_from(keys).map(lambda path: apply(path, None, True))
    wrong = st.builds(lambda path, value: apply(path, value, False), st.sampled_from(keys), WRONG)
    # Optional fields may be null (absent); another type is wrong.
    present = WRONG.filter(lambda value: value is not None)
    mistyped = st.builds(
        lambda path, value: apply(path, value, False), st.sampled_from(typed or keys), present
    )
    return removed | wrong | mistyped


def not_json() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.just(b"[" * 100_000),  # deeper than any parser's recursion
        st.just(b'{"type": "event_callback", "event": '),
        JSON.map(lambda value: json.dumps(value).encode()),
    )


def check(
    world: World, kind: str, status: int, before: Any, caplog: pytest.LogCaptureFixture
) -> None:
    world.count(kind)
    world.settle()
    assert 400 <= status < 500, (kind, status)
    assert world.state() == before, kind  # nothing stored, nothing posted
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(ERRORS)]
    assert not errors, [r.getMessage() for r in errors]
    caplog.clear()


# --- Slack -------------------------------------------------------------------------------


def signed(body: bytes, content_type: str) -> dict[str, str]:
    """Headers as Slack signs a request: over the bytes as sent."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


@FUZZ
@given(
    path=st.sampled_from(SLACK_PATHS),
    content_type=st.sampled_from(["application/json", FORM, "text/plain", ""]),
    body=st.one_of(
        not_json(),
        st.text(max_size=200).map(lambda t: urllib.parse.urlencode({"payload": t}).encode()),
        st.lists(JSON, max_size=3).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_a_signed_slack_request_that_cannot_be_read_is_refused_and_nothing_happens(
    world: World, caplog: pytest.LogCaptureFixture, path: str, content_type: str, body: bytes
) -> None:
    before = world.state()
    status, _ = world.post(path, body, signed(body, content_type))
    if body.strip().startswith(b"{") or b"=" in body:
        assert status < 500, status  # may be an object / a form bolt reads (next test)
        world.count(f"slack signed unreadable {path}")
        world.settle()
        assert world.state() == before
        return
    check(world, f"slack signed unreadable {path}", status, before, caplog)


@FUZZ
@given(
    path=st.sampled_from(SLACK_PATHS),
    body=st.one_of(
        mutated(slack_event(), SLACK_EVENT_KEYS, [("event", "text")]).map(
            lambda b: (json.dumps(b).encode(), "application/json")
        ),
        st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=5).map(
            lambda d: (urllib.parse.urlencode(d).encode(), FORM)
        ),
        st.one_of(mutated(slack_press(), SLACK_PRESS_KEYS, []), JSON).map(
            lambda p: (urllib.parse.urlencode({"payload": json.dumps(p)}).encode(), FORM)
        ),
    ),
)
def test_a_signed_slack_request_with_missing_or_mistyped_fields_changes_nothing(
    world: World, caplog: pytest.LogCaptureFixture, path: str, body: tuple[bytes, str]
) -> None:
    """Signed by Slack, so acknowledged (200: anything else makes Slack retry it and in the
    end switch the app's events off) or refused with a 4xx; never processed."""
    before = world.state()
    status, _ = world.post(path, body[0], signed(*body))
    assert status == 200 or 400 <= status < 500, status
    check(world, f"slack signed mistyped {path}", 400 if status == 200 else status, before, caplog)


HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)


def forged_headers(body: str) -> st.SearchStrategy[tuple[dict[str, str], set[int]]]:
    """Headers of a request Slack did not sign now, and the statuses allowed for it."""
    now = int(time.time())
    refused = {401}
    return st.one_of(
        st.just(({}, refused)),  # unsigned
        st.just((sign(body, now - 600), refused)),  # replayed: signed right, ten minutes ago
        st.just((sign(body, now + 600), refused)),  # from the future
        st.just((sign(body, secret="not-the-secret"), refused)),
        st.just((sign(body + " "), refused)),  # the signature of another body
        st.builds(
            lambda sig: (
                {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": sig},
                refused,
            ),
            st.one_of(HEADER_TEXT, st.just("v0=" + "0" * 64)),
        ),
        # A timestamp that is not a number: unreadable rather than wrongly signed.
        st.builds(
            lambda ts: (
                {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + "0" * 64},
                {400, 401},
            ),
            HEADER_TEXT,
        ),
    )


@FUZZ
@given(data=st.data(), path=st.sampled_from(SLACK_PATHS))
def test_an_unsigned_replayed_or_forged_slack_request_is_refused(
    world: World, caplog: pytest.LogCaptureFixture, data: st.DataObject, path: str
) -> None:
    if path == "/slack/events":
        body, content_type = json.dumps(slack_event()), "application/json"
    elif path == "/slack/commands":
        fields = {"command": "/aiguide", "text": "help", "team_id": TEAM, "user_id": "USTAFF"}
        body, content_type = urllib.parse.urlencode(fields), FORM
    else:
        body, content_type = urllib.parse.urlencode({"payload": json.dumps(slack_press())}), FORM
    forged, allowed = data.draw(forged_headers(body))
    before = world.state()
    status, _ = world.post(path, body.encode(), {**forged, "Content-Type": content_type})
    assert status in allowed, (forged, status)
    check(world, f"slack forged {path}", status, before, caplog)


# --- Teams -------------------------------------------------------------------------------


def valid_token(world: World, **claims: Any) -> str:
    return world.farend.token(APP_ID, **claims)


@FUZZ
@given(
    body=st.one_of(
        not_json(),
        mutated(teams_message(), TEAMS_KEYS, TEAMS_TYPED).map(lambda b: json.dumps(b).encode()),
    )
)
def test_a_teams_request_with_a_good_token_and_a_malformed_activity_is_refused(
    world: World, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    body = body.replace(b'"serviceUrl": ""', f'"serviceUrl": "{world.farend.service_url}"'.encode())
    headers = {"Authorization": f"Bearer {valid_token(world)}", "Content-Type": "application/json"}
    before = world.state()
    status, _ = world.post("/api/messages", body, headers)
    check(world, "teams malformed activity", status, before, caplog)


def header_of(alg: str) -> bytes:
    kid = {"kid": ""}
    return jwt.utils.base64url_encode(json.dumps({"alg": alg, "typ": "JWT", **kid}).encode())


def forged_tokens(world: World) -> list[tuple[str, str]]:
    """(what is wrong, the Authorization header) — each a token the bot must refuse."""
    now = int(time.time())
    good = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "nbf": now - 10,
        "exp": now + 3600,
        "serviceurl": world.farend.service_url,
    }
    other_key = SigningKey(kid=world.farend.key.kid)  # right key id, wrong key
    public = world.farend.key.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = header_of("none")
    payload = jwt.utils.base64url_encode(json.dumps(good).encode())
    without_expiry = {k: v for k, v in good.items() if k != "exp"}
    # The RSA public key used as an HMAC secret (PyJWT refuses to sign so: sign by hand).
    signing_input = f"{header_of('HS256').decode()}.{payload.decode()}".encode()
    mac = hmac.new(public, signing_input, hashlib.sha256).digest()
    hs256_with_public_key = f"{signing_input.decode()}.{jwt.utils.base64url_encode(mac).decode()}"
    return [
        ("none", ""),
        ("not bearer", f"Basic {valid_token(world)}"),
        ("garbage", "Bearer not.a.token"),
        ("empty bearer", "Bearer "),
        ("other key", f"Bearer {other_key.sign(good)}"),
        ("unknown kid", f"Bearer {world.farend.key.sign(good, kid='nope')}"),
        ("wrong audience", f"Bearer {valid_token(world, aud='someone-else')}"),
        # Expired beyond the five minutes of clock skew the Bot Framework allows.
        ("expired", f"Bearer {valid_token(world, nbf=now - 4000, exp=now - 600, iat=now - 4000)}"),
        ("not yet valid", f"Bearer {valid_token(world, nbf=now + 3600)}"),
        ("wrong issuer", f"Bearer {valid_token(world, iss='https://evil.example')}"),
        ("no expiry", f"Bearer {world.farend.key.sign(without_expiry)}"),
        ("alg none", f"Bearer {header.decode()}.{payload.decode()}."),
        ("alg confusion", f"Bearer {hs256_with_public_key}"),
        ("other service url", f"Bearer {valid_token(world, serviceurl='https://evil.example/')}"),
    ]


def test_a_teams_request_with_a_forged_token_is_refused(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    activity = teams_message()
    activity["serviceUrl"] = world.farend.service_url
    body = json.dumps(activity).encode()
    for why, authorization in forged_tokens(world):
        headers = {"Content-Type": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        before = world.state()
        status, _ = world.post("/api/messages", body, headers)
        assert status == 401, (why, status)
        check(world, "teams forged token", status, before, caplog)


# --- huge bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SLACK_PATHS, "/api/messages"])
def test_a_body_over_the_limit_is_refused_with_413(
    world: World, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    body = json.dumps({"type": "event_callback", "text": "x" * (MAX_BODY + 10)})
    if path == "/api/messages":
        headers = {"Authorization": f"Bearer {valid_token(world)}"}
    else:
        headers = sign(body)
    before = world.state()
    status, _ = world.post(path, body.encode(), {**headers, "Content-Type": "application/json"})
    assert status == 413, status
    check(world, "huge body", status, before, caplog)


def test_the_number_of_inputs_tried(world: World) -> None:
    assert sum(world.tried.values()) >= 400  # hypothesis stops early once a space is exhausted
