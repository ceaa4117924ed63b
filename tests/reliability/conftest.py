"""Fixtures the reliability suite's modules share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp import FakeSmtp, smtp_server


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    """The fake mail server, running for the test."""
    with smtp_server() as server:
        yield server
