"""Carrying out what a dialog asked for (its effects), inside the turn's transaction.

Each domain registers a handler per effect type beside its service (`bot/services/*_effects`
modules); the registry dispatches on the effect's type. A handler gets the turn's session,
the turn, its dialog context and conversation, and the few runtime services it may use
(`Services`) — never the runtime itself. Permission is checked again in the handlers against
the stored roles and records before anything changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.context import DialogContext, MunicipalityFacts
from dialogs.forms import FormRunner
from dialogs.state import ConversationData
from dialogs.turn import Turn
from dialogs.ui import Reply
from storage.admin import audit


@dataclass(frozen=True)
class Services:
    """What effect handlers may use of the runtime."""

    runner: FormRunner  # to open a form an effect leads to (after a permission check)
    today: Callable[[], date]
    shared_channel: Callable[[MunicipalityFacts], str]


@dataclass(frozen=True)
class Applied:
    """One effect being carried out: the turn it came from and where it may write."""

    session: AsyncSession
    turn: Turn
    ctx: DialogContext
    conv: ConversationData
    services: Services

    @property
    def who(self) -> tuple[str, str, str]:
        return (self.turn.tenant_id, self.turn.channel, self.turn.user_id)

    @property
    def actor_name(self) -> str:
        person = self.ctx.person
        name = " ".join(part for part in (person.division, person.display_name) if part)
        return name or self.turn.user_id

    @property
    def shared_channel(self) -> str:
        return self.services.shared_channel(self.ctx.municipality)

    async def refused(self, action: str, target: str) -> None:
        """A refused or missing object, recorded in the asker's municipality. Only ids the
        router parsed reach `target`; never the text a person typed."""
        await audit(
            self.session,
            self.turn.tenant_id,
            channel=self.turn.channel,
            actor=self.turn.user_id,
            action=action[:64],
            target=target[:200],
            outcome="refused",
        )


Handler = Callable[[Applied, Any], Awaitable[list[Reply] | None]]


class EffectHandlers:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._handlers: dict[type, Handler] = {}

    def register(self, kind: type, handler: Handler) -> None:
        if kind in self._handlers:
            raise ValueError(f"two handlers for {kind.__name__}")
        self._handlers[kind] = handler

    async def apply(
        self,
        session: AsyncSession,
        turn: Turn,
        ctx: DialogContext,
        effect: Any,
        conv: ConversationData,
    ) -> list[Reply]:
        """Carry out one effect in the turn's transaction; replies it adds, if any."""
        handler = self._handlers.get(type(effect))
        if handler is None:
            raise TypeError(f"no handler for effect {effect!r}")
        return list(await handler(Applied(session, turn, ctx, conv, self.services), effect) or [])


def all_handlers(services: Services) -> EffectHandlers:
    """Every domain's handlers."""
    from bot.services import (
        admin_effects,
        designation_effects,
        people_effects,
        pre_use_effects,
        report_effects,
    )

    handlers = EffectHandlers(services)
    for domain in (
        people_effects,
        pre_use_effects,
        report_effects,
        designation_effects,
        admin_effects,
    ):
        domain.register(handlers)
    return handlers
