"""Effects of the pre-use confirmation and guideline versions (§3(1)1, §5)."""

from __future__ import annotations

from bot.effects import Applied, EffectHandlers
from bot.services.home_changes import home_changed
from bot.services.pre_use import publish, standings, summary_rows
from dialogs.context import DialogContext
from dialogs.effects import PublishGuideline, SaveConfirmation, ShowPreUseSummary
from dialogs.guideline import summary_card
from dialogs.ui import Reply, Text
from storage.models import Broadcast, Confirmation, GuidelineVersion
from storage.pre_use import save_confirmation


async def confirm(done: Applied, effect: SaveConfirmation) -> None:
    tenant_id, channel, user_id = done.who
    await save_confirmation(
        done.session,
        Confirmation(
            tenant_id=tenant_id,
            channel=channel,
            user_id=user_id,
            guideline_seq=effect.guideline_seq,
            training_completed_on=effect.training_completed_on,
            items=list(effect.items),
        ),
    )
    await home_changed(done.session, tenant_id, channel, user_id)


async def publish_version(done: Applied, effect: PublishGuideline) -> list[Reply]:
    town = done.ctx.municipality
    published = await publish(
        done.session, town, effect, done.ctx, done.turn.channel, done.turn.user_id
    )
    return published_replies(published, effect, done.ctx)


def published_replies(
    published: tuple[GuidelineVersion, Broadcast] | None,
    effect: PublishGuideline,
    ctx: DialogContext,
) -> list[Reply]:
    if published is None:
        return [Text(ctx.t("publish.duplicate", version=effect.version))]
    version, broadcast = published
    kind = ctx.t(f"forms.guideline_publish.kinds.{version.kind}")
    done = ctx.t("publish.done", version=version.version, kind=kind, count=broadcast.total)
    return [Text(done)]


async def show_summary(done: Applied, effect: ShowPreUseSummary) -> list[Reply]:
    town, ctx = done.ctx.municipality, done.ctx
    today = done.services.today()
    rows = summary_rows(await standings(done.session, town, today), today, town)
    state = ctx.person.pre_use
    version = state.current_version if state else town.guideline_version
    return [summary_card(rows, version, ctx)]


def register(handlers: EffectHandlers) -> None:
    handlers.register(SaveConfirmation, confirm)
    handlers.register(PublishGuideline, publish_version)
    handlers.register(ShowPreUseSummary, show_summary)
