"""Short answers that need no form: the menu, help, contacts (§6), the display language."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.context import Contact, DialogContext
from dialogs.effects import SetLocale
from dialogs.ui import Button, Choices, Fact, FactCard, Step, Text


def menu(ctx: DialogContext, items: Sequence[str], resumable: Sequence[tuple[str, str]]) -> Choices:
    """What the bot can do, as buttons; unfinished forms first so they are easy to resume."""
    buttons = [
        Button(f"menu:resume:{key}", ctx.t("menu.resume", title=title), "primary")
        for key, title in resumable
    ]
    buttons += [Button(f"menu:{key}", ctx.t(f"menu.item.{key}")) for key in items]
    return Choices(ctx.t("menu.prompt"), tuple(buttons))


def how_to_use(ctx: DialogContext) -> Text:
    return Text(ctx.t("help.text", municipality=ctx.municipality.name))


def _contact_line(contact: Contact, ctx: DialogContext) -> str:
    parts = [contact.name]
    if contact.email:
        parts.append(contact.email)
    if contact.phone:
        parts.append(ctx.t("contacts.phone", phone=contact.phone))
    return " / ".join(parts)


def contacts(ctx: DialogContext) -> FactCard:
    """Whom to ask (§6): the guideline's inquiry contact and the policy division."""
    town = ctx.municipality
    return FactCard(
        title=ctx.t("contacts.title"),
        facts=(
            Fact(ctx.t("contacts.inquiry"), _contact_line(town.inquiry, ctx)),
            Fact(ctx.t("contacts.policy"), _contact_line(town.policy_division, ctx)),
            Fact(ctx.t("contacts.security"), _contact_line(town.security, ctx)),
        ),
        lines=(ctx.t("contacts.system_note"),),
        tone="info",
    )


def switch_language(locale: str, ctx: DialogContext) -> Step:
    switched = ctx.with_locale(locale)
    return Step().do(SetLocale(locale)).say(Text(switched.t("language.switched")))


def not_understood(ctx: DialogContext) -> Text:
    return Text(ctx.t("fallback.not_understood"))
