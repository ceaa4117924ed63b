"""What a form is: its fields, as data (see `dialogs.forms` for the runner that asks them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dialogs.context import DialogContext
from dialogs.fields import FieldKind
from dialogs.ui import Step

Answers = Mapping[str, str | None]
# In a whole form's values: the form was closed without being sent (a modal closed). What
# was understood is kept as the form's progress, nothing is checked, and the form waits.
PUT_ASIDE = "__put_aside__"
WITH_OPTIONS = ("choice", "multichoice")
# Buttons whose label in the catalogue is `form.button.<verb>` (what a pressed one said).
VERB_LABELS = ("continue", "later", "cancel", "skip", "back", "submit", "edit", "whole")


@dataclass(frozen=True)
class Field:
    key: str
    kind: FieldKind
    required: bool = True
    # Asked only when this holds for the answers so far (e.g. "details" only for "other"),
    # given the facts of the turn (e.g. "only while the answer is not already decided").
    condition: Callable[[Answers, DialogContext], bool] | None = None
    # Offered as a one-press answer (e.g. the name from the person's profile).
    default: Callable[[DialogContext], str | None] | None = None
    # False: never asked nor shown; only carried from the start (e.g. "on a personal device"
    # understood from the person's own sentence).
    ask: bool = True
    # Asked only while this holds; unlike `condition`, an answer already given is kept
    # (e.g. the entry check stops asking once the answer is decided).
    ask_while: Callable[[Answers, DialogContext], bool] | None = None

    def applies(self, answers: Answers, ctx: DialogContext) -> bool:
        return self.condition is None or self.condition(answers, ctx)


@dataclass(frozen=True)
class Form:
    """A form's fields; messages come from the catalogue under `forms.<key>.`.

    `forms.<key>.title`, `.intro`, and per field `.<field>.prompt` and `.<field>.label`.
    """

    key: str
    fields: tuple[Field, ...]
    on_submit: Callable[[dict[str, str], DialogContext], Step]
    # Rules across fields, checked when the person sends the form (e.g. the 別表's rules for a
    # system entry): what is wrong, in words; the form stays at its confirmation until fixed.
    validate: Callable[[dict[str, str], DialogContext], list[str]] | None = None
    # A question-like form (e.g. the entry check) answers as soon as nothing is missing and
    # does not number its questions (how many depends on the answers); a form that files or
    # saves something numbers them and shows every answer for confirmation first.
    confirm: bool = True
    # What the person's own sentence already settled, said with the intro (e.g. the 別表's
    # row of the system they named, before the entry check asks about the information).
    intro_lines: Callable[[Answers, DialogContext], list[str]] | None = None

    def field(self, key: str) -> Field:
        for candidate in self.fields:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def applicable(self, answers: Answers, ctx: DialogContext) -> list[Field]:
        """The fields asked and shown for these answers."""
        return [f for f in self.fields if f.ask and f.applies(answers, ctx)]

    def carried(self, answers: Answers, ctx: DialogContext) -> dict[str, str]:
        """Every answer that reaches `on_submit`: asked fields that apply, and hidden ones."""
        return {
            f.key: value
            for f in self.fields
            if (not f.ask or f.applies(answers, ctx)) and (value := answers.get(f.key)) is not None
        }
