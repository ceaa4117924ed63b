"""E-mail through the outbox: to the CAIO for serious cases, to the security contact for a
possible information-security incident. Real SMTP (aiosmtplib); without a server configured,
mail goes to a local mailbox in the database, so the local channel works with no accounts."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage
from storage.posts import add_post


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

    async def deliver(
        self, session: AsyncSession, message: OutboxMessage, thread: str | None
    ) -> str:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.target
        mail["Subject"] = str(message.body.get("subject", ""))
        # The outbox key is the idempotency key; as Message-ID it lets a mail server or a
        # reader recognise a repeat, should a delivery be retried after a lost answer.
        mail["Message-ID"] = f"<{message.key.replace(':', '.')}@aiguide>"
        mail.set_content(str(message.body.get("text", "")))
        await aiosmtplib.send(
            mail,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            timeout=self.timeout,
        )
        return mail["Message-ID"]


class LocalMailbox:
    """No SMTP server configured: the mail is kept as a post in channel `mail:<address>`."""

    async def deliver(
        self, session: AsyncSession, message: OutboxMessage, thread: str | None
    ) -> str:
        post = await add_post(session, message.tenant_id, f"mail:{message.target}", message.body)
        return str(post.id)
