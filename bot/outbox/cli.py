"""`aiguide outbox list [--dead]` and `aiguide outbox retry ID`: what is waiting, what died.

Lines show ids, where a message goes and why it failed — never what it says.
"""

from __future__ import annotations

import argparse
import sys

from bot.runtime import Runtime
from storage.db import transaction
from storage.models import OutboxMessage, utcnow
from storage.outbox import list_messages, revive


def _line(message: OutboxMessage) -> str:
    where = message.target + (f" thread={message.thread_key}" if message.thread_key else "")
    when = message.dead_at or message.next_attempt_at
    state = "dead since" if message.dead_at else "next attempt"
    error = f"  last error: {message.last_error}" if message.last_error else ""
    return (
        f"{message.id}\t{message.tenant_id}\t{message.channel}\t{where}\t"
        f"attempts={message.attempts}\t{state} {when.isoformat(timespec='seconds')}{error}"
    )


async def outbox_command(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.outbox_command == "retry":
        async with transaction(runtime.sessions) as session:
            revived = await revive(session, args.id, utcnow())
        if not revived:
            print(f"aiguide: no unsent outbox message {args.id}", file=sys.stderr)
            return 2
        print(f"outbox message {args.id} is due again (attempts start over)")
        return 0
    async with transaction(runtime.sessions) as session:
        messages = await list_messages(session, dead=args.dead)
    for message in messages:
        print(_line(message))
    if not messages:
        print("no dead messages" if args.dead else "nothing waiting to be delivered")
    return 0
