"""The 別表's own rules (checked whenever an entry is saved) and finding a system by name.

Each rule is data: a code, the clause it comes from, the catalogue key of its message, and
the test it applies. The same rules serve the import, the admin commands and the forms.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dialogs.context import DialogContext, MunicipalityFacts
from dialogs.text import normalize
from storage.models import AISystem

SERVICE_TYPES = ("public_terms", "contracted", "on_premises")
SERVER_LOCATIONS = ("domestic", "abroad")
STATUSES = ("designated", "suspended")


@dataclass(frozen=True)
class Problem:
    code: str
    clause: str
    message: str  # catalogue key
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryRule:
    code: str
    clause: str
    message: str
    violated: Callable[[AISystem, MunicipalityFacts], bool]
    params: Callable[[AISystem, MunicipalityFacts], dict[str, object]] = lambda e, m: {}


def _on_scale(entry: AISystem, town: MunicipalityFacts) -> bool:
    return entry.max_class in town.confidentiality_classes


def _confidential(entry: AISystem, town: MunicipalityFacts) -> bool:
    return _on_scale(entry, town) and town.is_confidential(entry.max_class)


def _lowest(town: MunicipalityFacts) -> str:
    return town.confidentiality_classes[-1]


ENTRY_RULES: tuple[EntryRule, ...] = (
    EntryRule(
        "class_not_on_scale",
        "§2",
        "registry.rule.class_not_on_scale",
        lambda e, m: not _on_scale(e, m),
        lambda e, m: {"value": e.max_class, "valid": ", ".join(m.confidentiality_classes)},
    ),
    # Closing note of the guideline: 要機密情報 only after both provider confirmations.
    EntryRule(
        "confidential_needs_confirmations",
        "§2・末尾の注記",
        "registry.rule.confidential_needs_confirmations",
        lambda e, m: (
            _confidential(e, m)
            and (e.ml_exclusion_confirmed_on is None or e.no_audit_confirmed_on is None)
        ),
        lambda e, m: {"value": e.max_class},
    ),
    EntryRule(
        "public_terms_above_lowest",
        "§3(1)2",
        "registry.rule.public_terms_above_lowest",
        lambda e, m: (
            e.service_type == "public_terms" and _on_scale(e, m) and e.max_class != _lowest(m)
        ),
        lambda e, m: {"value": e.max_class, "lowest": _lowest(m)},
    ),
    EntryRule(
        "personal_needs_ml_confirmation",
        "§3(1)2",
        "registry.rule.personal_needs_ml_confirmation",
        lambda e, m: e.personal_info and e.ml_exclusion_confirmed_on is None,
    ),
    EntryRule(
        "public_terms_personal",
        "§3(1)2",
        "registry.rule.public_terms_personal",
        lambda e, m: e.service_type == "public_terms" and e.personal_info,
    ),
    EntryRule(
        "users_unspecified",
        "§2",
        "registry.rule.users_unspecified",
        lambda e, m: not e.users_all_staff and not e.user_divisions,
    ),
)


def check_entry(entry: AISystem, town: MunicipalityFacts) -> list[Problem]:
    """Every rule the entry breaks (empty when it may be saved)."""
    return [
        Problem(rule.code, rule.clause, rule.message, rule.params(entry, town))
        for rule in ENTRY_RULES
        if rule.violated(entry, town)
    ]


# --- finding a system by what people call it --------------------------------------------


def names_of(system: AISystem) -> list[str]:
    return [system.id, system.name, *system.aliases]


def find_system(systems: Sequence[AISystem], wanted: str) -> AISystem | None:
    """The system named exactly (id, name or alias, after normalisation), or None."""
    key = normalize(wanted).replace(" ", "")
    for system in systems:
        if key in {normalize(n).replace(" ", "") for n in names_of(system)}:
            return system
    return None


def mentioned_system(systems: Sequence[AISystem], text: str) -> AISystem | None:
    """The system a sentence mentions: a name inside it, or a word one typo away from one."""
    folded = normalize(text).replace(" ", "")
    best: tuple[int, AISystem] | None = None
    for system in systems:
        for name in names_of(system):
            candidate = normalize(name).replace(" ", "")
            longer = best is None or len(candidate) > best[0]
            if len(candidate) >= 2 and _contains(folded, candidate) and longer:
                best = (len(candidate), system)
    if best is not None:
        return best[1]
    words = [w for w in normalize(text).split() if len(w) >= 4]
    words += [t for t in _latin_tokens(folded) if len(t) >= 4]
    for word in words:
        if (system := closest_system(systems, word, cutoff=0.8)) is not None:
            return system
    return None


def _contains(folded: str, name: str) -> bool:
    """Japanese names may stand anywhere; a Latin name must not be part of a longer Latin word
    ("RAG" is not in "paragraph")."""
    if not name.isascii():
        return name in folded
    pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
    return re.search(pattern, folded) is not None


def closest_system(
    systems: Sequence[AISystem], wanted: str, cutoff: float = 0.6
) -> AISystem | None:
    names = {normalize(n): s for s in systems for n in names_of(s)}
    match = difflib.get_close_matches(normalize(wanted), list(names), n=1, cutoff=cutoff)
    return names[match[0]] if match else None


def closest_names(systems: Sequence[AISystem], wanted: str, limit: int = 3) -> list[str]:
    """Registered system names that look like `wanted` (for "did you mean …")."""
    by_name = {normalize(n): s.name for s in systems for n in names_of(s)}
    matches = difflib.get_close_matches(normalize(wanted), list(by_name), n=limit * 3, cutoff=0.4)
    names: list[str] = []
    for match in matches:
        if by_name[match] not in names:
            names.append(by_name[match])
    return names[:limit] or [s.name for s in systems[:limit]]


def _latin_tokens(text: str) -> list[str]:
    token, tokens = "", []
    for char in text:
        if char.isascii() and char.isalnum():
            token += char
        else:
            if token:
                tokens.append(token)
            token = ""
    if token:
        tokens.append(token)
    return tokens


def limits_line(system: AISystem, ctx: DialogContext) -> str:
    """A system's row of the 別表 in one line: the class, personal information, purposes, users."""
    personal = (
        ctx.t("which_ai.personal_yes", condition=system.personal_info_condition or "-")
        if system.personal_info and system.service_type != "public_terms"
        else ctx.t("which_ai.personal_no")
    )
    users = (
        ctx.t("which_ai.users_all")
        if system.users_all_staff
        else ctx.t(
            "which_ai.users_some", users=ctx.t("common.separator").join(system.user_divisions)
        )
    )
    return ctx.t(
        "which_ai.limits",
        klass=system.max_class,
        personal=personal,
        purposes=ctx.t("common.separator").join(system.purposes) or "-",
        users=users,
    )
