"""May this information go into this system? A pure decision with every reason and its clause.

`decide_entry` reads only its arguments: the 別表 entry (or none), what the person says about
the information, and the person. The rules are data in `dialogs.entry_rules` — a code, the
clause it comes from, what it does to the answer, the catalogue key of its explanation — so a
rule never hides in a dialog or a channel, and the table-driven tests name the clause each
case proves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dialogs.context import MunicipalityFacts
from dialogs.entry_rules import (
    REMINDERS,
    RULES,
    Asker,
    Decision,
    EntryQuestion,
    EntryRule,
    Outcome,
    Reason,
)
from dialogs.purposes import PurposeMatch, match_purpose
from storage.models import AISystem

# Matching free text against a system's purposes lives in dialogs.purposes; it is named here
# too, as the decision's own vocabulary.
__all__ = ["Asker", "Decision", "EntryQuestion", "PurposeMatch", "Reason", "decide_entry"]
__all__ += ["REMINDERS", "RULES", "match_purpose"]


def decide_entry(
    question: EntryQuestion,
    asker: Asker,
    town: MunicipalityFacts,
    registry: Sequence[AISystem] = (),
) -> Decision:
    """The answer to "may I enter this information into this system?"."""
    question = _with_personal_class(question, town)
    fired = [
        rule
        for rule in RULES
        if (question.system is not None or not rule.needs_system)
        and rule.applies(question, asker, town)
    ]
    params = _params(question, asker, town)
    effects = {rule.effect for rule in fired}
    outcome: Outcome = (
        "denied"
        if "deny" in effects
        else "ask_owner"
        if "ask" in effects
        else "conditional"
        if "condition" in effects
        else "allowed"
    )

    def reason(rule: EntryRule) -> Reason:
        return Reason(rule.code, rule.clause, rule.effect, f"entry.reason.{rule.code}", params)

    # A refusal gives its own reasons; what is still unknown no longer matters then.
    shown = ("deny", "note") if outcome == "denied" else ("ask", "note")
    reasons = tuple(reason(r) for r in fired if r.effect in shown)
    # What to respect applies only to an entry that may go ahead; a refusal says instead
    # what to do (its next steps).
    conditions: list[Reason] = []
    if outcome != "denied":
        conditions = [reason(r) for r in fired if r.effect == "condition"]
        conditions += [
            Reason(code, clause, "condition", f"entry.reminder.{code}", params)
            for code, clause in REMINDERS
        ]
    steps: list[str] = []
    for rule in fired:
        if rule.next_step and rule.next_step not in steps and rule.effect in shown:
            steps.append(rule.next_step)
    if outcome == "ask_owner" and "ask_owner" not in steps:
        steps.append("ask_owner")
    if outcome in ("conditional", "allowed") and question.system and question.system.manual_url:
        steps.append("read_manual")
    next_steps = tuple(
        Reason(step, _STEP_CLAUSES.get(step, "§6"), "note", f"entry.next.{step}", params)
        for step in steps
    )
    alternatives: tuple[AISystem, ...] = ()
    # Other systems only help when the information is refused, not the person or the device.
    checked = (
        outcome == "denied"
        and question.device == "work"
        and asker.readiness.trained
        and asker.readiness.confirmed
        and bool(registry)
        # 「上記以外」 says what the purpose is not, not what it is: no other system can be
        # said to take it (the purpose question invites the person's own words instead).
        and not question.purpose_other
    )
    if checked:
        alternatives = _alternatives(question, asker, town, registry)
    return Decision(
        outcome, reasons, tuple(conditions), next_steps, alternatives, alternatives_checked=checked
    )


def _with_personal_class(question: EntryQuestion, town: MunicipalityFacts) -> EntryQuestion:
    """Personal information is at least the municipality's class for it (default 2)."""
    scale = town.confidentiality_classes
    floor = town.personal_info_floor()
    if question.personal is not True or question.klass not in scale:
        return question
    if scale.index(question.klass or "") <= scale.index(floor):
        return question  # already at or above it
    return replace(question, klass=floor, klass_said=question.klass)


_STEP_CLAUSES = {
    "request_designation": "§2",
    "use_work_device": "§3(1)1",
    "take_training": "§3(1)1",
    "confirm_before_use": "§3(1)1",
    "remove_personal": "§3(2)1",
    "check_text": "§3(2)1",
    "lower_the_class": "§2",
    "ask_owner": "§6",
    "read_manual": "§3(2)1",
    "remove_my_number": "番号法9条・19条",
}


def _alternatives(
    question: EntryQuestion,
    asker: Asker,
    town: MunicipalityFacts,
    registry: Sequence[AISystem],
) -> tuple[AISystem, ...]:
    """Other designated systems that would allow the same question (purpose, information,
    class, this person's division, device), or allow it on conditions.

    A class the person does not know is taken as the lowest the information can be (the
    municipality's class for personal information, or the least confidential class): a system
    that refuses even that is no alternative.
    """
    scale = town.confidentiality_classes
    klass = question.klass_said or question.klass
    if klass not in scale:
        klass = town.personal_info_floor() if question.personal else scale[-1]
    found = []
    for system in registry:
        if question.system is not None and system.id == question.system.id:
            continue
        other = replace(question, system=system, klass=klass, klass_said=None)
        if decide_entry(other, asker, town).outcome in ("allowed", "conditional"):
            found.append(system)
    return tuple(found)


def _params(question: EntryQuestion, asker: Asker, town: MunicipalityFacts) -> dict[str, Any]:
    system = question.system
    params: dict[str, Any] = {
        "asked": question.asked_name,
        "klass": question.klass or "",
        "klass_said": question.klass_said or "",
        "purpose": question.purpose or "",
        "division": asker.division or "",
        "training": town.training_name,
        "policy": town.policy_division.name,
        "policy_contact": town.policy_division.phone or town.policy_division.email,
        "lowest": town.confidentiality_classes[-1],
        "confidential_from": town.confidential_from,
        "upcoming_version": asker.readiness.upcoming_version,
        "upcoming_on": (
            f"{asker.readiness.upcoming_on.month}/{asker.readiness.upcoming_on.day}"
            if asker.readiness.upcoming_on
            else ""
        ),
    }
    if system is not None:
        params |= {
            "system": system.name,
            "max_class": system.max_class,
            "owner": system.owner_division,
            "owner_contact": system.owner_contact,
            "users": list(system.user_divisions),  # lists are joined by the renderer
            "purposes": list(system.purposes),
            "prohibited": list(system.prohibited_purposes),
            "condition": system.personal_info_condition,
            "manual": system.manual_url,
        }
    return params
