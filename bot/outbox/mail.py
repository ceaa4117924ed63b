"""E-mail through the outbox: to the CAIO for serious cases, to the security contact for a
possible information-security incident, to the policy contact for a dead message. Real SMTP
(aiosmtplib), with a timeout; without a server configured, mail goes to a local mailbox in
the database (bot.outbox.deliverers.LocalDeliverer), so the local channel needs no accounts."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import TYPE_CHECKING

import aiosmtplib

from storage.addresses import MailAddress

if TYPE_CHECKING:
    from bot.outbox.deliverers import Outgoing

_NOT_IN_ID = re.compile(r"[^A-Za-z0-9._-]")


def message_id(key: str, sender: str) -> str:
    """A Message-ID derived from the outbox key alone: a mail sent again after a crash (the
    server accepted it, the outcome was not yet recorded) carries the same id, so a mail
    server or a reader can recognise the repeat."""
    domain = sender.rpartition("@")[2] or "aiguide"
    return f"<{_NOT_IN_ID.sub('-', key.replace(':', '.'))}@{domain}>"


class SmtpDeliverer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    async def deliver(self, message: Outgoing) -> str:
        if not isinstance(message.address, MailAddress):
            raise ValueError(f"outbox {message.id} is not addressed to an e-mail address")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address.address
        mail["Subject"] = str(message.body.get("subject", ""))
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail["X-Aiguide-Outbox-Key"] = message.key
        mail.set_content(str(message.body.get("text", "")))
        # `timeout` bounds each step of the conversation with the server: one that accepts
        # the connection and never answers fails the attempt instead of hanging it.
        await aiosmtplib.send(
            mail,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            timeout=self.timeout,
        )
        return str(mail["Message-ID"])
