"""Designation requests from the bot's side: stored, one thread each in the policy-division
channel, every outcome told to the applicant in their own conversation."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.outbox.threads import post_in_thread, tell
from bot.services.admin import Actor
from dialogs.context import DialogContext
from dialogs.designation import request_card
from dialogs.ui import Button, Choices, Reply, Text
from storage.admin import audit
from storage.models import AISystem, DesignationRequest, utcnow


def thread_key(request: DesignationRequest) -> str:
    return f"designation:{request.id}:policy"


async def _to_thread(
    session: AsyncSession, request: DesignationRequest, actor: Actor, key: str, text: str
) -> None:
    await post_in_thread(
        session,
        request.tenant_id,
        key=f"designation:{request.id}:{key}",
        channel=actor.shared_channel,
        thread_key=thread_key(request),
        reply=Text(text),
    )


async def _to_applicant(
    session: AsyncSession, request: DesignationRequest, key: str, reply: Reply
) -> None:
    await tell(
        session,
        request.tenant_id,
        key=f"designation:{request.id}:applicant:{key}",
        channel=request.applicant_channel,
        user_id=request.applicant,
        reply=reply,
    )


async def file_request(
    session: AsyncSession, answers: Mapping[str, str], ctx: DialogContext, actor: Actor
) -> list[Reply]:
    request = DesignationRequest(
        tenant_id=ctx.municipality.tenant_id,
        applicant_channel=actor.channel,
        applicant=actor.user_id,
        answers=dict(answers),
    )
    session.add(request)
    await session.flush()
    assert request.id is not None
    await post_in_thread(
        session,
        request.tenant_id,
        key=f"designation:{request.id}:filed",
        channel=actor.shared_channel,
        thread_key=thread_key(request),
        reply=request_card(request.id, answers, actor.name, ctx),
        opens=True,
    )
    return [Text(ctx.t("designation.filed", number=request.id))]


async def act(
    session: AsyncSession,
    request: DesignationRequest,
    verb: str,
    answers: Mapping[str, str],
    ctx: DialogContext,
    actor: Actor,
) -> list[Reply]:
    """reject / ask / answer (approval goes through `system add`, see `approved`)."""
    if request.status != "pending" and verb in ("reject", "ask"):
        return [Text(ctx.t("designation.already", number=request.id))]
    step = f"{verb}:{utcnow().isoformat()}"
    if verb == "reject":
        reason = answers.get("reason", "")
        request.status = "rejected"
        await _to_thread(
            session,
            request,
            actor,
            step,
            ctx.t("designation.event.rejected", who=actor.name, reason=reason),
        )
        await _to_applicant(
            session,
            request,
            step,
            Text(ctx.t("designation.told.rejected", number=request.id, reason=reason)),
        )
    elif verb == "ask":
        question = answers.get("question", "")
        await _to_thread(
            session,
            request,
            actor,
            step,
            ctx.t("designation.event.asked", who=actor.name, question=question),
        )
        await _to_applicant(
            session,
            request,
            step,
            Choices(
                ctx.t("designation.told.asked", number=request.id, question=question),
                (Button(f"request:{request.id}:answer", ctx.t("report.button.answer"), "primary"),),
            ),
        )
    elif verb == "answer":
        answer = answers.get("answer", "")
        await _to_thread(
            session,
            request,
            actor,
            step,
            ctx.t("designation.event.answered", who=actor.name, answer=answer),
        )
    request.updated_at = utcnow()
    session.add(request)
    await audit(
        session,
        request.tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action=f"designation.{verb}",
        target=f"designation:{request.id}",
        after=dict(answers),
    )
    return [Text(ctx.t(f"designation.done.{verb}", number=request.id))]


async def approved(
    session: AsyncSession, request_id: int, system: AISystem, ctx: DialogContext, actor: Actor
) -> list[Reply]:
    """The system was added from the request: the request is approved, the applicant told."""
    request = await session.get(DesignationRequest, request_id)
    if request is None or request.tenant_id != system.tenant_id:
        return []
    request.status = "approved"
    request.updated_at = utcnow()
    session.add(request)
    step = f"approved:{system.id}"
    await _to_thread(
        session,
        request,
        actor,
        step,
        ctx.t("designation.event.approved", who=actor.name, system=system.name),
    )
    await _to_applicant(
        session,
        request,
        step,
        Text(ctx.t("designation.told.approved", number=request.id, system=system.name)),
    )
    await audit(
        session,
        request.tenant_id,
        channel=actor.channel,
        actor=actor.user_id,
        action="designation.approve",
        target=f"designation:{request.id}",
        after={"system": system.id},
    )
    return [Text(ctx.t("designation.done.approve", number=request.id))]
