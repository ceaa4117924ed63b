"""Posts in the shared channels as the local channel keeps them (threads of replies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChannelPost, ConversationState


@dataclass(frozen=True)
class Thread:
    post: ChannelPost
    replies: list[ChannelPost]


async def add_post(
    session: AsyncSession,
    tenant_id: str,
    channel_key: str,
    body: dict[str, Any],
    thread_id: int | None = None,
) -> ChannelPost:
    post = ChannelPost(tenant_id=tenant_id, channel_key=channel_key, body=body, thread_id=thread_id)
    session.add(post)
    await session.flush()
    return post


async def replace_body(
    session: AsyncSession, tenant_id: str, post_id: int, body: dict[str, Any]
) -> bool:
    """Show a post as `body` from now on (a report card with its new status); False when
    this tenant has no such post."""
    post = await session.get(ChannelPost, post_id)
    if post is None or post.tenant_id != tenant_id:
        return False
    post.body = body
    session.add(post)
    return True


async def list_threads(
    session: AsyncSession, tenant_id: str, channel_key: str, limit: int = 50
) -> list[Thread]:
    """The newest `limit` threads of a channel, oldest first, each with all its replies."""
    tops = (
        await session.exec(
            select(ChannelPost)
            .where(
                col(ChannelPost.tenant_id) == tenant_id,
                col(ChannelPost.channel_key) == channel_key,
                col(ChannelPost.thread_id).is_(None),
            )
            .order_by(col(ChannelPost.id).desc())
            .limit(limit)
        )
    ).all()
    ids = [post.id for post in tops]
    replies = (
        await session.exec(
            select(ChannelPost)
            .where(col(ChannelPost.thread_id).in_(ids))
            .order_by(col(ChannelPost.id))
        )
    ).all()
    by_thread: dict[int, list[ChannelPost]] = {i: [] for i in ids if i is not None}
    for reply in replies:
        if reply.thread_id is not None:
            by_thread[reply.thread_id].append(reply)
    return [Thread(post, by_thread.get(post.id or 0, [])) for post in reversed(tops)]


async def posts_after(
    session: AsyncSession, tenant_id: str, channel_key: str, after: int | None
) -> tuple[list[ChannelPost], int]:
    """Posts of a channel after id `after` (none when `after` is None), and the last id."""
    where = (col(ChannelPost.tenant_id) == tenant_id, col(ChannelPost.channel_key) == channel_key)
    last = (await session.exec(select(func.max(ChannelPost.id)).where(*where))).one() or 0
    if after is None:
        return [], last
    statement = select(ChannelPost).where(*where, col(ChannelPost.id) > after)
    return list((await session.exec(statement.order_by(col(ChannelPost.id)))).all()), last


async def posts_since_last_turn(
    session: AsyncSession,
    tenant_id: str,
    channel_key: str,
    conversation: tuple[str, str, str],
    limit: int = 20,
) -> list[ChannelPost]:
    """The newest `limit` posts of a person's channel that came after their last turn in
    `conversation` (channel, user id, conversation id), oldest first; every post when they
    never spoke there. The comparison is one query, in the database's own time values."""
    channel, user_id, conversation_id = conversation
    last_turn = (
        select(ConversationState.updated_at)
        .where(
            col(ConversationState.tenant_id) == tenant_id,
            col(ConversationState.channel) == channel,
            col(ConversationState.user_id) == user_id,
            col(ConversationState.conversation_id) == conversation_id,
        )
        .scalar_subquery()
    )
    statement = (
        select(ChannelPost)
        .where(
            col(ChannelPost.tenant_id) == tenant_id,
            col(ChannelPost.channel_key) == channel_key,
            or_(last_turn.is_(None), col(ChannelPost.created_at) > last_turn),
        )
        .order_by(col(ChannelPost.id).desc())
        .limit(limit)
    )
    return list(reversed((await session.exec(statement)).all()))
