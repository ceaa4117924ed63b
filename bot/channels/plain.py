"""Replies as plain text: for the terminal, and later as Slack/Teams notification fallbacks.

A question with many answers (more than `SELECT_FROM`) shows them as a compact numbered list,
the terminal's select menu; its navigation stays buttons. A private reply is marked 🔒, a
reply that replaces an earlier message ↻ (a terminal cannot rewrite what it printed).
"""

from __future__ import annotations

from collections.abc import Iterable

from dialogs.ui import (
    Button,
    Choices,
    FactCard,
    FormInput,
    FormView,
    HomeView,
    Link,
    Reply,
    Text,
)

SELECT_FROM = 16  # more answers than this are a select (the menu, up to 14, stays buttons)
_LINE_WIDTH = 72


def _buttons(buttons: Iterable[Button]) -> list[str]:
    return [f"  [{b.label}] (button:{b.id})" for b in buttons]


def _select(answers: tuple[Button, ...]) -> list[str]:
    """Numbered answers, several to a line: `[button:N]` (or the label) picks one."""
    lines, line = [], " "
    for number, button in enumerate(answers, start=1):
        item = f" {number}.{button.label}"
        if len(line) + len(item) > _LINE_WIDTH and line.strip():
            lines.append(line)
            line = " "
        line += item
    return [*lines, line] if line.strip() else lines


def _links(links: Iterable[Link]) -> list[str]:
    return [f"  ↗ {link.label}: {link.url}" for link in links]


def _input(spec: FormInput, error: str | None) -> list[str]:
    mark = " *" if spec.required else ""
    shown = spec.value
    if spec.options and spec.kind in ("choice", "multichoice"):
        chosen = set(spec.value.split(",")) if spec.kind == "multichoice" else {spec.value}
        shown = "、".join(o.label for o in spec.options if o.value in chosen) or spec.value
    lines = [f"  {spec.label}{mark}: {shown}"]
    if spec.hint:
        lines.append(f"    {spec.hint}")
    if error:
        lines.append(f"    ! {error}")
    return lines


def _card(reply: FactCard, pressable: bool = True) -> list[str]:
    body = [f"▸ {reply.title}", *(f"  {f.label}: {f.value}" for f in reply.facts)]
    body += [f"  {line}" for line in reply.lines]
    return body + _links(reply.links) + (_buttons(reply.buttons) if pressable else [])


def _body(reply: Reply, pressable: bool) -> list[str]:
    match reply:
        case Text(text=text):
            return [text]
        case Choices(text=text, answers=answers, navigation=navigation) if not pressable:
            return [text]
        case Choices(text=text, answers=answers, navigation=navigation):
            shown = _select(answers) if len(answers) > SELECT_FROM else _buttons(answers)
            return [text, *shown, *_buttons(navigation)]
        case FactCard():
            return _card(reply, pressable)
        case FormView(title=title, inputs=inputs, submit=submit, cancel=cancel, errors=errors):
            body = [f"▸ {title}", *(f"  ! {e}" for e in errors)]
            for spec in inputs:
                body += _input(spec, reply.field_errors.get(spec.key))
            return body + _buttons((submit, cancel))
        case HomeView(title=title, sections=sections, actions=actions):
            body = [f"▸▸ {title}"]
            for section in sections:
                body += [f"  {line}" for line in _card(section)]
            return body + _buttons(actions)
    return [str(reply)]


def render(reply: Reply, *, buttons: bool = True) -> str:
    """The reply as lines of text; `buttons=False` for a terminal that cannot press them
    (`aiguide check`), where a card is only its verdict."""
    lines = _body(reply, buttons)
    if getattr(reply, "replaces", None) is not None:
        lines[0] = f"↻ {lines[0]}"
    if getattr(reply, "private", False):
        lines[0] = f"🔒 {lines[0]}"
    return "\n".join(lines)
