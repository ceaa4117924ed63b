"""The 別表 entry rules as data: what a question is (`EntryQuestion`, `Asker`), what an
answer holds (`Reason`, `Decision`), and each rule — a code, the clause it comes from, what it
does to the answer, the catalogue key of its explanation — in `RULES`. `dialogs.decision`
runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogs.context import ASSUMED_READY, MunicipalityFacts, Readiness
from dialogs.purposes import matches
from dialogs.text import normalize
from storage.models import AISystem

Outcome = Literal["allowed", "conditional", "denied", "ask_owner"]
Effect = Literal["deny", "ask", "condition", "note"]


@dataclass(frozen=True)
class Asker:
    division: str | None  # None: taken as one of the system's 利用者
    readiness: Readiness = ASSUMED_READY


@dataclass(frozen=True)
class EntryQuestion:
    system: AISystem | None
    asked_name: str = ""
    # Generative AI in general, no system named (a 個人番号 goes into none): nothing to refuse
    # as undesignated, and no rule about one system applies.
    any_system: bool = False
    klass: str | None = None  # None: the person does not know
    personal: bool | None = None  # None: the person does not know
    purpose: str | None = None  # None: not said
    device: Literal["work", "personal"] = "work"
    # 特定個人情報: the information contains a 個人番号 (My Number).
    my_number: bool = False
    # 要配慮個人情報 (個人情報保護法2条3項): health, welfare, criminal record, … are mentioned.
    sensitive: bool = False
    # The person said the purpose is none of the system's listed ones (「上記以外」).
    purpose_other: bool = False
    # The class the person gave, when personal information raised it (set by decide_entry).
    klass_said: str | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    clause: str
    effect: Effect
    message: str  # catalogue key
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "clause": self.clause, "message": self.message}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]  # why: every deny, ask and note
    conditions: tuple[Reason, ...]  # what to respect when entering
    next_steps: tuple[Reason, ...]  # what to do now
    alternatives: tuple[AISystem, ...] = ()  # designated systems that would take it
    # Whether other systems were looked at (a refusal of the information, not of the person):
    # then no alternatives means "none would take it", which the answer says.
    alternatives_checked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reasons": [r.to_json() for r in self.reasons],
            "conditions": [r.to_json() for r in self.conditions],
            "next_steps": [r.to_json() for r in self.next_steps],
            "alternatives": [s.id for s in self.alternatives],
        }


Test = Callable[[EntryQuestion, Asker, MunicipalityFacts], bool]


@dataclass(frozen=True)
class EntryRule:
    code: str
    clause: str
    effect: Effect
    applies: Test
    needs_system: bool = True
    next_step: str | None = None  # catalogue key under entry.next.


def _s(q: EntryQuestion) -> AISystem:
    assert q.system is not None
    return q.system


def _scale_index(town: MunicipalityFacts, klass: str) -> int:
    return town.confidentiality_classes.index(klass)


def _above_limit(q: EntryQuestion, a: Asker, m: MunicipalityFacts) -> bool:
    if q.klass not in m.confidentiality_classes:
        return False  # unknown: asked about, not refused
    if _s(q).max_class not in m.confidentiality_classes:
        return True  # a limit the scale does not know is no permission (scale changed since)
    return _scale_index(m, q.klass or "") < _scale_index(m, _s(q).max_class)


def _confidential_unconfirmed(q: EntryQuestion, a: Asker, m: MunicipalityFacts) -> bool:
    system = _s(q)
    confidential = q.klass in m.confidentiality_classes and m.is_confidential(q.klass or "")
    confirmed = system.ml_exclusion_confirmed_on and system.no_audit_confirmed_on
    return confidential and not confirmed


def _said(purpose: str | None) -> bool:
    return purpose is not None and bool(normalize(purpose))


def _not_a_user(q: EntryQuestion, a: Asker, m: MunicipalityFacts) -> bool:
    system = _s(q)
    return (
        not system.users_all_staff
        and a.division is not None
        and a.division not in system.user_divisions
    )


def _personal_allowed(q: EntryQuestion) -> bool:
    system = _s(q)
    return (
        system.personal_info
        and system.ml_exclusion_confirmed_on is not None
        and system.service_type != "public_terms"
    )


def _prohibited(q: EntryQuestion) -> bool:
    return _said(q.purpose) and matches(q.purpose or "", _s(q).prohibited_purposes)


RULES: tuple[EntryRule, ...] = (
    # 番号法 (行政手続における特定の個人を識別するための番号の利用等に関する法律) 9条・19条: a
    # 個人番号 is used only for the affairs the law lists (social security, tax, disaster
    # response) and provided only as it allows; municipal networks keep it in the separated
    # マイナンバー利用事務系. So it goes into no generative-AI system, whatever the 別表 allows
    # for other personal information.
    EntryRule(
        "my_number",
        "番号法9条・19条",
        "deny",
        lambda q, a, m: q.my_number,
        needs_system=False,
        next_step="remove_my_number",
    ),
    # §2: only designated systems; a division wanting another applies for designation.
    EntryRule(
        "not_designated",
        "§2",
        "deny",
        lambda q, a, m: q.system is None and not q.any_system,
        needs_system=False,
        next_step="request_designation",
    ),
    EntryRule(
        "suspended",
        "§2",
        "deny",
        lambda q, a, m: _s(q).status == "suspended",
        next_step="ask_owner",
    ),
    # §3(1)1: never work information into AI privately installed on a personal device.
    EntryRule(
        "personal_device",
        "§3(1)1",
        "deny",
        lambda q, a, m: q.device == "personal",
        needs_system=False,
        next_step="use_work_device",
    ),
    # §3(1)1: the designated training and the pre-use confirmations come first.
    EntryRule(
        "training_missing",
        "§3(1)1",
        "deny",
        lambda q, a, m: not a.readiness.trained,
        needs_system=False,
        next_step="take_training",
    ),
    EntryRule(
        "confirmations_missing",
        "§3(1)1",
        "deny",
        lambda q, a, m: a.readiness.trained and not a.readiness.confirmed,
        needs_system=False,
        next_step="confirm_before_use",
    ),
    # §5: a major version published for a later 施行日: today's confirmation still counts,
    # and the answer says by when the new one must be confirmed.
    EntryRule(
        "guideline_upcoming",
        "§5",
        "note",
        lambda q, a, m: bool(a.readiness.upcoming_version) and a.readiness.upcoming_on is not None,
        needs_system=False,
    ),
    EntryRule(
        "readiness_assumed",
        "§3(1)1",
        "note",
        lambda q, a, m: a.readiness.assumed,
        needs_system=False,
    ),
    # 別表 利用者 and 利用可能な業務の範囲 (§2), used only within that purpose (§3(2)1).
    EntryRule("not_a_user", "§2", "deny", _not_a_user, next_step="ask_owner"),
    EntryRule(
        "users_assumed",
        "§2",
        "note",
        lambda q, a, m: a.division is None and not _s(q).users_all_staff,
    ),
    EntryRule(
        "purpose_prohibited",
        "§3(2)1",
        "deny",
        lambda q, a, m: _prohibited(q),
        next_step="ask_owner",
    ),
    EntryRule(
        "purpose_outside_scope",
        "§3(2)1",
        "deny",
        lambda q, a, m: (
            _said(q.purpose)
            and bool(_s(q).purposes)
            and not matches(q.purpose or "", _s(q).purposes)
            and not matches(q.purpose or "", _s(q).prohibited_purposes)
        ),
        next_step="ask_owner",
    ),
    EntryRule(
        "purpose_within_scope",
        "§3(2)1",
        "condition",
        lambda q, a, m: not _said(q.purpose) and not q.purpose_other and bool(_s(q).purposes),
    ),
    # 「上記以外」: none of the listed purposes, so outside the scope the owner explained.
    EntryRule(
        "purpose_not_listed",
        "§3(2)1",
        "deny",
        lambda q, a, m: q.purpose_other and not _said(q.purpose) and bool(_s(q).purposes),
        next_step="ask_owner",
    ),
    # 別表 入力可能な情報: up to the system's class; 要機密情報 never on public-terms cloud.
    EntryRule(
        "class_unknown",
        "§2",
        "ask",
        lambda q, a, m: q.klass is None or q.klass not in m.confidentiality_classes,
        next_step="ask_owner",
    ),
    EntryRule(
        "class_above_limit",
        "§2",
        "deny",
        _above_limit,
        next_step="lower_the_class",
    ),
    # Closing note: 要機密情報 only where the provider confirmed both (no machine learning on
    # input, no audit without permission); the registry refuses such an entry, and the
    # decision checks again in case the scale changed after it was saved.
    EntryRule(
        "confidential_unconfirmed",
        "§2・末尾の注記",
        "deny",
        _confidential_unconfirmed,
        next_step="lower_the_class",
    ),
    EntryRule(
        "confidential_on_public_terms",
        "§3(1)2",
        "deny",
        lambda q, a, m: (
            _s(q).service_type == "public_terms"
            and q.klass in m.confidentiality_classes
            and m.is_confidential(q.klass or "")
        ),
        next_step="lower_the_class",
    ),
    EntryRule(
        "public_terms_without_permission",
        "§3(1)2",
        "deny",
        lambda q, a, m: _s(q).service_type == "public_terms" and _s(q).cloud_permission_on is None,
        next_step="ask_owner",
    ),
    # 保有個人情報 is normally 要機密情報: personal information said to be of a lower class is
    # judged at the municipality's lowest class for it, and the answer says so.
    EntryRule(
        "personal_raises_class",
        "§3(1)2",
        "note",
        lambda q, a, m: q.klass_said is not None,
        needs_system=False,
    ),
    # 要配慮個人情報 (race, creed, medical history, criminal record, …): named on its own.
    EntryRule(
        "sensitive_personal",
        "個人情報保護法2条3項",
        "note",
        lambda q, a, m: q.sensitive and q.personal is not False,
        needs_system=False,
    ),
    # 保有個人情報: only where the entry allows it and the provider does not learn from it.
    EntryRule(
        "personal_not_allowed",
        "§3(1)2",
        "deny",
        lambda q, a, m: (
            q.personal is True and (not _s(q).personal_info or _s(q).service_type == "public_terms")
        ),
        next_step="remove_personal",
    ),
    EntryRule(
        "personal_ml_unconfirmed",
        "§3(1)2",
        "deny",
        lambda q, a, m: (
            q.personal is True and _s(q).personal_info and _s(q).ml_exclusion_confirmed_on is None
        ),
        next_step="remove_personal",
    ),
    EntryRule(
        "personal_minimum_necessary",
        "§3(2)1",
        "condition",
        lambda q, a, m: q.personal is True and _personal_allowed(q),
    ),
    EntryRule(
        "personal_unknown",
        "§3(2)1",
        "ask",
        lambda q, a, m: q.personal is None,
        next_step="check_text",
    ),
    # §3(1)2: servers abroad fall under foreign law (censorship, seizure).
    EntryRule(
        "servers_abroad",
        "§3(1)2",
        "note",
        lambda q, a, m: _s(q).server_location == "abroad",
    ),
)

# §3(2)1 and §3(2)2: said with every answer that is not a refusal.
REMINDERS: tuple[tuple[str, str], ...] = (
    ("accurate_input", "§3(2)1"),
    ("check_output", "§3(2)2"),
    ("accountable", "§3(2)2"),
)
