"""Short answers that need no form (the menu, help, contacts (§6), the display language), and
how a typed answer matches the options of a question."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from dialogs.context import Contact, DialogContext
from dialogs.effects import SetLocale
from dialogs.keywords import control_word, words
from dialogs.registry import mentioned_system
from dialogs.text import normalize
from dialogs.ui import Button, Choices, Fact, FactCard, Option, Step, Text
from dialogs.understand.analyser import analyse


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


def not_understood(ctx: DialogContext, topic: str | None = None) -> Text:
    """ "Not understood", or for a matter outside this bot (`topic`), where to turn instead."""
    if topic is None or not ctx.msg.has(f"fallback.out_of_scope.{topic}"):
        return Text(ctx.t("fallback.not_understood"))
    security = _contact_line(ctx.municipality.security, ctx)
    policy = _contact_line(ctx.municipality.policy_division, ctx)
    return Text(ctx.t(f"fallback.out_of_scope.{topic}", security=security, policy=policy))


# --- a typed answer to a question with options -------------------------------------------

# Option values that mean "yes" / "I don't know" whatever their label says.
_YES_VALUES = ("yes", "confirmed", "continue", "ok", "agree")
# 「いいえ」「なし」 to 「入力しましたか？」 is its option 「入力していない」 (value "none").
_NO_VALUES = ("no", "none")
_NONE_VALUES = ("none",)
_UNKNOWN_VALUES = ("unknown", "unsure")
_ORDINAL = re.compile(r"^(?:no\.?|#)?(\d{1,2})(?:番|番目|つ目|\.)?$")


def match_option(text: str, options: Sequence[Option], ctx: DialogContext) -> Option | None:
    """The option a typed answer means, the same way wherever options are offered.

    In order: its label or value (width and case folded), its number (「2」「2番」), a word
    meaning yes / no / don't know for an option that means it, a system's alias for an
    option that is a system, then a part of exactly one label (「その他」) or a label one
    typo away. None when the text is no option, or could be more than one.
    """
    wanted = normalize(text).replace(" ", "")
    if not wanted or not options:
        return None

    def folded(value: str) -> str:
        return normalize(value).replace(" ", "")

    for option in options:
        if wanted in (folded(option.label), folded(option.value)):
            return option
    if (number := _ORDINAL.match(wanted)) and 1 <= int(number[1]) <= len(options):
        return options[int(number[1]) - 1]
    meaning = control_word(text)
    by_meaning = {"yes": _YES_VALUES, "no": _NO_VALUES, "unknown": _UNKNOWN_VALUES}
    by_meaning["skip"] = _NONE_VALUES
    if meaning in by_meaning:
        meant = [o for o in options if o.value in by_meaning[meaning]]
        if meaning == "unknown":
            unknown = [folded(w) for w in words("control", "unknown") if len(w) >= 3]
            meant = meant or [o for o in options if any(w in folded(o.label) for w in unknown)]
        if len(meant) == 1:
            return meant[0]
    systems = {s.id: s for s in ctx.systems}
    if any(o.value in systems for o in options):
        named = mentioned_system([systems[o.value] for o in options if o.value in systems], text)
        if named is not None:
            return next(o for o in options if o.value == named.id)
    if len(wanted) >= 2:
        containing = [o for o in options if wanted in folded(o.label)]
        if len(containing) == 1:
            return containing[0]
    if (sounding := _same_sound(text, options)) is not None:
        return sounding
    labels = {folded(o.label): o for o in options}
    close = difflib.get_close_matches(wanted, list(labels), n=2, cutoff=0.8)
    if len(close) == 1 or (close and len(wanted) >= 4):
        return labels[close[0]]
    return None


def _same_sound(text: str, options: Sequence[Option]) -> Option | None:
    """「税務化」「ぜいむか」 for 税務課: a kanji slip of the IME, or kana left unconverted, sound
    like the one label (「ぜいむ」 like the start of one, from three kana on)."""
    if text.isascii():  # Latin text has no kana reading to go by
        return None
    heard = analyse(text).reading
    if not heard:
        return None
    sounds = [(o, analyse(o.label).reading) for o in options]
    same = [o for o, sound in sounds if sound == heard]
    if not same and len(heard) >= 3:
        same = [o for o, sound in sounds if sound.startswith(heard)]
    return same[0] if len(same) == 1 else None


# --- thanks, the training ------------------------------------------------------------------


def thanks(ctx: DialogContext) -> Text:
    return Text(ctx.t("thanks.text"))


def training(ctx: DialogContext) -> FactCard:
    """「研修はいつ？」「使う前に何をすれば？」: the training, who runs it, the steps (§3(1)1)."""
    town = ctx.municipality
    policy = town.policy_division
    contact = " / ".join(part for part in (policy.email, policy.phone) if part)
    return FactCard(
        title=ctx.t("training.title"),
        facts=(
            Fact(ctx.t("training.name"), town.training_name),
            Fact(ctx.t("training.held_by"), f"{policy.name} {contact}".strip()),
        ),
        lines=(ctx.t("training.steps", training=town.training_name),),
        tone="info",
    )
