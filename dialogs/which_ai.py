"""「要約に使えるAIは？」「どのAIを使えばいい？」: the designated systems that fit the question.

The answer is the decision engine's, asked once per designated system: a system is listed
when `decide_entry` would not refuse this purpose and this information from this person's
division. Readiness (training, confirmations) is said once for the person, not per system,
so someone who still has to take the training sees which systems they could use afterwards.
"""

from __future__ import annotations

from dataclasses import replace

from dialogs.context import ASSUMED_READY, DialogContext
from dialogs.decision import EntryQuestion, decide_entry
from dialogs.entry_check import asker_of
from dialogs.registry import limits_line
from dialogs.ui import Button, Fact, FactCard, Step
from dialogs.understand.slots import personal_in, published_in, slots_of
from storage.models import AISystem


def fitting_systems(
    ctx: DialogContext, purposes: tuple[str, ...], personal: bool | None, klass: str | None
) -> list[AISystem]:
    asker = replace(asker_of(ctx), readiness=ASSUMED_READY)
    found = []
    for system in ctx.systems:
        if system.status != "designated":
            continue
        fits = True
        for purpose in purposes or (None,):
            question = EntryQuestion(system=system, klass=klass, personal=personal, purpose=purpose)
            if decide_entry(question, asker, ctx.municipality).outcome == "denied":
                fits = False
        if fits:
            found.append(system)
    return found


def answer(ctx: DialogContext, text: str | None) -> Step:
    slots = slots_of(text or "", ctx.systems)
    personal = personal_in(text) if text else None
    published = published_in(text) if text else None
    town = ctx.municipality
    klass = None
    if published is True:
        klass = town.confidentiality_classes[-1]
    elif published is False:
        klass = town.confidential_from
    systems = fitting_systems(ctx, slots.purposes, personal, klass)
    separator = ctx.t("common.separator")
    asked = []
    if slots.purposes:
        asked.append(ctx.t("which_ai.asked_purpose", purpose=separator.join(slots.purposes)))
    if personal:
        asked.append(ctx.t("which_ai.asked_personal"))
    if ctx.person.division:
        asked.append(ctx.t("which_ai.asked_division", division=ctx.person.division))
    lines = [ctx.t("which_ai.asked", asked=separator.join(asked))] if asked else []
    buttons = [Button("menu:entry_check", ctx.t("which_ai.button.check"))]
    if not systems:
        lines.append(ctx.t("which_ai.none"))
        buttons.insert(0, Button("menu:designation", ctx.t("menu.item.designation"), "primary"))
        buttons.append(Button("menu:contacts", ctx.t("menu.item.contacts")))
        return Step().say(
            FactCard(
                ctx.t("which_ai.title_none"),
                lines=tuple(lines),
                tone="warn",
                buttons=tuple(buttons),
            )
        )
    facts = tuple(
        Fact(
            system.name,
            ctx.t(
                "which_ai.system",
                limits=limits_line(system, ctx),
                owner=system.owner_division,
                contact=system.owner_contact,
            ),
        )
        for system in systems
    )
    lines.append(ctx.t("which_ai.then_check"))
    readiness = ctx.person.readiness
    if not readiness.trained or not readiness.confirmed:
        lines.append(ctx.t("which_ai.not_ready", training=town.training_name))
        buttons.insert(0, Button("menu:pre_use", ctx.t("pre_use.button.start"), "primary"))
    return Step().say(
        FactCard(
            ctx.t("which_ai.title", count=len(systems)),
            facts=facts,
            lines=tuple(lines),
            tone="info",
            buttons=tuple(buttons),
        )
    )
