"""`aiguide chat`: the same router in a terminal, interactive or from a script.

A script has one user line per line; `#` starts a comment line, blank lines are ignored,
and `[button:ID]` presses the button with that id. Because ids of form buttons carry a
prompt number, `[button:LABEL]` also presses the button of the last replies with that label
(「[button:続ける]」), which keeps scripts readable, and `[button:N]` the N-th answer of a
question shown as a numbered list (a select). The reply pressed is named in the turn
(`console:<n>`), so the bot can replace it by what was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import uuid
from collections.abc import Iterable
from typing import TextIO

from bot.channels.plain import SELECT_FROM, render
from bot.runtime import Runtime
from bot.town import Town
from dialogs.catalog import Catalog
from dialogs.turn import Turn
from dialogs.ui import Choices, Reply, Text, from_dict

CHANNEL = "local"  # the same people and conversations as the web chat
CONVERSATION = "main"
# At the end of a script, how long a mail under way may still take before the chat exits (it
# stays in the outbox for `aiguide tick` or the server).
FINISH_SECONDS = 10.0
_BUTTON = re.compile(r"^\[button:(?P<id>[^\]]+)\]$")


def script_lines(source: TextIO, *, interactive: bool) -> Iterable[str]:
    for raw in source:
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#") or (not interactive and not line.strip()):
            continue
        yield line


# A reply as the terminal showed it: its reference and the reply.
Shown = tuple[str, Reply]


def catalog_of(town: Town) -> Catalog:
    """The command line's language (--lang, LANG) for the console's own lines."""
    from bot.cli.messages import catalog

    return town.runtime.catalogs.for_locale(catalog().locale)


def _pressed(wanted: str, last: list[Shown]) -> tuple[str, str | None]:
    """(the button's id, the reference of the reply showing it) for an id, a label, or the
    number of an answer in a select."""
    for ref, reply in last:
        if not (isinstance(reply, Choices) and len(reply.answers) > SELECT_FROM):
            continue
        if wanted.isdigit() and 1 <= int(wanted) <= len(reply.answers):
            return reply.answers[int(wanted) - 1].id, ref
    for by_label in (False, True):
        for ref, reply in last:
            for button in getattr(reply, "buttons", ()):
                if wanted == (button.label if by_label else button.id):
                    return button.id, ref
    return wanted, None


def to_turn(town: Town, user_id: str, line: str, last: list[Shown]) -> Turn:
    persona = next((p for p in town.personas if p.id == user_id), None)
    button = _BUTTON.match(line.strip())
    action, ref = _pressed(button["id"], last) if button else (None, None)
    return Turn(
        tenant_id=town.tenant_id,
        channel=CHANNEL,
        user_id=user_id,
        conversation_id=CONVERSATION,
        text=None if button else line,
        action=action,
        message_ref=ref,
        event_id=str(uuid.uuid4()),
        user_name=persona.name if persona else None,
        user_division=persona.division if persona else None,
        user_email=(persona.email or None) if persona else None,
    )


class Numbering:
    """References for the replies the terminal shows: console:1, console:2, ..."""

    def __init__(self) -> None:
        self.count = 0

    def shown(self, replies: list[Reply]) -> list[Shown]:
        numbered = []
        for reply in replies:
            self.count += 1
            numbered.append((f"console:{self.count}", reply))
        return numbered


def emit(replies: list[Reply], *, as_json: bool, out: TextIO) -> None:
    for reply in replies:
        if as_json:
            out.write(json.dumps(reply.to_dict(), ensure_ascii=False) + "\n")
        else:
            out.write("bot> " + render(reply).replace("\n", "\n     ") + "\n")
    out.flush()


class _Background:
    """Deliveries to remote platforms (mail, later Slack and Teams), one pass at a time,
    beside the chat: the person at the terminal never waits for a mail server."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.task: asyncio.Task[int] | None = None
        kinds = runtime.delivery.registry.deliverers if runtime.delivery else {}
        self.remote = frozenset(kinds) - {CHANNEL}

    def kick(self) -> None:
        if self.remote and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self.runtime.deliver(self.remote))

    async def finish(self, seconds: float) -> None:
        """Give a pass under way a little time; then stop it (its message stays queued)."""
        if self.task is None:
            return
        done, _ = await asyncio.wait({self.task}, timeout=seconds)
        if not done:
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


async def run_chat(
    town: Town,
    user_id: str,
    source: TextIO,
    *,
    as_json: bool,
    echo: bool,
    finish_seconds: float = FINISH_SECONDS,
) -> int:
    runtime = town.runtime
    interactive = source.isatty()
    if interactive and not as_json:
        sys.stdout.write(catalog_of(town).t("console.hint") + "\n")
    last: list[Shown] = []
    numbering = Numbering()
    _, seen = await town.inbox(user_id, None)
    background = _Background(runtime)
    # What arrived while no session was open (a report's acknowledgement, a new version of
    # the guideline), as the web page shows its inbox: the notices since the last turn.
    waiting = await town.arrived_since_last_turn(CHANNEL, user_id, CONVERSATION)
    if waiting:
        heading = Text(catalog_of(town).t("console.arrived", count=len(waiting)))
        arrived = [from_dict(post.body) for post in waiting]
        emit([heading, *arrived], as_json=as_json, out=sys.stdout)
        last = numbering.shown(arrived)
    for line in script_lines(source, interactive=interactive):
        if echo and not as_json:
            sys.stdout.write(f"you> {line}\n")
        replies = await runtime.handle(to_turn(town, user_id, line, last))
        emit(replies, as_json=as_json, out=sys.stdout)
        last = numbering.shown(replies) or last
        # What the turn set off on this channel (a notice, a progress report) is delivered
        # at once here — it is the database itself — and shown as the bot's own messages;
        # mail and other platforms go in the background.
        await runtime.deliver(frozenset({CHANNEL}))
        background.kick()
        posts, seen = await town.inbox(user_id, seen)
        if posts:
            arrived = [from_dict(post.body) for post in posts]
            emit(arrived, as_json=as_json, out=sys.stdout)
            last = numbering.shown(arrived)
    await background.finish(finish_seconds)
    return 0
