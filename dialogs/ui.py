"""The reply vocabulary every channel renders: text, choices, a form, a card of facts.

Dialogs build only these; the channels turn them into HTML, plain text, Block Kit or
Adaptive Cards. Every reply serialises to one JSON object (`to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Tone = Literal["info", "ok", "warn", "bad"]


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    style: Literal["default", "primary", "danger"] = "default"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "style": self.style}


@dataclass(frozen=True)
class Text:
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "text", "text": self.text}


@dataclass(frozen=True)
class Choices:
    text: str
    buttons: tuple[Button, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "choices",
            "text": self.text,
            "buttons": [b.to_dict() for b in self.buttons],
        }


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "card",
            "title": self.title,
            "tone": self.tone,
            "facts": [f.to_dict() for f in self.facts],
            "lines": list(self.lines),
            "buttons": [b.to_dict() for b in self.buttons],
        }


@dataclass(frozen=True)
class Option:
    value: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True)
class FormInput:
    """One input of a whole-form view (a modal in Slack, an Adaptive Card in Teams)."""

    key: str
    label: str
    kind: Literal["text", "longtext", "choice", "date"]
    required: bool
    value: str = ""
    options: tuple[Option, ...] = ()
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "value": self.value,
            "options": [o.to_dict() for o in self.options],
            "hint": self.hint,
        }


@dataclass(frozen=True)
class FormView:
    title: str
    inputs: tuple[FormInput, ...]
    submit: Button
    cancel: Button
    errors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "form",
            "title": self.title,
            "inputs": [i.to_dict() for i in self.inputs],
            "submit": self.submit.to_dict(),
            "cancel": self.cancel.to_dict(),
            "errors": list(self.errors),
        }


Reply = Text | Choices | FactCard | FormView


@dataclass
class Step:
    """What a dialog step produced: replies for the person, effects for storage/notifier."""

    replies: list[Reply] = field(default_factory=list)
    effects: list[Any] = field(default_factory=list)

    def say(self, *replies: Reply) -> Step:
        self.replies.extend(replies)
        return self

    def do(self, *effects: Any) -> Step:
        self.effects.extend(effects)
        return self


def _buttons(items: Any) -> tuple[Button, ...]:
    return tuple(Button(b["id"], b["label"], b.get("style", "default")) for b in items or ())


def from_dict(data: dict[str, Any]) -> Reply:
    """A reply back from its JSON (as stored in the outbox and in channel posts)."""
    kind = data.get("type")
    if kind == "choices":
        return Choices(data.get("text", ""), _buttons(data.get("buttons")))
    if kind == "card":
        return FactCard(
            title=data.get("title", ""),
            facts=tuple(Fact(f["label"], f["value"]) for f in data.get("facts", ())),
            lines=tuple(data.get("lines", ())),
            tone=data.get("tone", "info"),
            buttons=_buttons(data.get("buttons")),
        )
    if kind == "form":
        return FormView(
            title=data.get("title", ""),
            inputs=tuple(
                FormInput(
                    key=i["key"],
                    label=i["label"],
                    kind=i["kind"],
                    required=i["required"],
                    value=i.get("value", ""),
                    options=tuple(Option(o["value"], o["label"]) for o in i.get("options", ())),
                    hint=i.get("hint", ""),
                )
                for i in data.get("inputs", ())
            ),
            submit=_buttons([data["submit"]])[0],
            cancel=_buttons([data["cancel"]])[0],
            errors=tuple(data.get("errors", ())),
        )
    return Text(str(data.get("text", data.get("title", ""))))
