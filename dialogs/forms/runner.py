"""The form runner: starting, resuming and leaving a form, and what people type or press."""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.answers import match_option
from dialogs.context import DialogContext
from dialogs.forms.model import Field, Form
from dialogs.forms.whole import WholeForm
from dialogs.keywords import control_word
from dialogs.state import ConversationData, FormProgress
from dialogs.text import normalize
from dialogs.ui import (
    Button,
    Choices,
    Option,
    Step,
    Text,
)
from dialogs.understand.analyser import analyse


def _not_yet(text: str, word: str | None) -> bool:
    return word == "no" or analyse(text).not_happened


class FormRunner(WholeForm):
    # --- entering and leaving -------------------------------------------------------------

    def start(
        self,
        conv: ConversationData,
        key: str,
        ctx: DialogContext,
        initial: Mapping[str, str | None] | None = None,
    ) -> Step:
        """Start a form, or resume it where it was left.

        `initial` answers (what the person already said in their own words) start it afresh
        with those fields filled in, so only what is still missing is asked.
        """
        form = self.forms[key]
        step = Step()
        if key in conv.forms and not initial:
            step.say(Text(ctx.t("form.resumed", title=self._title(form, ctx))))
        else:
            conv.forms[key] = FormProgress(answers=dict(initial or {}))
            known = form.intro_lines(dict(initial or {}), ctx) if form.intro_lines else []
            step.say(Text("\n".join([ctx.t(f"forms.{key}.intro"), *known])))
        conv.active = key
        return self._prompt(conv, form, self._bound(conv, ctx), step)

    def saved_forms(self, conv: ConversationData) -> list[str]:
        return [key for key in conv.forms if key in self.forms]

    # --- input while a form is active -----------------------------------------------------

    def expects_free_text(self, conv: ConversationData) -> bool:
        """Whether the active form is waiting for free text (any message could be the answer)."""
        if conv.active not in self.forms:
            return False
        form, progress = self._active(conv)
        if progress.mode != "asking" or progress.current is None:
            return False
        return form.field(progress.current).kind.free_text

    def on_text(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step | None:
        """The step for typed text, or None when the text is no answer to the question."""
        ctx = self._bound(conv, ctx)
        form, progress = self._active(conv)
        word = control_word(text)
        if word == "cancel":
            return self._cancel(conv, form, ctx)
        if word == "later":
            return self.pause(conv, ctx)
        if progress.mode == "confirming":
            return self._on_confirming_text(conv, form, progress, text, word, ctx)
        if progress.mode == "choosing_edit":
            return self._on_choosing_edit_text(conv, form, progress, text, word, ctx)
        if word == "back":
            return self._back(conv, form, progress, ctx)
        if word == "continue":
            return self._prompt(conv, form, ctx, Step())
        current = form.field(progress.current) if progress.current else None
        if current is None:
            return self._prompt(conv, form, ctx, Step())
        # 「なし」 to a question with an option meaning none (「入力していない」) is that option.
        meant = None if current.kind.free_text else current.kind.parse(text, ctx)
        if word == "skip" and not (meant is not None and meant.ok):
            return self._skip(conv, form, progress, current, ctx)
        default = current.default(ctx) if current.default else None
        if word == "yes" and default is not None and current.kind.free_text:
            return self._accept(conv, form, progress, current, default, ctx)
        parsed = meant or current.kind.parse(text, ctx)
        if not parsed.ok:
            # 「わからない」 to a question one may skip (「起きた日はいつ？（わからなければ
            # スキップ）」) is a skip; to a required one it is asked again, saying so.
            if word == "unknown" and not current.required:
                return self._skip(conv, form, progress, current, ctx)
            if word == "unknown":
                why = Text(ctx.t("form.error.unknown_required"))
                return self._prompt(conv, form, ctx, Step().say(why))
            # 「まだ」「受講していません」 to 「受講した日は？」: what to do first, where the
            # catalogue says it — not the parse error, nor another request the words resemble.
            not_yet = f"forms.{form.key}.{current.key}.not_yet"
            if word != "unknown" and ctx.msg.has(not_yet) and _not_yet(text, word):
                return self._prompt(conv, form, ctx, Step().say(Text(ctx.t(not_yet))))
            return None
        step = self._accept(conv, form, progress, current, parsed.value or "", ctx, parsed.also)
        if parsed.note:
            step.replies.insert(0, Text(parsed.note))
        return step

    def reask(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step:
        """Say why the text was not understood, and ask the same question again."""
        ctx = self._bound(conv, ctx)
        form, progress = self._active(conv)
        if progress.mode != "asking" or progress.current is None:
            return self._prompt(conv, form, ctx, Step())
        parsed = form.field(progress.current).kind.parse(text, ctx)
        error = ctx.t(parsed.error or "form.error.choice", **parsed.params)
        return self._prompt(conv, form, ctx, Step().say(Text(error)))

    def ask_again(self, conv: ConversationData, ctx: DialogContext, why: Text) -> Step:
        """The active form's current question (or its confirmation) again, after `why`."""
        ctx = self._bound(conv, ctx)
        form, _ = self._active(conv)
        return self._prompt(conv, form, ctx, Step().say(why))

    def offer_continue(self, conv: ConversationData, ctx: DialogContext) -> Choices:
        """After answering a question asked in the middle of a form."""
        seq = conv.seq
        title = self.title(conv.active, ctx) if conv.active else ""
        return Choices(
            ctx.t("form.continue_question", title=title),
            answers=(Button(f"f:{seq}:continue", ctx.t("form.button.continue"), "primary"),),
            navigation=(Button(f"f:{seq}:later", ctx.t("form.button.later")),),
        )

    def on_button(self, conv: ConversationData, action: str, ctx: DialogContext) -> Step:
        ctx = self._bound(conv, ctx)
        parts = action.split(":", 3)
        if len(parts) < 3 or not parts[1].isdigit() or conv.active not in self.forms:
            return self._stale(conv, ctx)
        seq, verb, arg = int(parts[1]), parts[2], parts[3] if len(parts) > 3 else None
        if seq != conv.seq:
            return self._stale(conv, ctx)
        form, progress = self._active(conv)
        # What the pressed message becomes, read before the press changes the progress.
        answered = self._answered(conv, form, progress, verb, arg, ctx)
        step = self._on_current_button(conv, form, progress, verb, arg, ctx)
        if step is None:
            return self._stale(conv, ctx)
        if answered is not None and ctx.pressed is not None:
            step.replies.insert(0, answered)
        return step

    def _on_current_button(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        verb: str,
        arg: str | None,
        ctx: DialogContext,
    ) -> Step | None:
        """The step for a press of the current prompt; None when it offers no such button."""
        if verb == "cancel":
            return self._cancel(conv, form, ctx)
        if verb == "later":
            return self.pause(conv, ctx)
        if verb == "continue":
            return self._prompt(conv, form, ctx, Step())
        if verb == "whole":
            conv.next_seq()
            return Step().say(self.whole_form(conv, ctx))
        if verb == "back" and progress.mode != "choosing_edit":
            return self._back(conv, form, progress, ctx)
        if verb == "submit" and progress.mode == "confirming":
            return self._submit(conv, form, progress, ctx)
        if verb == "edit" and progress.mode in ("confirming", "choosing_edit"):
            if arg is None:
                progress.mode = "choosing_edit"
                return self._prompt(conv, form, ctx, Step())
            if arg in {f.key for f in form.applicable(progress.answers, ctx)}:
                return self._edit(conv, form, progress, arg, ctx)
        if progress.mode == "asking" and progress.current is not None:
            current = form.field(progress.current)
            if verb == "skip":
                return self._skip(conv, form, progress, current, ctx)
            if verb == "pick" and arg is not None:
                return self._pick(conv, form, progress, current, arg, ctx)
        return None

    # --- the steps ------------------------------------------------------------------------

    def _accept(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        field: Field,
        value: str,
        ctx: DialogContext,
        also: Mapping[str, str] | None = None,
    ) -> Step:
        progress.answers[field.key] = value
        if field.key not in progress.history:
            progress.history.append(field.key)
        # What the same answer settles of later questions (the name of an unlisted system).
        for key, other in (also or {}).items():
            progress.answers[key] = other
            if key not in progress.history:
                progress.history.append(key)
        self._drop_inapplicable(form, progress, ctx)
        return self._prompt(conv, form, ctx, Step())

    def _pick(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        field: Field,
        value: str,
        ctx: DialogContext,
    ) -> Step | None:
        if value == "__default__" and field.default is not None:
            default = field.default(ctx)
            if default is not None:
                return self._accept(conv, form, progress, field, default, ctx)
        if value in {o.value for o in field.kind.options(ctx)}:
            return self._accept(conv, form, progress, field, value, ctx)
        return None

    def _skip(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        field: Field,
        ctx: DialogContext,
    ) -> Step:
        if field.required:
            return self._prompt(conv, form, ctx, Step().say(Text(ctx.t("form.error.required"))))
        progress.answers[field.key] = None
        if field.key not in progress.history:
            progress.history.append(field.key)
        return self._prompt(conv, form, ctx, Step())

    def _back(
        self, conv: ConversationData, form: Form, progress: FormProgress, ctx: DialogContext
    ) -> Step:
        if progress.mode == "confirming":
            previous = progress.history[-1] if progress.history else None
        else:
            earlier = progress.history
            if progress.current in earlier:
                earlier = earlier[: earlier.index(progress.current)]
            previous = earlier[-1] if earlier else None
        if previous is None:
            return self._prompt(conv, form, ctx, Step().say(Text(ctx.t("form.at_first"))))
        progress.answers.pop(previous, None)
        progress.history = progress.history[: progress.history.index(previous)]
        progress.mode = "asking"
        return self._prompt(conv, form, ctx, Step())

    def _edit(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        key: str,
        ctx: DialogContext,
    ) -> Step:
        # Once the edited field is answered again nothing is missing, so the runner
        # returns to the confirmation by itself.
        progress.answers.pop(key, None)
        progress.mode = "asking"
        return self._prompt(conv, form, ctx, Step())

    def _on_confirming_text(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        text: str,
        word: str | None,
        ctx: DialogContext,
    ) -> Step:
        if word in ("submit", "yes"):
            return self._submit(conv, form, progress, ctx)
        # 「いいえ」「違います」 to 「内容を確認してください」: something is to be corrected.
        if word in ("edit", "no"):
            progress.mode = "choosing_edit"
            return self._prompt(conv, form, ctx, Step())
        if word == "back":
            return self._back(conv, form, progress, ctx)
        # A field's label (「連絡先」「連絡先を直したい」): that field, asked again.
        if word is None and (key := self._field_named(form, progress, text, ctx)) is not None:
            return self._edit(conv, form, progress, key, ctx)
        return self._prompt(conv, form, ctx, Step().say(Text(ctx.t("form.error.confirm"))))

    @staticmethod
    def _field_named(
        form: Form, progress: FormProgress, text: str, ctx: DialogContext
    ) -> str | None:
        fields = form.applicable(progress.answers, ctx)
        labels = [Option(f.key, ctx.t(f"forms.{form.key}.{f.key}.label")) for f in fields]
        chosen = match_option(text, labels, ctx)
        if chosen is None:  # 「連絡先を直したい」: the one label the sentence holds
            folded = normalize(text).replace(" ", "")
            named = [o for o in labels if normalize(o.label).replace(" ", "") in folded]
            chosen = named[0] if len(named) == 1 else None
        return chosen.value if chosen is not None else None

    def _on_choosing_edit_text(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        text: str,
        word: str | None,
        ctx: DialogContext,
    ) -> Step:
        if word in ("back", "no"):
            progress.mode = "confirming"
            return self._prompt(conv, form, ctx, Step())
        fields = [f for f in form.applicable(progress.answers, ctx)]
        # The same tolerant rule as every other choice: label, number, a unique part, a typo.
        labels = [Option(f.key, ctx.t(f"forms.{form.key}.{f.key}.label")) for f in fields]
        if (chosen := match_option(text, labels, ctx)) is not None:
            return self._edit(conv, form, progress, chosen.value, ctx)
        return self._prompt(conv, form, ctx, Step().say(Text(ctx.t("form.error.which_field"))))

    def _submit(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        ctx: DialogContext,
        before: Step | None = None,
    ) -> Step:
        answers = form.carried(progress.answers, ctx)
        problems = form.validate(answers, ctx) if form.validate else []
        if problems:
            progress.mode = "confirming"
            step = before or Step()
            step.say(Text("\n".join([ctx.t("form.invalid"), *problems])))
            return self._prompt(conv, form, ctx, step)
        conv.forms.pop(form.key, None)
        conv.active = None
        conv.last[form.key] = answers
        conv.next_seq()
        submitted = form.on_submit(answers, ctx)
        step = before or Step()
        step.replies += submitted.replies
        step.effects += submitted.effects
        step.closing += submitted.closing
        return self._offer_saved(conv, ctx, step)

    def _cancel(self, conv: ConversationData, form: Form, ctx: DialogContext) -> Step:
        conv.forms.pop(form.key, None)
        conv.active = None
        conv.next_seq()
        step = Step().say(Text(ctx.t("form.cancelled", title=self._title(form, ctx))))
        return self._offer_saved(conv, ctx, step)

    def _offer_saved(self, conv: ConversationData, ctx: DialogContext, step: Step) -> Step:
        """After a form ends, offer to go back to another one left unfinished."""
        for key in self.saved_forms(conv):
            step.close(
                Choices(
                    ctx.t("form.other_unfinished", title=self.title(key, ctx)),
                    (Button(f"menu:resume:{key}", ctx.t("form.button.continue"), "primary"),),
                )
            )
            break
        return step

    def _stale(self, conv: ConversationData, ctx: DialogContext) -> Step:
        step = Step().say(Text(ctx.t("form.stale_button")))
        if conv.active in self.forms:
            form, _ = self._active(conv)
            return self._prompt(conv, form, ctx, step)
        return step
