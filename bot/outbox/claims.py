"""What a delivery pass holds between claiming a message and recording its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.outbox.deliverers import Outgoing
from storage.addresses import address_of
from storage.models import OutboxMessage

Outcome = Literal["sent", "failed", "dead", "throttled", "waiting", "released"]


@dataclass(frozen=True)
class Claimed:
    message: Outgoing
    lease: str
    broadcast_id: int | None


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    ref: str = ""  # the platform's reference; for "waiting", why
    at: datetime | None = None  # sent: when the platform answered; waiting: when due again


def from_row(row: OutboxMessage, thread: str | None) -> Claimed:
    assert row.id is not None and row.lease is not None
    return Claimed(
        Outgoing(
            id=row.id,
            key=row.key,
            tenant_id=row.tenant_id,
            channel=row.channel,
            address=address_of(row.target, row.thread_key, row.opens_thread),
            body=row.body,
            thread_ref=thread,
            priority=row.priority,
        ),
        row.lease,
        row.broadcast_id,
    )


def batch_size(deliverer: object) -> int:
    """How many messages a deliverer takes at once (it paces them itself); 1 unless it says."""
    return max(1, int(getattr(deliverer, "batch_size", 1)))
