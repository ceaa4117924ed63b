"""Effects of designation requests (§2): filing, deciding, asking and answering.

A request is the policy division's to decide and its applicant's to answer; a request of
another municipality, or one the asker may not act on, gets the same answer as a missing one
and the attempt is audited. Approval is `system add` prefilled from the request.
"""

from __future__ import annotations

from bot.effects import Applied, EffectHandlers
from bot.services import designation as designation_ops
from bot.services.admin import Actor
from dialogs.designation import (
    FileRequest,
    OpenRequestForm,
    RequestAction,
    missing_for_approval,
    system_answers,
)
from dialogs.ui import Reply, Text
from storage.models import DesignationRequest


def actor(done: Applied) -> Actor:
    return Actor(done.turn.channel, done.turn.user_id, done.actor_name, done.shared_channel)


async def request_for(done: Applied, request_id: int, verb: str) -> DesignationRequest | None:
    """The request, when it is this municipality's and the asker may act on it (an admin,
    or its applicant answering); else None, audited, and the same answer either way."""
    turn = done.turn
    request = await done.session.get(DesignationRequest, request_id)
    mine = request is not None and (request.applicant_channel, request.applicant) == (
        turn.channel,
        turn.user_id,
    )
    allowed = done.ctx.person.role == "admin" or (verb == "answer" and mine)
    if request is None or request.tenant_id != turn.tenant_id or not allowed:
        await done.refused(f"request.{verb}", f"request:{request_id}")
        return None
    return request


async def file(done: Applied, effect: FileRequest) -> list[Reply]:
    return await designation_ops.file_request(done.session, effect.answers, done.ctx, actor(done))


async def on_request(done: Applied, effect: RequestAction) -> list[Reply]:
    ctx = done.ctx
    request = await request_for(done, effect.request_id, effect.verb)
    if request is None:
        return [Text(ctx.t("designation.not_found_or_refused"))]
    if effect.verb != "approve":
        return await designation_ops.act(
            done.session, request, effect.verb, effect.answers, ctx, actor(done)
        )
    if request.status != "pending":
        return [Text(ctx.t("designation.already", number=request.id))]
    missing = missing_for_approval(request.answers, ctx)
    initial = system_answers(effect.request_id, request.answers, ctx)
    started = done.services.runner.start(done.conv, "system_form", ctx, initial=initial)
    said = [Text("\n".join([ctx.t("designation.missing"), *missing]))] if missing else []
    return [*said, *started.replies]


async def open_form(done: Applied, effect: OpenRequestForm) -> list[Reply]:
    if await request_for(done, effect.request_id, effect.verb) is None:
        return [Text(done.ctx.t("designation.not_found_or_refused"))]
    initial = {"request": str(effect.request_id)}
    return list(
        done.services.runner.start(done.conv, effect.form, done.ctx, initial=initial).replies
    )


def register(handlers: EffectHandlers) -> None:
    handlers.register(FileRequest, file)
    handlers.register(RequestAction, on_request)
    handlers.register(OpenRequestForm, open_form)
