"""A reply someone writes in a report's channel thread (mentioning the bot), recorded on it.

The thread was opened by the bot (the report's summary as a new channel conversation) and
its conversation id is the report's ThreadRef; a reply in it arrives with that id. Only the
policy division (admins) and the CAIO may add to a report this way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dialogs.turn import Turn
from dialogs.ui import Reply, Text
from storage.admin import roles_of
from storage.conversations import claim_event
from storage.db import transaction
from storage.models import RiskReport
from storage.reports import add_event
from storage.teams import thread_of

if TYPE_CHECKING:
    from bot.runtime import Runtime

_REPORT_THREAD = re.compile(r"^report:(\d+):policy$")


async def record_thread_reply(runtime: Runtime, turn: Turn, root: str) -> list[Reply] | None:
    """The answer to a reply in a report's thread; None when the thread is no report's."""
    async with transaction(runtime.sessions) as session:
        thread = await thread_of(session, turn.tenant_id, root)
        match = _REPORT_THREAD.match(thread.thread_key) if thread else None
        if match is None:
            return None
        tenant = await runtime.tenants.get(session, turn.tenant_id)
        report = await session.get(RiskReport, int(match[1]))
        if tenant is None or report is None or report.tenant_id != turn.tenant_id:
            return None
        msg = runtime.catalogs.for_locale(turn.locale)
        if turn.event_id and not await claim_event(
            session, turn.tenant_id, turn.channel, turn.event_id
        ):
            return []
        facts = tenant.facts
        granted = await roles_of(session, turn.tenant_id, turn.channel, turn.user_id)
        allowed = (
            turn.user_id in facts.admins
            or turn.user_id in facts.caio_users
            or bool(granted & {"admin", "caio"})
        )
        if not allowed:
            return [Text(msg.t("teams.thread_reply_not_allowed"))]
        text = (turn.text or "").strip()
        if not text:
            return []
        who = turn.user_name or turn.user_id
        await add_event(session, report, "thread_reply", who, {"text": text[:4000]})
        return [Text(msg.t("teams.thread_reply_recorded", number=report.number))]
