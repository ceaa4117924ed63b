"""The reply vocabulary every channel renders: text, choices, a form, a card, a home view.

Dialogs build only these; the channels turn them into HTML, plain text, Block Kit or
Adaptive Cards. Every reply serialises to one JSON object (`to_dict`) and back (`from_dict`),
also from the JSON of older versions (outbox bodies are stored).

What a renderer needs is said, not guessed from button ids:
- a question's `answers` and its `navigation` (back, skip, cancel, ...) are separate lists,
  so many answers can become one select menu while navigation stays buttons;
- a form view carries errors per field beside the form-level ones; inputs carry their limits;
- `private`: only the person whose action this answers sees it (in a shared channel);
  `replaces`: the reference of a message (e.g. the one whose button was pressed,
  `Turn.message_ref`) that this reply takes the place of.
Long content stays whole here; each renderer splits or truncates to its platform's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Tone = Literal["info", "ok", "warn", "bad"]
InputKind = Literal["text", "longtext", "choice", "multichoice", "date"]
# A multichoice input's value: the chosen option values joined by this.
MULTI_SEPARATOR = ","


def join_values(values: Iterable[str]) -> str:
    return MULTI_SEPARATOR.join(v for v in values if v)


def split_values(value: str) -> list[str]:
    return [part for part in (p.strip() for p in value.split(MULTI_SEPARATOR)) if part]


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    style: Literal["default", "primary", "danger"] = "default"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "style": self.style}


@dataclass(frozen=True)
class Link:
    """A labelled URL (e.g. a system's manual in the 別表); opened, never pressed."""

    label: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "url": self.url}


def _shown(data: dict[str, Any], private: bool, replaces: str | None) -> dict[str, Any]:
    """Visibility and replacement, written only when set (older readers ignore them)."""
    if private:
        data["private"] = True
    if replaces is not None:
        data["replaces"] = replaces
    return data


@dataclass(frozen=True)
class Text:
    text: str
    private: bool = False
    replaces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _shown({"type": "text", "text": self.text}, self.private, self.replaces)


@dataclass(frozen=True)
class Choices:
    """A question: its possible answers, and the ways to move around the form it belongs to.

    `Choices(text, buttons)` (the first version's shape) makes every button an answer.
    """

    text: str
    answers: tuple[Button, ...] = ()
    navigation: tuple[Button, ...] = ()
    private: bool = False
    replaces: str | None = None

    @property
    def buttons(self) -> tuple[Button, ...]:
        """Every button, answers first (for renderers that show them all alike)."""
        return self.answers + self.navigation

    def to_dict(self) -> dict[str, Any]:
        data = {
            "type": "choices",
            "text": self.text,
            "answers": [b.to_dict() for b in self.answers],
            "navigation": [b.to_dict() for b in self.navigation],
            # The first version's flat list, for readers that know only it.
            "buttons": [b.to_dict() for b in self.buttons],
        }
        return _shown(data, self.private, self.replaces)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class FactCard:
    title: str
    facts: tuple[Fact, ...] = ()
    lines: tuple[str, ...] = ()
    tone: Tone = "info"
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    private: bool = False
    replaces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "type": "card",
            "title": self.title,
            "tone": self.tone,
            "facts": [f.to_dict() for f in self.facts],
            "lines": list(self.lines),
            "buttons": [b.to_dict() for b in self.buttons],
            "links": [link.to_dict() for link in self.links],
        }
        return _shown(data, self.private, self.replaces)


@dataclass(frozen=True)
class Option:
    value: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True)
class FormInput:
    """One input of a whole-form view (a modal in Slack, an Adaptive Card in Teams).

    `multichoice` is a set of checkboxes (one option: a single box to tick); its value is
    the ticked option values joined by `MULTI_SEPARATOR`. `max_length` is in characters.
    """

    key: str
    label: str
    kind: InputKind
    required: bool
    value: str = ""
    options: tuple[Option, ...] = ()
    hint: str = ""
    max_length: int | None = None
    placeholder: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "value": self.value,
            "options": [o.to_dict() for o in self.options],
            "hint": self.hint,
            "max_length": self.max_length,
            "placeholder": self.placeholder,
        }


@dataclass(frozen=True)
class FormView:
    """A whole form; `errors` concern the form as a whole, `field_errors` one input each."""

    title: str
    inputs: tuple[FormInput, ...]
    submit: Button
    cancel: Button
    errors: tuple[str, ...] = ()
    field_errors: Mapping[str, str] = field(default_factory=dict)
    private: bool = False
    replaces: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "type": "form",
            "title": self.title,
            "inputs": [i.to_dict() for i in self.inputs],
            "submit": self.submit.to_dict(),
            "cancel": self.cancel.to_dict(),
            "errors": list(self.errors),
            "field_errors": dict(self.field_errors),
        }
        return _shown(data, self.private, self.replaces)


@dataclass(frozen=True)
class HomeView:
    """A person's read-only overview (Slack's App Home, a Teams welcome card): sections of
    facts and a few quick actions. Showing it changes nothing."""

    title: str
    sections: tuple[FactCard, ...] = ()
    actions: tuple[Button, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "home",
            "title": self.title,
            "sections": [s.to_dict() for s in self.sections],
            "actions": [b.to_dict() for b in self.actions],
        }


Reply = Text | Choices | FactCard | FormView | HomeView


@dataclass
class Step:
    """What a dialog step produced: replies for the person, effects for storage/notifier."""

    replies: list[Reply] = field(default_factory=list)
    effects: list[Any] = field(default_factory=list)
    # Said after what the effects answer (「…の入力に戻りますか？」 comes after the result of
    # the command typed in the middle of a form, not before it).
    closing: list[Reply] = field(default_factory=list)

    def say(self, *replies: Reply) -> Step:
        self.replies.extend(replies)
        return self

    def close(self, *replies: Reply) -> Step:
        self.closing.extend(replies)
        return self

    def do(self, *effects: Any) -> Step:
        self.effects.extend(effects)
        return self


# --- back from JSON ------------------------------------------------------------------------


def _buttons(items: Any) -> tuple[Button, ...]:
    return tuple(Button(b["id"], b["label"], b.get("style", "default")) for b in items or ())


def _shown_args(data: dict[str, Any]) -> dict[str, Any]:
    replaces = data.get("replaces")
    return {
        "private": bool(data.get("private", False)),
        "replaces": str(replaces) if replaces is not None else None,
    }


def _card(data: dict[str, Any]) -> FactCard:
    return FactCard(
        title=data.get("title", ""),
        facts=tuple(Fact(f["label"], f["value"]) for f in data.get("facts", ())),
        lines=tuple(data.get("lines", ())),
        tone=data.get("tone", "info"),
        buttons=_buttons(data.get("buttons")),
        links=tuple(Link(k["label"], k["url"]) for k in data.get("links", ())),
        **_shown_args(data),
    )


def _choices(data: dict[str, Any]) -> Choices:
    if "answers" in data or "navigation" in data:
        answers, navigation = _buttons(data.get("answers")), _buttons(data.get("navigation"))
    else:  # the first version: one flat list, all of it answers
        answers, navigation = _buttons(data.get("buttons")), ()
    return Choices(data.get("text", ""), answers, navigation, **_shown_args(data))


def _input(data: dict[str, Any]) -> FormInput:
    max_length = data.get("max_length")
    return FormInput(
        key=data["key"],
        label=data["label"],
        kind=data["kind"],
        required=data["required"],
        value=data.get("value", ""),
        options=tuple(Option(o["value"], o["label"]) for o in data.get("options", ())),
        hint=data.get("hint", ""),
        max_length=int(max_length) if max_length is not None else None,
        placeholder=data.get("placeholder", ""),
    )


def from_dict(data: dict[str, Any]) -> Reply:
    """A reply back from its JSON (as stored in the outbox and in channel posts)."""
    kind = data.get("type")
    if kind == "choices":
        return _choices(data)
    if kind == "card":
        return _card(data)
    if kind == "form":
        return FormView(
            title=data.get("title", ""),
            inputs=tuple(_input(i) for i in data.get("inputs", ())),
            submit=_buttons([data["submit"]])[0],
            cancel=_buttons([data["cancel"]])[0],
            errors=tuple(data.get("errors", ())),
            field_errors=dict(data.get("field_errors") or {}),
            **_shown_args(data),
        )
    if kind == "home":
        return HomeView(
            title=data.get("title", ""),
            sections=tuple(_card(s) for s in data.get("sections", ())),
            actions=_buttons(data.get("actions")),
        )
    return Text(str(data.get("text", data.get("title", ""))), **_shown_args(data))
