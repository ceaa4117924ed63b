"""When a risk case is serious (§4ア) or a possible information-security incident — rules as
data, each with the clause it comes from, applied to the reporter's answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dialogs.context import MunicipalityFacts
from storage.models import AISystem

Answers = Mapping[str, str]


@dataclass(frozen=True)
class SeriousRule:
    code: str
    clause: str
    applies: Callable[[Answers], bool]


SERIOUS_RULES: tuple[SeriousRule, ...] = (
    # The reporter's own view counts: §4ア asks whoever detects it to judge its importance.
    SeriousRule("reporter_says_serious", "§4ア", lambda a: a.get("severity") == "serious"),
    # The seed's own example of a case for the CAIO: biased or discriminatory output.
    SeriousRule("bias_or_discrimination", "§4ア", lambda a: a.get("category") == "bias"),
    SeriousRule("harm_to_third_parties", "§4", lambda a: a.get("impact") == "third_parties"),
    SeriousRule("already_published", "§4", lambda a: a.get("impact") == "published"),
)


def serious_reasons(answers: Answers) -> list[str]:
    return [rule.code for rule in SERIOUS_RULES if rule.applies(answers)]


def clause_of(code: str) -> str:
    for rule in SERIOUS_RULES:
        if rule.code == code:
            return rule.clause
    return "§4ア"  # escalated by the policy division


def security_incident(
    answers: Answers, systems: Sequence[AISystem], town: MunicipalityFacts
) -> bool:
    """Confidential or personal information went into a system not allowed for it (§2,
    §3(1)2): a possible information-security incident for the security contact as well."""
    entered = answers.get("entered")
    if entered not in ("confidential", "personal"):
        return False
    system = next((s for s in systems if s.id == answers.get("system")), None)
    if system is None or system.status != "designated":
        return True
    if entered == "personal":
        return not system.personal_info
    limit = system.max_class
    if limit not in town.confidentiality_classes:
        return True
    return not town.is_confidential(limit)
