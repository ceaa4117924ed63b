"""The stored state of one conversation: which form is active and every form's progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Answer = str | None  # None: the person skipped an optional field


@dataclass
class FormProgress:
    """One form's answers so far and where the person is in it.

    mode: "asking" a field, "confirming" the whole, or "choosing_edit" (which field to fix).
    """

    answers: dict[str, Answer] = field(default_factory=dict)
    current: str | None = None
    history: list[str] = field(default_factory=list)
    mode: str = "asking"

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "current": self.current,
            "history": self.history,
            "mode": self.mode,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormProgress:
        return cls(
            answers=dict(data.get("answers", {})),
            current=data.get("current"),
            history=list(data.get("history", [])),
            mode=data.get("mode", "asking"),
        )


@dataclass
class ConversationData:
    """All of a conversation's state; `seq` numbers every prompt so old buttons are known."""

    active: str | None = None
    forms: dict[str, FormProgress] = field(default_factory=dict)
    seq: int = 0
    # The answers each form was last submitted with ("ask again about another system").
    last: dict[str, dict[str, str]] = field(default_factory=dict)
    # What the next message is, when it is not a form answer (e.g. a text to check, which
    # is never stored: only this marker is).
    awaiting: str | None = None
    # An admin change shown for confirmation (before → after), applied only on 確定.
    pending: dict[str, Any] | None = None
    # A typed text that may not be the answer (「これって重大？」), kept only until the person
    # says whether to save it as the answer (awaiting == "held_answer").
    held: str | None = None

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def to_json(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "forms": {key: progress.to_json() for key, progress in self.forms.items()},
            "seq": self.seq,
            "last": self.last,
            "awaiting": self.awaiting,
            "pending": self.pending,
            "held": self.held,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ConversationData:
        if not data:
            return cls()
        return cls(
            active=data.get("active"),
            forms={k: FormProgress.from_json(v) for k, v in data.get("forms", {}).items()},
            seq=int(data.get("seq", 0)),
            last={k: dict(v) for k, v in data.get("last", {}).items()},
            awaiting=data.get("awaiting"),
            pending=data.get("pending"),
            held=data.get("held"),
        )
