"""Asking a form's questions: the next prompt, a question, its answer shown, the confirmation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace

from dialogs.context import DialogContext
from dialogs.fields import Parsed
from dialogs.forms.model import VERB_LABELS, Field, Form
from dialogs.state import ConversationData, FormProgress
from dialogs.ui import (
    Button,
    Choices,
    Fact,
    FactCard,
    Reply,
    Step,
    Text,
)


class FormAsking(ABC):
    """The forms and how their questions are put; the runner adds what people do."""

    def __init__(self, forms: Sequence[Form]) -> None:
        self.forms = {form.key: form for form in forms}

    def title(self, key: str, ctx: DialogContext) -> str:
        return self._title(self.forms[key], ctx)

    def pause(self, conv: ConversationData, ctx: DialogContext) -> Step:
        key = conv.active
        conv.active = None
        if key is None:
            return Step()
        return Step().say(Text(ctx.t("form.paused", title=self.title(key, ctx))))

    @abstractmethod
    def _submit(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        ctx: DialogContext,
        before: Step | None = None,
    ) -> Step:
        """Send the form: asking reaches it when a question-like form has nothing missing."""

    # --- asking ---------------------------------------------------------------------------

    def _prompt(
        self,
        conv: ConversationData,
        form: Form,
        ctx: DialogContext,
        step: Step,
        *,
        new_seq: bool = True,
    ) -> Step:
        """Ask whatever comes next: a field, the confirmation, or which field to edit."""
        progress = conv.forms[form.key]
        seq = conv.next_seq() if new_seq else conv.seq
        if progress.mode == "asking":
            missing = self._next_missing(form, progress, ctx)
            if missing is not None:
                progress.current = missing.key
                return step.say(self._ask(form, progress, missing, seq, ctx))
            progress.current = None
            if not form.confirm:
                return self._submit(conv, form, progress, ctx, step)
            progress.mode = "confirming"
        if progress.mode == "choosing_edit":
            fields = form.applicable(progress.answers, ctx)
            answers = tuple(
                Button(f"f:{seq}:edit:{f.key}", ctx.t(f"forms.{form.key}.{f.key}.label"))
                for f in fields
            )
            return step.say(Choices(ctx.t("form.which_field"), answers))
        return step.say(self._confirmation(form, progress, seq, ctx))

    def _next_missing(self, form: Form, progress: FormProgress, ctx: DialogContext) -> Field | None:
        for field in form.applicable(progress.answers, ctx):
            if field.key in progress.answers:
                continue
            if field.ask_while is not None and not field.ask_while(progress.answers, ctx):
                continue
            return field
        return None

    def _question(
        self, form: Form, progress: FormProgress, field: Field, ctx: DialogContext
    ) -> str:
        applicable = form.applicable(progress.answers, ctx)
        position = [f.key for f in applicable].index(field.key) + 1
        prompt = ctx.t(f"forms.{form.key}.{field.key}.prompt")
        return f"{position}/{len(applicable)} {prompt}" if form.confirm else prompt

    def _ask(
        self, form: Form, progress: FormProgress, field: Field, seq: int, ctx: DialogContext
    ) -> Choices:
        answers: list[Button] = []
        default = field.default(ctx) if field.default else None
        options = field.kind.options(ctx)
        # A default that is one of the options is that option, marked (a select preselects
        # it); any other default (a name, a date) is an answer of its own, offered first.
        if default and default not in {o.value for o in options}:
            answers.append(Button(f"f:{seq}:pick:__default__", default, "primary"))
        answers += [
            Button(
                f"f:{seq}:pick:{o.value}", o.label, "primary" if o.value == default else "default"
            )
            for o in options
        ]
        navigation: list[Button] = []
        if not field.required:
            navigation.append(Button(f"f:{seq}:skip", ctx.t("form.button.skip")))
        if not progress.history:  # nothing answered yet (prefilled answers do not count)
            navigation.append(Button(f"f:{seq}:whole", ctx.t("form.button.whole")))
        if progress.history and progress.history[0] != field.key:
            navigation.append(Button(f"f:{seq}:back", ctx.t("form.button.back")))
        navigation.append(Button(f"f:{seq}:cancel", ctx.t("form.button.cancel"), "danger"))
        question = self._question(form, progress, field, ctx)
        return Choices(question, tuple(answers), tuple(navigation))

    def _answered(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        verb: str,
        arg: str | None,
        ctx: DialogContext,
    ) -> Reply | None:
        """The pressed prompt as a static record of what was answered, without buttons."""
        if verb == "values":
            return None
        if verb == "pick" and progress.current is not None and arg is not None:
            field = form.field(progress.current)
            default = field.default(ctx) if field.default else None
            label = default if arg == "__default__" else field.kind.display(arg, ctx)
        elif verb == "edit" and arg is not None:
            label = ctx.t(f"forms.{form.key}.{arg}.label")
        else:
            label = ctx.t(f"form.button.{verb}") if verb in VERB_LABELS else None
        if not label:
            return None
        if progress.mode == "confirming" and verb in ("submit", "edit", "cancel", "back"):
            card = self._confirmation(form, progress, conv.seq, ctx)
            return replace(card, buttons=(), lines=(f"✔ {label}",), replaces=ctx.pressed)
        if verb in ("continue", "later"):
            question = ctx.t("form.continue_question", title=self._title(form, ctx))
        elif progress.mode == "choosing_edit":
            question = ctx.t("form.which_field")
        elif progress.current is not None:
            question = self._question(form, progress, form.field(progress.current), ctx)
        else:
            return None
        return Text(ctx.t("form.answered", question=question, answer=label), replaces=ctx.pressed)

    def _confirmation(
        self, form: Form, progress: FormProgress, seq: int, ctx: DialogContext
    ) -> FactCard:
        facts = []
        for field in form.applicable(progress.answers, ctx):
            value = progress.answers.get(field.key)
            shown = ctx.t("form.skipped") if value is None else field.kind.display(value, ctx)
            facts.append(Fact(ctx.t(f"forms.{form.key}.{field.key}.label"), shown))
        return FactCard(
            title=ctx.t("form.confirm_title", title=self._title(form, ctx)),
            facts=tuple(facts),
            tone="info",
            buttons=(
                Button(f"f:{seq}:submit", ctx.t("form.button.submit"), "primary"),
                Button(f"f:{seq}:edit", ctx.t("form.button.edit")),
                Button(f"f:{seq}:cancel", ctx.t("form.button.cancel"), "danger"),
            ),
        )

    # --- helpers --------------------------------------------------------------------------

    def _active(self, conv: ConversationData) -> tuple[Form, FormProgress]:
        assert conv.active is not None
        return self.forms[conv.active], conv.forms[conv.active]

    def _bound(self, conv: ConversationData, ctx: DialogContext) -> DialogContext:
        """The context with the active form's live answers (see DialogContext.answers)."""
        if conv.active in conv.forms:
            return ctx.with_answers(conv.forms[conv.active].answers)
        return ctx

    def _drop_inapplicable(self, form: Form, progress: FormProgress, ctx: DialogContext) -> None:
        """An answer changed a condition: forget answers to fields that no longer apply."""
        keep = {f.key for f in form.applicable(progress.answers, ctx)}
        keep |= {f.key for f in form.fields if not f.ask}
        for key in list(progress.answers):
            if key not in keep:
                del progress.answers[key]
        progress.history = [k for k in progress.history if k in keep]

    @staticmethod
    def _parse_any(field: Field, raw: str, ctx: DialogContext) -> Parsed:
        """Whole-form values arrive as option values (from a select) or typed text."""
        for option in field.kind.options(ctx):
            if raw == option.value:
                return Parsed(value=raw)
        return field.kind.parse(raw, ctx)

    @staticmethod
    def _title(form: Form, ctx: DialogContext) -> str:
        return ctx.t(f"forms.{form.key}.title")
