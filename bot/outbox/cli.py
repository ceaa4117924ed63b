"""`aiguide outbox list [--dead]` and `aiguide outbox retry ID`: what is waiting, what died.

Lines show ids, where a message goes and why it failed — never what it says.
"""

from __future__ import annotations

import argparse

from bot.cli.messages import fail, t
from bot.runtime import Runtime
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import list_messages, revive


def _line(message: OutboxMessage) -> str:
    when = message.dead_at or message.next_attempt_at
    return t(
        "cli.outbox.line",
        id=message.id,
        tenant=message.tenant_id,
        channel=message.channel,
        where=message.target
        + (t("cli.outbox.thread", thread=message.thread_key) if message.thread_key else ""),
        attempts=message.attempts,
        state=t("cli.outbox.dead_since" if message.dead_at else "cli.outbox.next_attempt"),
        when=when.isoformat(timespec="seconds"),
        error=t("cli.outbox.last_error", error=message.last_error) if message.last_error else "",
    )


async def outbox_command(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.outbox_command == "retry":
        async with transaction(runtime.sessions) as session:
            revived = await revive(session, args.id, utcnow())
        if not revived:
            return fail("cli.outbox.no_such", id=args.id)
        print(t("cli.outbox.retried", id=args.id))
        return 0
    async with transaction(runtime.sessions) as session:
        messages = await list_messages(session, dead=args.dead)
    for message in messages:
        print(_line(message))
    if not messages:
        print(t("cli.outbox.none_dead" if args.dead else "cli.outbox.none_waiting"))
    return 0
