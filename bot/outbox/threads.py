"""Posting through the outbox: a post inside a shared-channel thread, or a message to a person.

Reports and designation requests both keep one thread each in the policy-division channel and
tell the person concerned in their own conversation; these two helpers are how.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ui import Reply
from storage.addresses import InThread, PersonAddress
from storage.outbox import Priority, enqueue


async def post_in_thread(
    session: AsyncSession,
    tenant_id: str,
    *,
    key: str,
    channel: str,
    thread_key: str,
    reply: Reply,
    opens: bool = False,
) -> None:
    """`opens`: this post starts the thread; otherwise it is a reply inside it (never a new
    top-level message: delivery waits until the thread exists)."""
    await enqueue(
        session,
        tenant_id,
        key=key,
        channel=channel,
        address=InThread(thread_key, opens),
        body=reply.to_dict(),
    )


async def tell(
    session: AsyncSession,
    tenant_id: str,
    *,
    key: str,
    channel: str,
    user_id: str,
    reply: Reply,
    priority: Priority = Priority.NORMAL,
) -> None:
    await enqueue(
        session,
        tenant_id,
        key=key,
        channel=channel,
        address=PersonAddress(user_id),
        body=reply.to_dict(),
        priority=priority,
    )
