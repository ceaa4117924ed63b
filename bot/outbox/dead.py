"""A dead message to a shared channel is mailed to the policy contact instead.

A post that never reached the CAIO's or the policy division's channel (a serious case, a
report's thread) must not just sit in `aiguide outbox list --dead`: someone has to read it.
The mail goes through the outbox too (most urgent first), with a key of its own.
"""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.plain import render
from bot.outbox.deliverers import NoDestination, Undeliverable
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
    why = _why(message)
    # What to do: a post that was never retried needs its channel chosen (or back) first.
    todo = "retry" if why == "retried" else ("teams" if message.channel == "teams" else "other")
    params = {"channel": channel, "attempts": message.attempts, "id": message.id}
    params |= {"key": "caio" if caio else "policy", "tenant": message.tenant_id}
    params["reason"] = ctx.t(f"outbox.dead_mail.reason.{why}", **params)
    params["why"] = ctx.t(f"outbox.dead_mail.why.{why}", **params)
    params["todo"] = ctx.t(f"outbox.dead_mail.todo.{todo}", **params)
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


def _why(message: OutboxMessage) -> str:
    """Why it died, from its last error (`Type: text`, bot.outbox.delivery): no channel
    chosen, the platform refusing for good (both dead at the first attempt), or retried."""
    kind = (message.last_error or "").partition(":")[0]
    if kind == NoDestination.__name__:
        return "unset"
    if kind == Undeliverable.__name__:
        return "refused"
    return "retried"
