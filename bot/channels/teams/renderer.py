"""The reply vocabulary (dialogs/ui.py) as Teams activities: plain text and Adaptive Cards 1.5.

One function per reply kind (`_RENDERERS`), so a new kind slots in beside the others.
Buttons are `Action.Execute` (Universal Actions: the pressed card can be replaced by the
answer) with an `Action.Submit` fallback for clients without them; both carry the button id
as `action`, plus the question and the label so the answered card can be drawn without state.

What people typed never becomes markup or a mention: free text goes out as `textFormat:
plain` messages or as `TextRun`s (which Teams does not parse as markdown); FactSet values are
markdown-escaped; no mention entities are ever added.

Teams refuses messages above about 28 KB: each text is capped, and a card whose body is
still too large is split into several cards (its buttons on the last one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from dialogs.catalog import Catalog
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

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 26_000  # Teams' limit is about 28 KB for the whole activity; keep a margin
MAX_TEXT = 4_000  # characters in one text element
MAX_BUTTONS = 5  # more answers than this become a choice set
MAX_ACTIONS = 6  # Teams shows at most six actions on a card
_TONE_COLOUR = {"info": "Default", "ok": "Good", "warn": "Warning", "bad": "Attention"}
_STYLE = {"primary": "positive", "danger": "destructive"}
# What Teams' card markdown acts on: emphasis, links, code, HTML-ish tags; and at a line's
# start, headings, lists and quotes. Nothing else is escaped (a stray backslash would show).
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~])")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+\.)", re.MULTILINE)

Activity = dict[str, Any]


def render(reply: Reply, words: Catalog) -> list[Activity]:
    """The activities that show one reply (usually one; more when it is too large)."""
    renderer = _RENDERERS.get(type(reply))
    if renderer is None:  # a kind this channel does not know yet: its text, never nothing
        return _text(Text(str(reply.to_dict().get("text", ""))), words)
    return renderer(reply, words)


def render_all(replies: list[Reply], words: Catalog) -> list[Activity]:
    return [activity for reply in replies for activity in render(reply, words)]


# --- text ------------------------------------------------------------------------------------


def _text(reply: Text, words: Catalog) -> list[Activity]:
    # Japanese takes 3 bytes a character in UTF-8; keep room for the JSON around it.
    chunks = _split_text(reply.text, (MAX_BYTES - 1_000) // 3)
    return [{"type": "message", "text": chunk, "textFormat": "plain"} for chunk in chunks]


def _split_text(text: str, size: int) -> list[str]:
    """Pieces of at most `size` characters, cut at line ends where there are any."""
    if len(text) <= size:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


# --- card elements ---------------------------------------------------------------------------


def _cap(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_markdown(text: str) -> str:
    escaped = _MARKDOWN.sub(r"\\\1", text)

    def mark(found: re.Match[str]) -> str:
        lead, marker = found[1], found[2]
        if marker.endswith("."):  # "1." starts a numbered list: escape the dot
            return f"{lead}{marker[:-1]}\\."
        return f"{lead}\\{marker}"

    return _LINE_START.sub(mark, escaped)


def plain_block(text: str, **style: Any) -> dict[str, Any]:
    """Text shown exactly as given: a TextRun is never read as markdown."""
    run: dict[str, Any] = {"type": "TextRun", "text": _cap(text)}
    run.update(style)
    return {"type": "RichTextBlock", "inlines": [run]}


def _button_data(button: Button, question: str) -> dict[str, Any]:
    return {"action": button.id, "label": _cap(button.label, 200), "q": _cap(question, 300)}


def action(button: Button, question: str, *, inputs: bool = True) -> dict[str, Any]:
    """Action.Execute with an Action.Submit fallback, both carrying the same data."""
    data = _button_data(button, question)
    submit: dict[str, Any] = {"type": "Action.Submit", "title": button.label, "data": data}
    execute: dict[str, Any] = {
        "type": "Action.Execute",
        "title": _cap(button.label, 200),
        "verb": button.id,
        "data": data,
        "fallback": submit,
    }
    if not inputs:
        submit["associatedInputs"] = "none"
        execute["associatedInputs"] = "none"
    if button.style in _STYLE:
        execute["style"] = submit["style"] = _STYLE[button.style]
    return execute


def _choice_set(buttons: tuple[Button, ...], question: str, words: Catalog) -> list[Any]:
    """Many answers: one compact choice set and one button that sends the choice."""
    choices = [{"title": _cap(b.label, 200), "value": b.id} for b in buttons]
    element = {
        "type": "Input.ChoiceSet",
        "id": "choice",
        "style": "compact",
        "isRequired": True,
        "errorMessage": words.t("teams.choose_error"),
        "choices": choices,
        "value": buttons[0].id,
    }
    send = Button("choice", words.t("teams.choose"), "primary")
    return [element, action(send, question)]


def _buttons(buttons: tuple[Button, ...], question: str, words: Catalog) -> tuple[list, list]:
    """(body elements, actions) for a row of buttons."""
    if len(buttons) > MAX_BUTTONS:
        element, send = _choice_set(buttons, question, words)
        return [element], [send]
    return [], [action(b, question, inputs=False) for b in buttons]


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        content["actions"] = actions
    return content


def card_activity(content: dict[str, Any]) -> Activity:
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": content}]}


def size_of(activity: Activity) -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode("utf-8"))


def _cards(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> list[Activity]:
    """One card, or several when the body is too large.

    What is only read (text, facts) may be spread over several cards; the inputs stay with
    the buttons in the last card (a button submits only the inputs of its own card), and are
    shortened if even that card is too large.
    """
    whole = card_activity(card(body, actions))
    if size_of(whole) <= MAX_BYTES:
        return [whole]
    first_input = next(
        (i for i, e in enumerate(body) if str(e.get("type", "")).startswith("Input.")), len(body)
    )
    head, tail = body[:first_input], body[first_input:]
    out: list[Activity] = []
    page: list[dict[str, Any]] = []
    for element in head:
        if page and size_of(card_activity(card([*page, element], []))) > MAX_BYTES:
            out.append(card_activity(card(page, [])))
            page = []
        page.append(element)
    last = card_activity(card([*page, *tail], actions))
    if page and size_of(last) > MAX_BYTES:
        out.append(card_activity(card(page, [])))
        last = card_activity(card(tail, actions))
    for limit in (1_000, 300, 100, 40):
        if size_of(last) <= MAX_BYTES:
            break
        last = _shortened(last, limit)
    out.append(last)
    return out


def _shortened(value: Any, limit: int) -> Any:
    """Every text in a card cut to `limit` characters; ids, choice values and action data
    are left whole (they are what a press sends back)."""
    if isinstance(value, list):
        return [_shortened(item, limit) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ("id", "data", "verb", "type", "fallback", "url", "valueOn", "valueOff") or (
            key == "value" and "title" in value  # a choice: its value is an id
        ):
            out[key] = item
        elif key == "choices":
            out[key] = [{**c, "title": _cap(c["title"], max(limit, 20))} for c in item]
        elif isinstance(item, str):
            out[key] = _cap(item, limit)
        else:
            out[key] = _shortened(item, limit)
    return out


# --- reply kinds -----------------------------------------------------------------------------


def _choices(reply: Choices, words: Catalog) -> list[Activity]:
    """A question's answers (a choice set when there are many) and its navigation (back,
    whole form, cancel…), which stays buttons."""
    answers, navigation = tuple(reply.answers), tuple(reply.navigation)
    if len(answers) > MAX_BUTTONS:
        element, send = _choice_set(answers, reply.text, words)
        actions = [send, *(action(b, reply.text, inputs=False) for b in navigation)]
        return _cards([plain_block(reply.text), element], actions)
    if len(answers) + len(navigation) <= MAX_ACTIONS:
        return _cards(
            [plain_block(reply.text)],
            [action(b, reply.text, inputs=False) for b in (*answers, *navigation)],
        )
    element, send = _choice_set(answers, reply.text, words)
    actions = [send, *(action(b, reply.text, inputs=False) for b in navigation)]
    return _cards([plain_block(reply.text), element], actions)


def _fact_card(reply: FactCard, words: Catalog) -> list[Activity]:
    extra, actions = _buttons(reply.buttons, reply.title, words)
    return _cards([*_fact_body(reply), *extra], actions)


def _fact_body(reply: FactCard, size: str = "Medium") -> list[dict[str, Any]]:
    """A card's title in its tone, its facts, its lines and its links."""
    title = plain_block(reply.title, weight="Bolder", size=size)
    title["inlines"][0]["color"] = _TONE_COLOUR.get(reply.tone, "Default")
    body: list[dict[str, Any]] = [title]
    facts = [
        {"title": escape_markdown(_cap(f.label, 200)), "value": escape_markdown(_cap(f.value))}
        for f in reply.facts
    ]
    # Several FactSets when the facts are long, so a long report splits between facts.
    group: list[dict[str, str]] = []
    for fact in facts:
        if group and size_of({"facts": [*group, fact]}) > MAX_BYTES // 2:
            body.append({"type": "FactSet", "facts": group})
            group = []
        group.append(fact)
    if group:
        body.append({"type": "FactSet", "facts": group})
    body += [plain_block(line) for line in reply.lines]
    links = _links(reply.links)
    if links is not None:
        body.append(links)
    return body


def _links(links: tuple[Link, ...]) -> dict[str, Any] | None:
    """Links open in the browser (Action.OpenUrl), in the body so they never take the
    place of a button; only http(s) addresses."""
    opened = [
        {"type": "Action.OpenUrl", "title": _cap(link.label, 200), "url": link.url}
        for link in links
        if link.url.startswith(("https://", "http://"))
    ]
    return {"type": "ActionSet", "actions": opened[:MAX_ACTIONS]} if opened else None


def _home(reply: HomeView, words: Catalog) -> list[Activity]:
    """The welcome card: where the person stands, their open reports, quick actions."""
    body: list[dict[str, Any]] = [plain_block(reply.title, weight="Bolder", size="Large")]
    for section in reply.sections:
        body += _fact_body(section, size="Default")
    extra, actions = _buttons(tuple(reply.actions), reply.title, words)
    return _cards([*body, *extra], actions)


def form_input(item: FormInput, error: str = "") -> list[dict[str, Any]]:
    """One input with its label, hint and (after a failed submission) its error."""
    common: dict[str, Any] = {
        "id": item.key,
        "label": _cap(item.label, 200),
        "isRequired": item.required,
    }
    if item.kind == "choice":
        element = {
            **common,
            "type": "Input.ChoiceSet",
            "style": "compact" if len(item.options) > 4 else "expanded",
            "choices": [{"title": _cap(o.label, 200), "value": o.value} for o in item.options],
        }
    elif item.kind == "multichoice" and len(item.options) == 1:  # one box to tick
        [option] = item.options
        element = {
            **common,
            "type": "Input.Toggle",
            "title": _cap(option.label, 200),
            "valueOn": option.value,
            "valueOff": "",
            "value": option.value if item.value == option.value else "",
        }
    elif item.kind == "multichoice":  # checkboxes; Teams joins the ticked values with ","
        element = {
            **common,
            "type": "Input.ChoiceSet",
            "isMultiSelect": True,
            "style": "expanded",
            "choices": [{"title": _cap(o.label, 200), "value": o.value} for o in item.options],
        }
    elif item.kind == "date":
        element = {**common, "type": "Input.Date"}
    else:
        element = {**common, "type": "Input.Text", "isMultiline": item.kind == "longtext"}
        limit = getattr(item, "max_length", None)
        element["maxLength"] = limit or (2000 if item.kind == "longtext" else 200)
        if getattr(item, "placeholder", ""):
            element["placeholder"] = _cap(item.placeholder, 200)
    if item.value and "value" not in element:
        element["value"] = _cap(item.value)
    out = [element]
    if item.hint:
        out.append(plain_block(item.hint, isSubtle=True, size="Small"))
    if error:  # named with its field, next to it, for a reader scanning the card
        out.append(plain_block(f"{item.label}: {error}", color="Attention"))
    return out


def _form(reply: FormView, words: Catalog) -> list[Activity]:
    body: list[dict[str, Any]] = [plain_block(reply.title, weight="Bolder", size="Medium")]
    field_errors: dict[str, str] = dict(getattr(reply, "field_errors", {}) or {})
    body += [plain_block(error, color="Attention") for error in reply.errors]
    for item in reply.inputs:
        body += form_input(item, field_errors.get(item.key, ""))
    actions = [action(reply.submit, reply.title), action(reply.cancel, reply.title, inputs=False)]
    return _cards(body, actions)


def answered(question: str, label: str) -> dict[str, Any]:
    """What a pressed card becomes: the question and the answer given, no buttons left."""
    body = [plain_block(question, isSubtle=True)] if question else []
    body.append(plain_block(f"→ {label}", weight="Bolder"))
    return card(body, [])


_RENDERERS: dict[type, Callable[[Any, Catalog], list[Activity]]] = {
    Text: _text,
    Choices: _choices,
    FactCard: _fact_card,
    FormView: _form,
    HomeView: _home,
}
