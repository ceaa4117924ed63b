"""A dead message to a shared channel is mailed to the policy contact instead.

A post that never reached the CAIO's or the policy division's channel (a serious case, a
report's thread) must not just sit in `aiguide outbox list --dead`: someone has to read it.
The mail goes through the outbox too (most urgent first), with a key of its own.
"""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.plain import render
from dialogs.context import DialogContext, MunicipalityFacts
from dialogs.ui import from_dict
from storage.addresses import CaioChannel, MailAddress, address_of, shared_channel_of
from storage.models import OutboxMessage
from storage.outbox import Priority, enqueue

log = logging.getLogger(__name__)


async def mail_dead_letter(
    session: AsyncSession, message: OutboxMessage, town: MunicipalityFacts, ctx: DialogContext
) -> bool:
    """Whether a mail was queued (only for a shared channel's post, and with an address)."""
    place = shared_channel_of(address_of(message.target, message.thread_key, message.opens_thread))
    if place is None:
        return False
    contact = town.policy_division.email
    if not contact:
        log.warning("outbox %s is dead and no policy contact e-mail is set", message.id)
        return False
    caio = isinstance(place, CaioChannel)
    channel = ctx.t("outbox.dead_mail.caio") if caio else ctx.t("outbox.dead_mail.policy")
    try:
        body = render(from_dict(message.body))
    except Exception:  # a body this version cannot read: still say that something is lost
        body = str(message.body)
    params = {"channel": channel, "attempts": message.attempts, "id": message.id}
    await enqueue(
        session,
        message.tenant_id,
        key=f"dead:{message.id}:{message.dead_at.isoformat() if message.dead_at else ''}",
        channel="email",
        address=MailAddress(contact),
        body={
            "subject": ctx.t("outbox.dead_mail.subject", **params),
            "text": ctx.t("outbox.dead_mail.text", **params, body=body),
        },
        priority=Priority.URGENT,
    )
    return True
