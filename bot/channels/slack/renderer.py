"""The reply vocabulary as Block Kit, always within Block Kit's limits.

One function per reply kind (`_blocks_for`), so a new kind of reply is one more entry. Text a
person typed may come back inside a reply (a report summary, an answer); every mrkdwn text
is escaped (&, <, >), so `<!channel>` or `<@U…>` typed by someone is shown, never acted on.
Long content is split into more sections and more messages, or cut with an ellipsis.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dialogs.ui import Button, Choices, FactCard, FormInput, FormView, HomeView, Reply, Text

# Block Kit's limits.
MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_ACTIONS = 25
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_VALUE = 2000
MAX_HEADER = 150
MAX_LABEL = 2000
MAX_MODAL_TITLE = 24
MAX_CONTEXT_ELEMENTS = 10
MAX_INPUT_VALUE = 3000
MAX_METADATA = 3000
MAX_FALLBACK_TEXT = 3000
# More answers than this become a select menu instead of a row of buttons.
MAX_BUTTONS_BEFORE_SELECT = 5

FORM_CALLBACK = "aiguide_form"
BUTTON_PREFIX = "btn:"
SELECT_PREFIX = "sel:"
INPUT_PREFIX = "in:"

_TONE = {"ok": ":white_check_mark: ", "warn": ":warning: ", "bad": ":no_entry: ", "info": ""}

Blocks = list[dict[str, Any]]


def escape(text: str) -> str:
    """Slack's three control characters, so nothing typed can mention or format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text or " ", limit), "emoji": True}


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line ends where possible; a line longer than the limit is split too."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def _sections(text: str) -> Blocks:
    escaped = escape(text)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": part or " "}}
        for part in _chunks(escaped, MAX_SECTION_TEXT)
    ]


def _button(index: int, button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": f"{BUTTON_PREFIX}{index}",
        "text": _plain(button.label, MAX_BUTTON_TEXT),
        "value": button.id[:MAX_VALUE],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def _actions(buttons: Sequence[Button]) -> Blocks:
    """Buttons in rows of at most 25; many answers become select menus of 100 options."""
    if not buttons:
        return []
    selectable = all(len(b.id) <= MAX_OPTION_VALUE for b in buttons)
    if len(buttons) > MAX_BUTTONS_BEFORE_SELECT and selectable:
        blocks = []
        for number, start in enumerate(range(0, len(buttons), MAX_OPTIONS)):
            options = [
                {"text": _plain(b.label, MAX_OPTION_TEXT), "value": b.id}
                for b in buttons[start : start + MAX_OPTIONS]
            ]
            select = {
                "type": "static_select",
                "action_id": f"{SELECT_PREFIX}{number}",
                "placeholder": _plain(buttons[start].label, MAX_OPTION_TEXT),
                "options": options,
            }
            blocks.append({"type": "actions", "elements": [select]})
        return blocks
    elements = [_button(i, b) for i, b in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[i : i + MAX_ACTIONS]}
        for i in range(0, len(elements), MAX_ACTIONS)
    ]


def _text(reply: Text) -> Blocks:
    return _sections(reply.text)


def _choices(reply: Choices) -> Blocks:
    return [*_sections(reply.text), *_actions(reply.buttons)]


def _card(reply: FactCard) -> Blocks:
    blocks: Blocks = [
        {"type": "header", "text": _plain(_TONE.get(reply.tone, "") + reply.title, MAX_HEADER)}
    ]
    fields = [
        {
            "type": "mrkdwn",
            "text": cut(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD_TEXT),
        }
        for f in reply.facts
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS]})
    if reply.lines:
        blocks += _sections("\n".join(reply.lines))
    blocks += _actions(reply.buttons)
    return blocks


def _form_in_message(reply: FormView) -> Blocks:
    """A form in a message (no trigger to open a modal with): inputs, then submit/cancel."""
    blocks: Blocks = [{"type": "header", "text": _plain(reply.title, MAX_HEADER)}]
    if reply.errors:
        blocks += _sections("\n".join(f"• {e}" for e in reply.errors))
    blocks += [_input(i) for i in reply.inputs]
    blocks += _actions((reply.submit, reply.cancel))
    return blocks


def _home(reply: HomeView) -> Blocks:
    """A person's overview (where they stand, what they can do) as one message."""
    blocks: Blocks = [{"type": "header", "text": _plain(reply.title, MAX_HEADER)}]
    for section in reply.sections:
        blocks += _card(section)
    return blocks + _actions(reply.actions)


_RENDERERS: dict[type, Callable[[Any], Blocks]] = {
    Text: _text,
    Choices: _choices,
    FactCard: _card,
    FormView: _form_in_message,
    HomeView: _home,
}


def _blocks_for(reply: Reply) -> Blocks:
    render = _RENDERERS.get(type(reply))
    if render is None:  # a kind this channel does not know yet: its text, at least
        return _sections(str(reply.to_dict().get("text", "")))
    return render(reply)


def fallback_text(reply: Reply) -> str:
    """The notification text (and what screen readers read first)."""
    data = reply.to_dict()
    return cut(escape(str(data.get("title") or data.get("text") or "")), MAX_FALLBACK_TEXT)


def render_messages(replies: Iterable[Reply]) -> list[dict[str, Any]]:
    """Each reply as one or more messages ({"text", "blocks"}), each within 50 blocks."""
    messages: list[dict[str, Any]] = []
    for reply in replies:
        blocks = _blocks_for(reply)
        text = fallback_text(reply)
        for start in range(0, max(len(blocks), 1), MAX_BLOCKS):
            messages.append({"text": text or " ", "blocks": blocks[start : start + MAX_BLOCKS]})
    return messages


def joined(replies: Iterable[Reply]) -> Blocks:
    """Several replies as one surface (App Home): their blocks in order, each button and
    select with an action id of its own."""
    blocks: Blocks = []
    for reply in replies:
        blocks += _blocks_for(reply)
    buttons = selects = 0
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["type"] == "button":
                element["action_id"] = f"{BUTTON_PREFIX}{buttons}"
                buttons += 1
            else:
                element["action_id"] = f"{SELECT_PREFIX}{selects}"
                selects += 1
    return blocks


# --- forms as modals ----------------------------------------------------------------------


def _input(item: FormInput) -> dict[str, Any]:
    action_id = "value"
    element: dict[str, Any]
    if item.kind == "choice" and item.options:
        options = [
            {"text": _plain(o.label, MAX_OPTION_TEXT), "value": o.value[:MAX_OPTION_VALUE]}
            for o in item.options[:MAX_OPTIONS]
        ]
        element = {"type": "static_select", "action_id": action_id, "options": options}
        chosen = next((o for o in options if o["value"] == item.value), None)
        if chosen is not None:
            element["initial_option"] = chosen
    elif item.kind == "date":
        element = {"type": "datepicker", "action_id": action_id}
        if len(item.value) == 10 and item.value[4] == "-":
            element["initial_date"] = item.value
    else:
        element = {
            "type": "plain_text_input",
            "action_id": action_id,
            "multiline": item.kind == "longtext",
            "max_length": MAX_INPUT_VALUE,
        }
        if item.value:
            element["initial_value"] = item.value[:MAX_INPUT_VALUE]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": f"{INPUT_PREFIX}{item.key}",
        "label": _plain(item.label, MAX_LABEL),
        "optional": not item.required,
        "element": element,
    }
    if item.hint:
        block["hint"] = _plain(item.hint, MAX_LABEL)
    return block


def render_modal(
    form: FormView, metadata: Mapping[str, str], close: str | None = None
) -> dict[str, Any]:
    """The whole form as one modal; `metadata` comes back with the submission. `close`
    labels the close button (closing keeps what was typed: "later", not "cancel")."""
    blocks = [_input(i) for i in form.inputs]
    if len(blocks) > MAX_MODAL_BLOCKS:
        blocks = blocks[:MAX_MODAL_BLOCKS]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "notify_on_close": True,
        "title": _plain(form.title, MAX_MODAL_TITLE),
        "submit": _plain(form.submit.label, MAX_MODAL_TITLE),
        "close": _plain(close or form.cancel.label, MAX_MODAL_TITLE),
        "private_metadata": json.dumps(dict(metadata), ensure_ascii=False)[:MAX_METADATA],
        "blocks": blocks,
    }


def modal_errors(form: FormView) -> dict[str, str]:
    """A form's errors keyed by the block they belong to: each field's own error (the
    vocabulary's `field_errors`), and an error naming no field on the first input."""
    errors: dict[str, str] = {}
    keys = {i.key for i in form.inputs}
    for key, reason in form.field_errors.items():
        if key in keys:
            errors[f"{INPUT_PREFIX}{key}"] = cut(reason, 2000)
    if errors:
        return errors
    for message in form.errors:
        item = next((i for i in form.inputs if message.startswith(f"{i.label}:")), None)
        item = item or (form.inputs[0] if form.inputs else None)
        if item is None:
            continue
        block = f"{INPUT_PREFIX}{item.key}"
        reason = message.removeprefix(f"{item.label}:").strip() or message
        errors[block] = cut(f"{errors[block]} / {reason}" if block in errors else reason, 2000)
    return errors


def form_values(state: Mapping[str, Any]) -> dict[str, str]:
    """The input blocks' values (a modal's `view.state.values`, or a message's `state`)."""
    values: dict[str, str] = {}
    for block_id, actions in (state or {}).items():
        if not block_id.startswith(INPUT_PREFIX) or not isinstance(actions, dict):
            continue
        element = actions.get("value") or {}
        value = (
            element.get("value")
            or element.get("selected_date")
            or (element.get("selected_option") or {}).get("value")
            or ""
        )
        values[block_id.removeprefix(INPUT_PREFIX)] = str(value)
    return values
