"""A policy-division member's message in a report's thread goes on the report's timeline."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.channels.slack.adapter import CHANNEL, Workspace, plain_text
from storage.admin import roles_of
from storage.conversations import claim_event
from storage.db import transaction
from storage.reports import add_event, get_report
from storage.slack import thread_key_at

log = logging.getLogger(__name__)

_REPORT_THREAD = re.compile(r"^report:(\d+):policy$")


async def record_thread_reply(
    channel: Any, workspace: Workspace, event: dict[str, Any], event_id: str
) -> bool:
    """True when the message was recorded (once per event id, however often Slack sends it)."""
    text = plain_text(str(event.get("text") or ""))
    if not text:
        return False  # a file without a comment, a message without text: no words to record
    tenant_id = await channel.tenant_for(workspace)
    if tenant_id is None:
        return False
    user = str(event.get("user", ""))
    token = await channel.token_for(workspace)
    profile = await channel.profile(token, workspace, user) if token else None
    async with transaction(channel.runtime.sessions) as session:
        tenant = await channel.runtime.tenants.get(session, tenant_id)
        if tenant is None or event.get("channel") != tenant.facts.policy_channel_id:
            return False
        key = await thread_key_at(session, tenant_id, str(event.get("thread_ts", "")))
        match = _REPORT_THREAD.match(key or "")
        if match is None:
            return False
        granted = await roles_of(session, tenant_id, CHANNEL, user)
        if user not in tenant.facts.admins and "admin" not in granted:
            return False  # only the policy division's words go on the record
        if not await claim_event(session, tenant_id, CHANNEL, f"ev:{event_id}"):
            return False
        report = await get_report(session, tenant_id, int(match[1]))
        if report is None:
            return False
        who = (profile.name if profile else "") or user
        await add_event(session, report, "comment", who, {"text": text})
    log.info("recorded a thread reply on report %s", match[1])
    return True
