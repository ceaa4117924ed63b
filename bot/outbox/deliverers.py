"""Deliverers: one per channel kind, in a registry built from the settings.

The protocol a deliverer keeps (Slack's and Teams' plug in the same way):

- `async def deliver(self, message: Outgoing) -> str` posts one message and returns the
  platform's reference of the post (a post id, a Slack `ts`, a Teams activity id, a mail's
  Message-ID). It is called with **no** database transaction open and no lock held, so it
  may take as long as the platform takes; it must not touch the outbox itself.
- `message.address` says where (storage.addresses): a person, a shared channel, a thread
  (then `message.thread_ref` is the reference the thread's opening post returned), or an
  e-mail address. `message.key` is the outbox's idempotency key: carry it where the platform
  keeps it (Slack message metadata, a Teams activity's channelData, a mail's Message-ID), so
  that a re-send after a crash can be recognised as the same message.
- Raise `RetryAfter(seconds)` when the platform says to slow down (HTTP 429 Retry-After):
  the message is tried again after that long, without counting as a failed attempt, and
  the whole lane (this channel kind in this tenant) pauses as long. Any other exception is
  a failed attempt, retried with backoff until the message is dead. Raise `Later(seconds)`
  to put off this message alone (its own kind's pace), the lane going on. Raise
  `Undeliverable` when the address can never be reached again as it is (a Teams channel
  deleted, the app removed): the message is dead at once, not retried, so the dead-letter
  handler reroutes it (a shared channel's post is mailed to the policy contact). Raise
  `NoDestination` (an `Undeliverable`) when nowhere was chosen for it (a shared channel not
  set): just as dead at once, and its mail says to choose the channel first.

- A deliverer that paces itself may say how many messages it takes at once
  (`batch_size`, an int attribute; 1 if absent): the outbox then claims that many in one
  transaction, calls `deliver` for them concurrently and records them in one transaction.

Delivery is at-least-once: a crash after the platform accepted a message and before the
outcome was recorded sends it again; the window is the time between the platform's answer
and one short UPDATE — for a batch, the rest of its batch (about a second at the pace a
batch is sized to; a stop, unlike a crash, records what was already accepted).

`build_registry(settings, sessions)` runs each installer of `INSTALLERS` in turn; a platform
adds its installer there, registering its deliverer and its pace (messages per second).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.mail import SmtpDeliverer
from bot.settings import Settings
from storage.addresses import Address, target_of
from storage.db import transaction
from storage.posts import add_post


@dataclass(frozen=True)
class Outgoing:
    """One outbox message as a deliverer sees it: plain values, no database row."""

    id: int
    key: str
    tenant_id: str
    channel: str
    address: Address
    body: Mapping[str, Any]
    thread_ref: str | None = None
    priority: int = 10


class Deliverer(Protocol):
    async def deliver(self, message: Outgoing) -> str:
        """Post the message; the platform's reference of the post. Raise to retry later."""
        ...


class RetryAfter(Exception):
    """The platform asked to wait this many seconds (HTTP 429 and Retry-After)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the platform asked to retry after {seconds:g} s")
        self.seconds = max(0.0, float(seconds))


class Later(Exception):
    """This message only waits `seconds` (a limit of its own kind, such as Slack's App Home
    publishes): not an attempt, and the rest of its lane goes on meanwhile."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"paced: due again in {seconds:.1f} s")
        self.seconds = max(0.0, float(seconds))


class Undeliverable(Exception):
    """The address is gone for good (retrying cannot help): the message is dead at once."""


class NoDestination(Undeliverable):
    """Nowhere was chosen to post this (the policy or CAIO channel not set): dead at once
    too, since no retry can choose one; the dead-letter mail says to choose it."""


class LocalDeliverer:
    """The local channel (and the local mailbox when no SMTP server is set): the post is a
    row in the database, written in a short transaction of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def deliver(self, message: Outgoing) -> str:
        parent = int(message.thread_ref) if message.thread_ref else None
        async with transaction(self.sessions) as session:
            post = await add_post(
                session, message.tenant_id, target_of(message.address), dict(message.body), parent
            )
        return str(post.id)


@dataclass
class DelivererRegistry:
    """The deliverer and the pace of each channel kind."""

    deliverers: dict[str, Deliverer] = field(default_factory=dict)
    paces: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, deliverer: Deliverer, *, per_second: float = 0.0) -> None:
        """`per_second` 0: no pacing."""
        self.deliverers[kind] = deliverer
        self.paces[kind] = per_second

    def get(self, kind: str) -> Deliverer | None:
        return self.deliverers.get(kind)

    def per_second(self, kind: str) -> float:
        return self.paces.get(kind, 0.0)


Installer = Callable[[DelivererRegistry, Settings, async_sessionmaker[AsyncSession]], None]


def install_local(
    registry: DelivererRegistry, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    registry.add("local", LocalDeliverer(sessions), per_second=settings.local_messages_per_second)


def install_mail(
    registry: DelivererRegistry, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """SMTP when a host is set; else mail is kept in the local mailbox (`mail:<address>`)."""
    if not settings.smtp_host:
        registry.add("email", LocalDeliverer(sessions))
        return
    registry.add(
        "email",
        SmtpDeliverer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        ),
    )


INSTALLERS: tuple[Installer, ...] = (install_local, install_mail)


def build_registry(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> DelivererRegistry:
    registry = DelivererRegistry()
    for install in INSTALLERS:
        install(registry, settings, sessions)
    return registry
