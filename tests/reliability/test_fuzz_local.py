"""Payload fuzzing of the local channel's API (/api/turn and the views under /api/): bodies
that are not JSON, not an object, with unknown people, fields of the wrong type or too long,
huge; query values that are not ids. Each is refused with a 4xx, never a 500, and nothing is
stored. The cases hold whether or not the API also asks for the page's token (they assert a
4xx, not which one)."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.fuzzing import JSON, MAX_BODY, WRONG, World, world

__all__ = ["world"]  # the fixture, for pytest

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID = {"persona": "yamada", "text": "ヘルプ"}
TRUTHY_WRONG = WRONG.filter(bool)  # `values` or `tenant` that is not empty, and not a string
CONTROL = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=5)


def with_field(name: str, value: Any) -> dict[str, Any]:
    return {**VALID, name: value}


# Each body is one the API must refuse: not a turn it can take from anyone.
BAD_TURNS = st.one_of(
    st.binary(max_size=300),
    st.just(b"[" * 100_000),
    JSON.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda body: json.dumps(body).encode(),
        st.one_of(
            st.just({k: v for k, v in VALID.items() if k != "persona"}),
            st.text(max_size=20)
            .filter(lambda p: p not in ("yamada", "tanaka", "sato", "suzuki"))
            .map(lambda p: with_field("persona", p)),
            WRONG.filter(lambda v: v is not None).map(lambda v: with_field("text", v)),
            WRONG.filter(lambda v: v is not None).map(lambda v: with_field("action", v)),
            st.just(with_field("action", "menu:help" + "x" * 300)),
            TRUTHY_WRONG.filter(lambda v: not isinstance(v, dict)).map(
                lambda v: with_field("values", v)
            ),
            st.dictionaries(
                st.text(max_size=5), WRONG.filter(lambda v: v is not None), min_size=1
            ).map(lambda v: with_field("values", v)),
            WRONG.filter(lambda v: v is not None).map(lambda v: with_field("message", v)),
            st.just(with_field("message", "m" * 101)),
            WRONG.filter(lambda v: v is not None).map(lambda v: with_field("event_id", v)),
            CONTROL.map(lambda v: with_field("event_id", f"e{v}1")),
            st.just(with_field("event_id", "e" * 201)),
            st.text(min_size=1, max_size=20)
            .filter(lambda t: t != "sakura-city")
            .map(lambda t: with_field("tenant", t)),
        ),
    ),
)


def check(
    world: World, kind: str, status: int, before: Any, caplog: pytest.LogCaptureFixture
) -> None:
    world.count(kind)
    assert 400 <= status < 500, (kind, status)
    assert world.state() == before, kind
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    caplog.clear()


@FUZZ
@given(
    body=BAD_TURNS,
    content_type=st.sampled_from(
        ["application/json", "text/plain", FORM := "application/x-www-form-urlencoded"]
    ),
)
def test_a_turn_the_api_cannot_take_is_refused_and_nothing_is_stored(
    world: World, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    before = world.state()
    status, _ = world.post("/api/turn", body, {"Content-Type": content_type})
    check(world, "local /api/turn", status, before, caplog)


def test_a_huge_turn_is_refused(world: World, caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({**VALID, "text": "x" * (MAX_BODY + 10)}).encode()
    before = world.state()
    status, _ = world.post("/api/turn", body, {"Content-Type": "application/json"})
    check(world, "local huge", status, before, caplog)


NOT_AN_ID = st.one_of(
    st.text(min_size=1, max_size=30).filter(lambda t: not (t.isdigit() and len(t) <= 18)),
    st.integers(min_value=10**18).map(str),
    st.integers(max_value=-1).map(str),
)
UNKNOWN = st.text(min_size=1, max_size=30).filter(
    lambda t: t not in ("yamada", "tanaka", "sato", "suzuki", "policy", "caio")
)


@FUZZ
@given(
    path=st.one_of(
        NOT_AN_ID.map(
            lambda after: f"/api/inbox/yamada?{urllib.parse.urlencode({'after': after})}"
        ),
        UNKNOWN.map(lambda p: f"/api/inbox/{urllib.parse.quote(p, safe='')}"),
        UNKNOWN.map(lambda p: f"/api/home/{urllib.parse.quote(p, safe='')}"),
        UNKNOWN.map(lambda k: f"/api/channels/{urllib.parse.quote(k, safe='')}"),
        UNKNOWN.filter(lambda t: t != "sakura-city").map(
            lambda t: f"/api/setup?{urllib.parse.urlencode({'tenant': t})}"
        ),
        UNKNOWN.filter(lambda t: t != "sakura-city").map(
            lambda t: f"/api/inbox/yamada?{urllib.parse.urlencode({'tenant': t, 'after': '0'})}"
        ),
    )
)
def test_a_view_asked_for_with_values_that_are_not_ids_is_refused(
    world: World, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    before = world.state()
    status, _ = world.get(path)
    check(world, "local GET /api/*", status, before, caplog)


def test_the_number_of_inputs_tried(world: World) -> None:
    assert sum(world.tried.values()) >= 200  # hypothesis stops early once a space is exhausted
