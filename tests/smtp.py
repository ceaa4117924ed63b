"""A fake SMTP server on loopback (aiosmtpd) for the mail tests.

It keeps every message it accepts, parsed, and can answer ``451`` (try again later) to the first
few attempts, as a busy or greylisting relay does, so retries can be watched end to end.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

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

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.mails if address in mail.recipients]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.attempts <= self.busy_for:
            return "451 4.3.0 Mail server busy, try again later"
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        sender = envelope.mail_from or ""
        self.mails.append(Mail(sender, tuple(envelope.rcpt_tos), parsed))
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(busy_for: int = 0) -> Iterator[FakeSmtp]:
    """A running fake server; stopped when the block ends."""
    server = FakeSmtp(port=_free_port(), busy_for=busy_for)
    controller = Controller(server, hostname=HOST, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
