"""Which conversation a turn belongs to: the active form, a button, the text's intent, the menu.

`Router.route` is a pure step: (stored conversation, turn, context) → replies, effects and the
new conversation state. It never touches storage or a network; the caller saves the state and
applies the effects in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogs import answers
from dialogs.context import DialogContext
from dialogs.forms import Form, FormRunner
from dialogs.keywords import control_word, intent_keywords, intent_word
from dialogs.pii_check import AWAITING, check_text
from dialogs.state import ConversationData
from dialogs.text import MAX_TEXT_LENGTH, clean, normalize
from dialogs.turn import Turn
from dialogs.ui import Step, Text

Run = Callable[[ConversationData, DialogContext, str | None], Step]


@dataclass(frozen=True)
class Intent:
    """Something the bot can do when asked: a form to start or an answer to give.

    `run` gets the text that asked for it (None for a button), so a form can start with what
    the sentence already says. `recognise` spots requests no keyword names (e.g. a question
    that mentions a registered system).
    """

    key: str
    run: Run
    in_menu: bool = True
    recognise: Callable[[str, DialogContext], bool] | None = None
    # Recognised before any keyword: a typed command 「system set … 報告 …」 is never read as
    # the question its words might also make.
    first: bool = False


class Router:
    def __init__(self, forms: Sequence[Form]) -> None:
        self.runner = FormRunner(forms)
        self.intents: dict[str, Intent] = {i.key: i for i in self._builtin_intents()}
        # Buttons of other namespaces (e.g. "report:<id>:ack"), by prefix.
        self.buttons: dict[str, Callable[[ConversationData, DialogContext, str], Step]] = {}

    def add(self, *intents: Intent) -> None:
        """Add the bot's own intents; they come before the built-in ones in the menu."""
        builtin = self.intents
        self.intents = {i.key: i for i in intents}
        self.intents |= {key: i for key, i in builtin.items() if key not in self.intents}

    def route(self, conv: ConversationData, turn: Turn, ctx: DialogContext) -> Step:
        ctx = ctx.with_turn(turn.message_ref, turn.mentions)
        if turn.action:
            conv.awaiting = None
            return self._on_button(conv, turn, ctx)
        text = clean(turn.text or "")
        if not text:
            return self.menu(conv, ctx, Step().say(Text(ctx.t("fallback.empty"))))
        if len(text) > MAX_TEXT_LENGTH:
            step = Step().say(Text(ctx.t("fallback.too_long", max=MAX_TEXT_LENGTH)))
            return self._repeat_question(conv, ctx, step)
        if conv.awaiting == AWAITING:
            conv.awaiting = None
            if control_word(text) == "cancel":
                return self._then_continue(conv, ctx, Step().say(Text(ctx.t("pii.cancelled"))))
            return self._then_continue(conv, ctx, check_text(text, ctx))
        if conv.active in self.runner.forms:
            return self._on_form_text(conv, text, ctx)
        if (intent := self._intent_of(text, ctx)) is not None:
            return intent.run(conv, ctx, text)
        return self.menu(conv, ctx, Step().say(answers.not_understood(ctx)))

    # --- the parts ------------------------------------------------------------------------

    def _on_button(self, conv: ConversationData, turn: Turn, ctx: DialogContext) -> Step:
        action = turn.action or ""
        if action.startswith("f:") and conv.active not in self.runner.forms:
            return self.menu(conv, ctx, Step().say(Text(ctx.t("fallback.unknown_button"))))
        if action.startswith("f:"):
            if action.endswith(":values"):
                seq = action.split(":")[1]
                if seq == str(conv.seq):
                    return self.runner.on_values(conv, turn.values, ctx)
            return self.runner.on_button(conv, action, ctx)
        prefix = action.split(":", 1)[0]
        if prefix in self.buttons:
            return self.buttons[prefix](conv, ctx, action)
        if action.startswith("menu:resume:"):
            key = action.removeprefix("menu:resume:")
            if key in conv.forms and key in self.runner.forms:
                return self.runner.start(conv, key, ctx)
        elif action.startswith("menu:"):
            intent = self.intents.get(action.removeprefix("menu:"))
            if intent is not None:
                return intent.run(conv, ctx, None)
        step = Step().say(Text(ctx.t("fallback.unknown_button")))
        return self._repeat_question(conv, ctx, step)

    def _on_form_text(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step:
        aside = self._aside_intent(conv, text, ctx)
        if aside is None:
            step = self.runner.on_text(conv, text, ctx)
            if step is not None:
                return step
            aside = self._intent_of(text, ctx)
            if aside is None:
                return self.runner.reask(conv, text, ctx)
        # A question in the middle of a form: answer it, keep the form, offer to go on —
        # unless the aside resumed that same form, or started another one.
        active = conv.active
        step = aside.run(conv, ctx, text)
        if conv.active == active and aside.key != active:
            return self._then_continue(conv, ctx, step)
        return step

    def _then_continue(self, conv: ConversationData, ctx: DialogContext, step: Step) -> Step:
        """After an answer given in the middle of a form, offer to go back to it."""
        if conv.active in self.runner.forms and conv.awaiting is None:
            conv.next_seq()
            step.say(self.runner.offer_continue(conv, ctx))
        return step

    def _aside_intent(self, conv: ConversationData, text: str, ctx: DialogContext) -> Intent | None:
        """Typed text that is clearly not an answer, even where any text could be one.

        In a free-text field a message is taken as a question to the bot only when it is
        exactly a keyword (「ヘルプ」) or a question naming one (「問い合わせ先は？」).
        """
        if control_word(text) is not None:
            return None
        intent = self._intent_of(text, ctx)
        if intent is None or not self.runner.expects_free_text(conv):
            return None  # otherwise the runner tries the answer first, then the intent
        exact = normalize(text) in intent_keywords(intent.key)
        is_question = text.rstrip().endswith(("?", "？"))
        return intent if exact or is_question else None

    def _intent_of(self, text: str, ctx: DialogContext) -> Intent | None:
        def recognised(intents: list[Intent]) -> Intent | None:
            return next((i for i in intents if i.recognise and i.recognise(text, ctx)), None)

        ordered = list(self.intents.values())
        if (first := recognised([i for i in ordered if i.first])) is not None:
            return first
        key = intent_word(text)
        if key in self.intents:
            return self.intents[key]
        return recognised([i for i in ordered if not i.first])

    def _repeat_question(self, conv: ConversationData, ctx: DialogContext, step: Step) -> Step:
        if conv.active in self.runner.forms:
            conv.next_seq()
            return step.say(self.runner.offer_continue(conv, ctx))
        return self.menu(conv, ctx, step)

    # --- built-in answers -----------------------------------------------------------------

    def menu(self, conv: ConversationData, ctx: DialogContext, step: Step | None = None) -> Step:
        step = step or Step()
        items = [key for key, intent in self.intents.items() if intent.in_menu]
        items = [k for k in items if k != f"language_{ctx.locale}"]
        resumable = [(k, self.runner.title(k, ctx)) for k in self.runner.saved_forms(conv)]
        return step.say(answers.menu(ctx, items, resumable))

    def _builtin_intents(self) -> list[Intent]:
        def help_(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
            return self.menu(conv, ctx, Step().say(answers.how_to_use(ctx)))

        return [
            Intent("menu", lambda conv, ctx, _: self.menu(conv, ctx), in_menu=False),
            Intent("help", help_),
            Intent("contacts", lambda conv, ctx, _: Step().say(answers.contacts(ctx))),
            Intent("language_en", lambda conv, ctx, _: answers.switch_language("en", ctx)),
            Intent("language_ja", lambda conv, ctx, _: answers.switch_language("ja", ctx)),
        ]
