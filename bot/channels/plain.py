"""Replies as plain text: for the terminal, and later as Slack/Teams notification fallbacks."""

from __future__ import annotations

from dialogs.ui import Button, Choices, FactCard, FormView, Reply, Text


def _buttons(buttons: tuple[Button, ...]) -> list[str]:
    return [f"  [{b.label}] (button:{b.id})" for b in buttons]


def render(reply: Reply, *, buttons: bool = True) -> str:
    """The reply as lines of text; `buttons=False` for a terminal that cannot press them
    (`aiguide check`), where a card is only its verdict."""
    match reply:
        case Text(text=text):
            return text
        case Choices(text=text, buttons=choices):
            return "\n".join([text, *(_buttons(choices) if buttons else [])])
        case FactCard(title=title, facts=facts, lines=lines, buttons=actions):
            body = [f"▸ {title}", *(f"  {f.label}: {f.value}" for f in facts)]
            body += [f"  {line}" for line in lines]
            return "\n".join(body + (_buttons(actions) if buttons else []))
        case FormView(title=title, inputs=inputs, submit=submit, cancel=cancel, errors=errors):
            body = [f"▸ {title}", *(f"  ! {e}" for e in errors)]
            body += [f"  {i.label}{' *' if i.required else ''}: {i.value}" for i in inputs]
            return "\n".join(body + _buttons((submit, cancel)))
    return str(reply)
