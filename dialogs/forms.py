"""Forms as data, and the one runner that asks them.

A form is a list of fields; the runner owns everything people expect of any form: the next
missing question, a clear re-ask when an answer is not understood, 戻る, スキップ, 中止,
a final confirmation with 修正, and progress saved after every answer (the caller stores the
`ConversationData` with each turn, so a restart resumes at the same question).

Button ids are `f:<seq>:<verb>[:<arg>]`; `seq` numbers the prompt that showed them, so a
button from an earlier prompt is recognised as stale instead of being acted on. A question's
answers and its navigation (skip, whole form, back, cancel) are separate lists of its
`Choices`; when the channel says which message was pressed (`DialogContext.pressed`), that
message is replaced by what was answered, so its buttons cannot be pressed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from dialogs.answers import match_option
from dialogs.context import DialogContext
from dialogs.fields import FieldKind, Parsed
from dialogs.keywords import control_word
from dialogs.state import ConversationData, FormProgress
from dialogs.ui import (
    Button,
    Choices,
    Fact,
    FactCard,
    FormInput,
    FormView,
    Option,
    Reply,
    Step,
    Text,
)

Answers = Mapping[str, str | None]
# In a whole form's values: the form was closed without being sent (a modal closed). What
# was understood is kept as the form's progress, nothing is checked, and the form waits.
PUT_ASIDE = "__put_aside__"
_WITH_OPTIONS = ("choice", "multichoice")
# Buttons whose label in the catalogue is `form.button.<verb>` (what a pressed one said).
_VERB_LABELS = ("continue", "later", "cancel", "skip", "back", "submit", "edit", "whole")


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


class FormRunner:
    def __init__(self, forms: Sequence[Form]) -> None:
        self.forms = {form.key: form for form in forms}

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
            step.say(Text(ctx.t(f"forms.{key}.intro")))
        conv.active = key
        return self._prompt(conv, form, self._bound(conv, ctx), step)

    def saved_forms(self, conv: ConversationData) -> list[str]:
        return [key for key in conv.forms if key in self.forms]

    def title(self, key: str, ctx: DialogContext) -> str:
        return self._title(self.forms[key], ctx)

    def pause(self, conv: ConversationData, ctx: DialogContext) -> Step:
        key = conv.active
        conv.active = None
        if key is None:
            return Step()
        return Step().say(Text(ctx.t("form.paused", title=self.title(key, ctx))))

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
            return self._on_confirming_text(conv, form, progress, word, ctx)
        if progress.mode == "choosing_edit":
            return self._on_choosing_edit_text(conv, form, progress, text, word, ctx)
        if word == "back":
            return self._back(conv, form, progress, ctx)
        if word == "continue":
            return self._prompt(conv, form, ctx, Step())
        current = form.field(progress.current) if progress.current else None
        if current is None:
            return self._prompt(conv, form, ctx, Step())
        if word == "skip":
            return self._skip(conv, form, progress, current, ctx)
        default = current.default(ctx) if current.default else None
        if word == "yes" and default is not None and current.kind.free_text:
            return self._accept(conv, form, progress, current, default, ctx)
        parsed = current.kind.parse(text, ctx)
        if not parsed.ok:
            return None
        step = self._accept(conv, form, progress, current, parsed.value or "", ctx)
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
            options = tuple(field.kind.options(ctx)) if widget in _WITH_OPTIONS else ()
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

    # --- the steps ------------------------------------------------------------------------

    def _accept(
        self,
        conv: ConversationData,
        form: Form,
        progress: FormProgress,
        field: Field,
        value: str,
        ctx: DialogContext,
    ) -> Step:
        progress.answers[field.key] = value
        if field.key not in progress.history:
            progress.history.append(field.key)
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
        word: str | None,
        ctx: DialogContext,
    ) -> Step:
        if word in ("submit", "yes"):
            return self._submit(conv, form, progress, ctx)
        if word == "edit":
            progress.mode = "choosing_edit"
            return self._prompt(conv, form, ctx, Step())
        if word == "back":
            return self._back(conv, form, progress, ctx)
        return self._prompt(conv, form, ctx, Step().say(Text(ctx.t("form.error.confirm"))))

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
            label = ctx.t(f"form.button.{verb}") if verb in _VERB_LABELS else None
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
