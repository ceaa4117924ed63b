"""The policy division's commands, parsed and answered here whatever the channel:

  system list [--status suspended] | show ID | history ID | add | edit ID
  system set ID FIELD VALUE | suspend ID REASON | resume ID | remove ID
  admin add @USER | admin remove @USER | admin list
  contacts [SYSTEM]

(Slack sends them as `/aiguide …`, Teams and the local chat as typed text.) Authorisation is
decided from the stored roles the bot computed for this person, never from anything sent.
A change is shown before → after with a confirmation button; only 確定 applies it.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import dataclass
from typing import Any

from dialogs import system_form
from dialogs.answers import contacts
from dialogs.context import DialogContext
from dialogs.effects import Refused
from dialogs.registry import STATUSES, find_system
from dialogs.registry_values import LIST_FIELDS, choice_named, class_named, list_named
from dialogs.state import ConversationData
from dialogs.text import normalize
from dialogs.ui import Button, Choices, Fact, FactCard, Step, Text

# What a 担当課室 member may change on their own system, and nothing else.
OWNER_FIELDS = ("description", "owner_contact", "manual_url")
DESTRUCTIVE = ("suspend", "remove")


@dataclass(frozen=True)
class ShowSystems:
    status: str | None


@dataclass(frozen=True)
class ShowSystem:
    system_id: str


@dataclass(frozen=True)
class ShowHistory:
    system_id: str


@dataclass(frozen=True)
class ProposeChange:
    """A change to check and show before → after; `changes` maps fields to typed values."""

    system_id: str
    action: str  # set | suspend | resume | remove
    changes: dict[str, str]
    reason: str = ""


@dataclass(frozen=True)
class ApplyChange:
    pending: dict[str, Any]


@dataclass(frozen=True)
class NotifyAskers:
    system_id: str


@dataclass(frozen=True)
class ChangeRole:
    action: str  # add | remove
    user_id: str
    role: str = "admin"


@dataclass(frozen=True)
class ShowRoles:
    pass


# The admin commands and their verbs (contacts takes any system name).
COMMANDS: dict[str, tuple[str, ...]] = {
    "system": ("list", "show", "history", "add", "edit", "set", "suspend", "resume", "remove"),
    "admin": ("add", "remove", "list"),
    "contacts": (),
}


def tokens(text: str) -> list[str] | None:
    """The words of a command, or None when the text is not one. The command words are read
    as an admin types them: 「/system list」, 「system　list」 (a full-width space) or
    「ｓｙｓｔｅｍ」 from a Japanese input method are the same command."""
    text = text.strip().replace("\u3000", " ")
    if unicodedata.normalize("NFKC", text[:9]).lower().startswith("/aiguide"):
        text = text[len("/aiguide") :].strip()
    text = text.removeprefix("/").removeprefix("／")
    try:
        words = shlex.split(text)
    except ValueError:  # 「it's」: an apostrophe in a value, not an unclosed quote
        words = text.split()
    if not words:
        return None
    head = [unicodedata.normalize("NFKC", w).lower() for w in words[:2]]
    if head[0] not in COMMANDS:
        return None
    # 「system エラーが出ました」 is a sentence, not a command: only known verbs make one.
    verbs = COMMANDS[head[0]]
    if verbs and (len(head) < 2 or head[1] not in verbs):
        return None
    return head + words[2:] if verbs else head[:1] + words[1:]


def is_command(text: str, ctx: DialogContext) -> bool:
    if tokens(text) is not None:
        return True
    # An admin's 「system lst」 or bare 「system」 is a command mistyped: they are shown the
    # usage, not the staff menu. Staff's 「system error」 stays a sentence to understand.
    folded = unicodedata.normalize("NFKC", text).strip().lstrip("/").split()
    return (
        ctx.person.role == "admin"
        and bool(folded)
        and folded[0].lower() in ("system", "admin")
        and all(word.isascii() for word in folded)
    )


def run(conv: ConversationData, ctx: DialogContext, text: str | None, runner: Any) -> Step:
    words = tokens(text or "") or []
    head = [w.lower() for w in words[:2]]
    if head[:1] == ["contacts"]:
        return _contacts(words[1:], ctx)
    if head == ["system", "set"] and len(words) >= 5:
        name, rest = named(words[2:], ctx, keep=2)
        return _set(name, rest[0], " ".join(rest[1:]), ctx)
    if head == ["system", "show"] and len(words) >= 3 and _owns(" ".join(words[2:]), ctx):
        return _show(" ".join(words[2:]), ctx)
    if ctx.person.role != "admin":
        # Only the command's own words are audited, never its arguments (free text).
        return Step().say(_refusal(ctx)).do(Refused(" ".join(head)))
    if head == ["system", "add"]:
        return runner.start(conv, system_form.KEY, ctx, initial={"mode": "add"})
    if head == ["system", "edit"] and len(words) >= 3:
        system = find_system(ctx.systems, " ".join(words[2:]))
        if system is None:
            return Step().say(Text(ctx.t("admin.no_system", name=" ".join(words[2:]))))
        return runner.start(conv, system_form.KEY, ctx, initial=system_form.answers_of(system))
    if head == ["system", "list"]:
        status = words[3] if len(words) == 4 and words[2] == "--status" else None
        if status is not None and status not in STATUSES:
            return Step().say(Text(ctx.t("admin.bad_status", valid=", ".join(STATUSES))))
        return Step().do(ShowSystems(status))
    if head in (["system", "show"], ["system", "history"]) and len(words) >= 3:
        # 「system show Microsoft 365 Copilot Chat」: a name with spaces needs no quotes.
        system = find_system(ctx.systems, " ".join(words[2:]))
        if system is None and head[1] == "history" and len(words) == 3:
            # A removed system is in no 別表 but still has its history (the id as typed).
            return Step().do(ShowHistory(unicodedata.normalize("NFKC", words[2]).lower()))
        if system is None:
            return Step().say(Text(ctx.t("admin.no_system", name=" ".join(words[2:]))))
        effect = ShowSystem(system.id) if head[1] == "show" else ShowHistory(system.id)
        return Step().do(effect)
    if head[:1] == ["system"] and len(head) == 2 and head[1] in ("suspend", "resume", "remove"):
        if len(words) < 3 or (head[1] == "suspend" and len(words) < 4):
            return Step().say(Text(ctx.t(f"admin.usage.{head[1]}")))
        name, rest = named(words[2:], ctx, keep=1 if head[1] == "suspend" else 0)
        system = find_system(ctx.systems, name)
        if system is None:
            return Step().say(Text(ctx.t("admin.no_system", name=name)))
        return Step().do(ProposeChange(system.id, head[1], {}, " ".join(rest)))
    if head[:1] == ["admin"]:
        return _roles(words, ctx)
    if head[:1] == ["system"] and len(head) == 2 and ctx.msg.has(f"admin.usage.{head[1]}"):
        return Step().say(Text(ctx.t(f"admin.usage.{head[1]}")))
    return Step().say(Text(ctx.t("admin.usage.all")))


def named(words: list[str], ctx: DialogContext, keep: int) -> tuple[str, list[str]]:
    """The system a command names and the words after it: the longest run of words that
    names one (「Microsoft 365 Copilot Chat」 typed without quotes) leaving at least `keep`
    words, else the first word as typed."""
    for end in range(len(words) - keep, 1, -1):
        if find_system(ctx.systems, " ".join(words[:end])) is not None:
            return " ".join(words[:end]), words[end:]
    return words[0], words[1:]


def _owns(name: str, ctx: DialogContext) -> bool:
    system = find_system(ctx.systems, name)
    division = ctx.person.verified_division  # the directory's, not the editable profile's
    return system is not None and bool(division) and system.owner_division == division


def _refusal(ctx: DialogContext) -> Text:
    policy = ctx.municipality.policy_division
    return Text(ctx.t("admin.refused", policy=policy.name, contact=policy.phone or policy.email))


def _show(name: str, ctx: DialogContext) -> Step:
    system = find_system(ctx.systems, name)
    assert system is not None
    return Step().do(ShowSystem(system.id))


def column_named(field: str, ctx: DialogContext) -> str | None:
    """The 別表 column an admin means: its key (max_class), or its name as the cards show
    it in either language, whole (「入力できる機密性の上限」) or a part only it has (「上限」)."""
    prefix = "registry.column."
    columns = sorted(
        k.removeprefix(prefix) for k in ctx.catalogs.keys("ja") if k.startswith(prefix)
    )
    wanted = normalize(field)
    if wanted in columns:
        return wanted
    names = {
        column: {
            normalize(ctx.catalogs.for_locale(lang).t(prefix + column)) for lang in ("ja", "en")
        }
        for column in columns
    }
    if whole := [column for column, said in names.items() if wanted in said]:
        return whole[0]
    parts = [column for column, said in names.items() if any(wanted in n for n in said)]
    return parts[0] if len(parts) == 1 and len(wanted) >= 2 else None


def _set(name: str, field: str, value: str, ctx: DialogContext) -> Step:
    system = find_system(ctx.systems, name)
    field = column_named(field, ctx) or field
    if field == "status":  # suspension has its own procedure (reason, telling its users)
        return Step().say(Text(ctx.t("admin.use_suspend")))
    if ctx.person.role != "admin":
        owner_may = _owns(name, ctx) and field in OWNER_FIELDS
        if not owner_may:
            return Step().say(_refusal(ctx)).do(Refused("system set"))
    if system is None:
        return Step().say(Text(ctx.t("admin.no_system", name=name)))
    # 「国外」「約款型」 as the card shows them, 「機密性２」: the stored words.
    value = choice_named(field, value, ctx.catalogs)
    if field == "max_class":
        value = class_named(value)
    if field in LIST_FIELDS:
        value = list_named(value)
    return Step().do(ProposeChange(system.id, "set", {field: value}))


def _roles(words: list[str], ctx: DialogContext) -> Step:
    if len(words) == 2 and words[1] == "list":
        return Step().do(ShowRoles())
    if len(words) >= 2 and words[1] in ("add", "remove") and ctx.mentions:
        # The platform marked whom the message mentions: its user ids, not the words shown.
        return Step().do(*(ChangeRole(words[1], user) for user in dict.fromkeys(ctx.mentions)))
    if len(words) == 3 and words[1] in ("add", "remove"):
        # No platform mentions (the local channel, the console): the id as typed.
        user = words[2].removeprefix("@")
        if user:
            return Step().do(ChangeRole(words[1], user))
    return Step().say(Text(ctx.t("admin.usage.admin")))


def _contacts(words: list[str], ctx: DialogContext) -> Step:
    """§6: the guideline's inquiry contact; for a named system, its 担当課室 as well."""
    step = Step().say(contacts(ctx))
    if words:
        system = find_system(ctx.systems, " ".join(words))
        if system is None:
            return step.say(Text(ctx.t("admin.no_system", name=" ".join(words))))
        step.say(
            FactCard(
                title=ctx.t("admin.system_contact", system=system.name),
                facts=(
                    Fact(ctx.t("entry.owner"), f"{system.owner_division} {system.owner_contact}"),
                ),
            )
        )
    return step


# --- the confirmation --------------------------------------------------------------------


def confirmation(conv: ConversationData, pending: dict[str, Any], ctx: DialogContext) -> Choices:
    """Ask to confirm a change already shown before → after; its buttons carry a token."""
    conv.pending = pending
    token = pending["token"]
    return Choices(
        ctx.t("admin.confirm_question"),
        (
            Button(f"admin:confirm:{token}", ctx.t("admin.button.confirm"), "primary"),
            Button(f"admin:cancel:{token}", ctx.t("admin.button.cancel")),
        ),
    )


def on_button(conv: ConversationData, ctx: DialogContext, action: str) -> Step:
    """admin:confirm|cancel:<token> and admin:notify:<system>."""
    parts = action.split(":")
    if len(parts) != 3:
        return Step().say(Text(ctx.t("fallback.unknown_button")))
    _, verb, arg = parts
    if ctx.person.role != "admin" and verb == "notify":
        return Step().say(_refusal(ctx)).do(Refused(f"admin:notify:{arg}"[:200]))
    if verb == "notify":
        return Step().do(NotifyAskers(arg))
    pending = conv.pending
    if pending is None or str(pending.get("token")) != arg:
        return Step().say(Text(ctx.t("form.stale_button")))
    conv.pending = None
    if verb == "cancel":
        return Step().say(Text(ctx.t("admin.cancelled")))
    return Step().do(ApplyChange(pending))
