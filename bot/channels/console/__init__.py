"""`aiguide chat`: the same router in a terminal, interactive or from a script.

A script has one user line per line; `#` starts a comment line, blank lines are ignored,
and `[button:ID]` presses the button with that id. Because ids of form buttons carry a
prompt number, `[button:LABEL]` also presses the button of the last replies with that label
(「[button:続ける]」), which keeps scripts readable.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterable
from typing import TextIO

from bot.channels.plain import render
from bot.town import Town
from dialogs.catalog import Catalog
from dialogs.turn import Turn
from dialogs.ui import Reply, Text, from_dict

CHANNEL = "local"  # the same people and conversations as the web chat
CONVERSATION = "main"
_BUTTON = re.compile(r"^\[button:(?P<id>[^\]]+)\]$")


def script_lines(source: TextIO, *, interactive: bool) -> Iterable[str]:
    for raw in source:
        line = raw.rstrip("\n")
        if line.lstrip().startswith("#") or (not interactive and not line.strip()):
            continue
        yield line


def _button_id(wanted: str, last: list[Reply]) -> str:
    """A button's id given its id or the label it showed in the last replies."""
    for reply in last:
        for button in getattr(reply, "buttons", ()):
            if wanted == button.label:
                return button.id
    return wanted


def catalog_of(town: Town) -> Catalog:
    """The command line's language (--lang, LANG) for the console's own lines."""
    from bot.cli.messages import catalog

    return town.runtime.catalogs.for_locale(catalog().locale)


def to_turn(town: Town, user_id: str, line: str, last: list[Reply]) -> Turn:
    persona = next((p for p in town.personas if p.id == user_id), None)
    button = _BUTTON.match(line.strip())
    return Turn(
        tenant_id=town.tenant_id,
        channel=CHANNEL,
        user_id=user_id,
        conversation_id=CONVERSATION,
        text=None if button else line,
        action=_button_id(button["id"], last) if button else None,
        event_id=str(uuid.uuid4()),
        user_name=persona.name if persona else None,
        user_division=persona.division if persona else None,
    )


def emit(replies: list[Reply], *, as_json: bool, out: TextIO) -> None:
    for reply in replies:
        if as_json:
            out.write(json.dumps(reply.to_dict(), ensure_ascii=False) + "\n")
        else:
            out.write("bot> " + render(reply).replace("\n", "\n     ") + "\n")
    out.flush()


async def run_chat(town: Town, user_id: str, source: TextIO, *, as_json: bool, echo: bool) -> int:
    runtime = town.runtime
    interactive = source.isatty()
    if interactive and not as_json:
        sys.stdout.write(catalog_of(town).t("console.hint") + "\n")
    last: list[Reply] = []
    _, seen = await town.inbox(user_id, None)
    # What arrived while no session was open (a report's acknowledgement, a new version of
    # the guideline), as the web page shows its inbox: the notices since the last turn.
    waiting = await town.arrived_since_last_turn(CHANNEL, user_id, CONVERSATION)
    if waiting:
        heading = Text(catalog_of(town).t("console.arrived", count=len(waiting)))
        emit(
            [heading, *(from_dict(post.body) for post in waiting)], as_json=as_json, out=sys.stdout
        )
        last = [from_dict(post.body) for post in waiting]
    for line in script_lines(source, interactive=interactive):
        if echo and not as_json:
            sys.stdout.write(f"you> {line}\n")
        replies = await runtime.handle(to_turn(town, user_id, line, last))
        emit(replies, as_json=as_json, out=sys.stdout)
        last = replies or last
        # What the turn set off (a notice, a progress report) is delivered at once here,
        # and what arrived for this person is shown as the bot's own messages.
        await runtime.deliver()
        posts, seen = await town.inbox(user_id, seen)
        if posts:
            arrived = [from_dict(post.body) for post in posts]
            emit(arrived, as_json=as_json, out=sys.stdout)
            last = arrived
    return 0
