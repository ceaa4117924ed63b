"""A fake SMTP server on loopback (aiosmtpd) for the mail tests.

It keeps every message it accepts, parsed, and can answer ``451`` (try again later) to the first
few attempts, as a busy or greylisting relay does, so retries can be watched end to end. It can
also misbehave on cue (`faults`: refuse, hang, or accept and answer late) and require a login.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Mail:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        return str(self.message.get_content())


@dataclass
class FakeSmtp:
    """What the server saw: every DATA attempt, and the mails it accepted."""

    port: int
    busy_for: int = 0  # answer 451 to this many attempts first
    attempts: int = 0
    mails: list[Mail] = field(default_factory=list)
    # One per attempt after `busy_for`, in order: "554" refuses it; "hang" answers nothing for
    # `hang_seconds` (then 451: the client gave up long before); "slow" accepts the mail and
    # answers 250 only after `hang_seconds` (a client that dies meanwhile never hears it).
    faults: list[str] = field(default_factory=list)
    hang_seconds: float = 0.0
    # With a password set, every mail needs AUTH as `username` with it.
    username: str = ""
    password: str | None = None
    logins: int = 0

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.recipients]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.attempts <= self.busy_for:
            return "451 4.3.0 Mail server busy, try again later"
        fault = self.faults.pop(0) if self.faults else None
        if fault == "554":
            return "554 5.3.0 Internal server error"
        if fault == "hang":
            await asyncio.sleep(self.hang_seconds)
            return "451 4.4.2 Timed out"
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        sender = envelope.mail_from or ""
        self.mails.append(Mail(sender, tuple(envelope.rcpt_tos), parsed))
        if fault == "slow":
            await asyncio.sleep(self.hang_seconds)
        return "250 2.0.0 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        self.logins += ok
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(
    busy_for: int = 0, *, username: str = "", password: str | None = None
) -> Iterator[FakeSmtp]:
    """A running fake server; stopped when the block ends. With a password, AUTH (PLAIN or
    LOGIN, over plain text on loopback) is required."""
    server = FakeSmtp(port=_free_port(), busy_for=busy_for, username=username, password=password)
    auth = (
        {"authenticator": server.authenticate, "auth_required": True, "auth_require_tls": False}
        if password is not None
        else {}
    )
    controller = Controller(server, hostname=HOST, port=server.port, **auth)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
