"""A form as one view (web form, Slack modal, Adaptive Card): showing it, and its submission."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from dialogs.context import DialogContext
from dialogs.forms.asking import FormAsking
from dialogs.forms.model import PUT_ASIDE, WITH_OPTIONS, Form
from dialogs.state import ConversationData, FormProgress
from dialogs.ui import (
    Button,
    FormInput,
    FormView,
    Step,
    Text,
)


class WholeForm(FormAsking):
    def on_values(
        self, conv: ConversationData, values: Mapping[str, str], ctx: DialogContext
    ) -> Step:
        """A whole-form submission (web form, Slack modal, Adaptive Card): one validation."""
        ctx = self._bound(conv, ctx)
        form, progress = self._active(conv)
        answers: dict[str, str | None] = dict(progress.answers)
        errors: dict[str, str] = {}
        for field in form.fields:
            if not field.ask or field.key not in values:
                continue  # hidden fields come only from the bot's own understanding
            raw = values[field.key]
            if not raw.strip():
                answers[field.key] = None
                continue
            parsed = self._parse_any(field, raw, ctx)
            if parsed.ok:
                answers[field.key] = parsed.value
            else:
                errors[field.key] = ctx.t(parsed.error or "", **parsed.params)
        unreadable = {f.key for f in form.fields if f.key in values and values[f.key].strip()}
        unreadable -= {key for key, value in answers.items() if value is not None}
        for field in form.applicable(answers, ctx):
            if field.key in unreadable:
                continue  # already said why it was not understood
            if field.required and answers.get(field.key) is None and field.key in values:
                errors[field.key] = ctx.t("form.error.required")
        conv.next_seq()
        if values.get(PUT_ASIDE):
            return self._put_aside(conv, form, progress, answers, ctx)
        if errors:
            # The view with the errors takes the place of the one sent, where it can.
            view = self.whole_form(conv, ctx, values=values, field_errors=errors)
            return Step().say(replace(view, replaces=ctx.pressed))
        progress.answers = answers
        step = Step()
        if ctx.pressed is not None:  # the form sent becomes a line saying so
            title, label = self._title(form, ctx), ctx.t("form.button.review")
            answered = ctx.t("form.answered", question=title, answer=label)
            step.say(Text(answered, replaces=ctx.pressed))
        progress.history = [f.key for f in form.applicable(answers, ctx) if f.key in answers]
        progress.mode = "asking"
        return self._prompt(conv, form, ctx, step, new_seq=False)

    def _put_aside(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        answers: dict[str, str | None],
        ctx: DialogContext,
    ) -> Step:
        """Keep what was understood, so resuming the form, or opening it whole again, starts
        from there; then pause it. A field left empty is asked again, unless it had been
        skipped before."""
        skipped = {key for key, value in progress.answers.items() if value is None}
        progress.answers = {
            key: value for key, value in answers.items() if value is not None or key in skipped
        }
        # Answered in the whole form, not step by step: like prefilled answers, they leave
        # the way back to the whole form open (its button is offered while history is empty).
        progress.history = []
        progress.mode = "asking"
        progress.current = None
        return self.pause(conv, ctx)

    def whole_form(
        self,
        conv: ConversationData,
        ctx: DialogContext,
        values: Mapping[str, str] | None = None,
        field_errors: Mapping[str, str] | None = None,
    ) -> FormView:
        """The active form as one view, prefilled with the answers (or the values just sent)."""
        ctx = self._bound(conv, ctx)
        form, progress = self._active(conv)
        inputs = []
        for field in form.applicable(progress.answers, ctx):
            value = (values or {}).get(field.key)
            if value is None:
                value = progress.answers.get(field.key) or (
                    field.default(ctx) if field.default else None
                )
            widget = field.kind.widget
            options = tuple(field.kind.options(ctx)) if widget in WITH_OPTIONS else ()
            prefix = f"forms.{form.key}.{field.key}"
            inputs.append(
                FormInput(
                    key=field.key,
                    label=ctx.t(f"{prefix}.label"),
                    kind=widget,
                    required=field.required,
                    value=value or "",
                    options=options,
                    hint=ctx.t(f"{prefix}.hint") if ctx.msg.has(f"{prefix}.hint") else "",
                    # Only free text has a length; the kinds without one say nothing.
                    max_length=getattr(field.kind, "max_length", None),
                    placeholder=ctx.t(f"{prefix}.placeholder")
                    if ctx.msg.has(f"{prefix}.placeholder")
                    else "",
                )
            )
        errors = field_errors or {}
        seq = conv.seq
        return FormView(
            title=self._title(form, ctx),
            inputs=tuple(inputs),
            submit=Button(f"f:{seq}:values", ctx.t("form.button.review"), "primary"),
            cancel=Button(f"f:{seq}:cancel", ctx.t("form.button.cancel"), "danger"),
            errors=(ctx.t("form.error.fields", count=len(errors)),) if errors else (),
            field_errors=dict(errors),
        )
