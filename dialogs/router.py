"""Which conversation a turn belongs to: the active form, a button, the text's intent, the menu.

What a text means comes from `dialogs.understand` (lemmas, a model built from the labelled
corpus, cues). Sure: the intent runs. Unsure: the two or three likeliest are offered as
buttons. In a form, text that is clearly something else (a command, a confident request, a
question about the field) is answered or held, never stored as the answer.

`Router.route` is a pure step: (stored conversation, turn, context) → replies, effects and the
new conversation state. It never touches storage or a network; the caller saves the state and
applies the effects in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogs import answers
from dialogs.context import DialogContext
from dialogs.effects import SetLocale
from dialogs.forms import Form, FormRunner
from dialogs.keywords import control_word
from dialogs.pii_check import AWAITING, check_text, split_request
from dialogs.state import ConversationData
from dialogs.text import MAX_TEXT_LENGTH, clean, normalize
from dialogs.turn import Turn
from dialogs.ui import Button, Choices, Step, Text
from dialogs.understand import NONE, Understanding, interrupting_intents, understand
from dialogs.understand.analyser import analyse

Run = Callable[[ConversationData, DialogContext, str | None], Step]

# Buttons of 「回答として保存しますか？」; the held text waits in the conversation state.
KEEP, DROP = "answer:keep", "answer:drop"
HOLDING = "held_answer"
OFFERED = "continue_offered"  # 「…の入力に戻りますか？」 was the last question
# How sure the understanding must be to take a free-text answer as a request instead, and
# how likely a request must look for the bot to ask before storing it.
INTERRUPT = 0.6
HOLD = 0.6
# Longer texts are pasted content (an excerpt, a description), not a question to the bot.
SHORT = 60


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
    # Who may ask for it (None: everyone); for others it is never a guess of what they meant.
    roles: tuple[str, ...] | None = None
    # What it works on may follow the request after a colon or a line break
    # (「このテキストを確認: …」): the request is then understood on its own.
    text_follows: bool = False
    # Taken instead of a typed answer the question refuses, when understood from the text;
    # False: only when named exactly (the menu: 「メニュー」, not a greeting).
    replaces_an_answer: bool = True


class Router:
    def __init__(self, forms: Sequence[Form]) -> None:
        self.runner = FormRunner(forms)
        self.intents: dict[str, Intent] = {i.key: i for i in self._builtin_intents()}
        self._label_cache: tuple[object, dict[str, str]] = (None, {})
        # Buttons of other namespaces (e.g. "report:<id>:ack"), by prefix.
        self.buttons: dict[str, Callable[[ConversationData, DialogContext, str], Step]] = {}

    def add(self, *intents: Intent) -> None:
        """Add the bot's own intents; they come before the built-in ones in the menu."""
        builtin = self.intents
        self.intents = {i.key: i for i in intents}
        self.intents |= {key: i for key, i in builtin.items() if key not in self.intents}

    def route(self, conv: ConversationData, turn: Turn, ctx: DialogContext) -> Step:
        ctx = ctx.with_turn(turn.message_ref, turn.mentions)
        if turn.attachments and not turn.action:
            return self._with_attachments(conv, turn, ctx)
        return self._route(conv, turn, ctx)

    def _with_attachments(self, conv: ConversationData, turn: Turn, ctx: DialogContext) -> Step:
        """Files are never read: alone, the person is asked for the relevant part as text
        (the question under way stays); with a comment, the comment is the turn, and a note
        says the file itself was not read."""
        if not clean(turn.text or ""):
            step = Step().say(Text(ctx.t("fallback.attachment_only")))
            if conv.awaiting == AWAITING:  # the text check still waits for the pasted text
                return step
            return self._repeat_question(conv, ctx, step)
        step = self._route(conv, turn, ctx)
        step.replies.insert(0, Text(ctx.t("fallback.attachment_not_read")))
        return step

    def _route(self, conv: ConversationData, turn: Turn, ctx: DialogContext) -> Step:
        if turn.action in (KEEP, DROP):
            return self._on_held(conv, ctx, keep=turn.action == KEEP)
        if turn.action:
            conv.awaiting, conv.held = None, None
            return self._on_button(conv, turn, ctx)
        text = clean(turn.text or "")
        if not text and conv.active in self.runner.forms and conv.awaiting is None:
            # Only spaces (or a mention the platform removed) in the middle of a form: the
            # same question again, not the menu.
            return self.runner.ask_again(conv, ctx, Text(ctx.t("form.error.empty")))
        if not text:
            return self.menu(conv, ctx, Step().say(Text(ctx.t("fallback.empty"))))
        if len(text) > MAX_TEXT_LENGTH:
            too_long = Text(ctx.t("fallback.too_long", max=MAX_TEXT_LENGTH))
            if conv.active in self.runner.forms and conv.awaiting is None:
                return self.runner.ask_again(conv, ctx, too_long)  # the question, at once
            return self._repeat_question(conv, ctx, Step().say(too_long))
        if conv.awaiting == AWAITING:
            conv.awaiting = None
            if control_word(text) == "cancel":
                return self._then_continue(conv, ctx, Step().say(Text(ctx.t("pii.cancelled"))))
            return self._then_continue(conv, ctx, check_text(text, ctx))
        if conv.awaiting == HOLDING and (step := self._on_held_reply(conv, text, ctx)):
            return step
        if conv.awaiting == OFFERED:
            conv.awaiting = None
            word = control_word(text)
            if conv.active in self.runner.forms and word in ("yes", "continue"):
                return self.runner.start(conv, conv.active, ctx)
            if conv.active in self.runner.forms and word in ("no", "later"):
                return self.runner.pause(conv, ctx)
        if conv.active in self.runner.forms:
            return self._on_form_text(conv, text, ctx)
        saved = self.runner.saved_forms(conv)
        if saved and control_word(text) in ("continue", "yes"):
            # 「続ける」「はい」 to 「…の入力が途中です。続けますか？」
            return self.runner.start(conv, saved[0], ctx)
        if not saved and control_word(text) in ("cancel", "back", "skip"):
            # 「やめる」 with nothing under way: say so rather than "not understood".
            return self.menu(conv, ctx, Step().say(Text(ctx.t("fallback.nothing_under_way"))))
        return self._on_free_text(conv, text, ctx)

    def _on_free_text(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step:
        if (first := self._first_intent(text, ctx)) is not None:
            return first.run(conv, ctx, text)
        if (with_text := self._request_with_text(text, ctx)) is not None:
            return with_text.run(conv, ctx, text)
        meant = self.understanding(text, ctx)
        if meant.intent in self.intents:
            return self.intents[meant.intent].run(conv, ctx, text)
        if (recognised := self._recognised(text, ctx)) is not None:
            return recognised.run(conv, ctx, text)
        if meant.intent is None and meant.candidates:
            return Step().say(self.which_did_you_mean(meant, ctx))
        return self.menu(conv, ctx, Step().say(answers.not_understood(ctx, meant.topic)))

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
            if intent is not None and self._may_ask(intent, ctx):
                return intent.run(conv, ctx, None)
        step = Step().say(Text(ctx.t("fallback.unknown_button")))
        return self._repeat_question(conv, ctx, step)

    def _on_form_text(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step:
        """Text while a form is active: the answer, unless it is clearly something else.

        A typed command is never an answer. Where any text could be the answer (a name, a
        description), a request recognised with confidence (「報告一覧」, 「やっぱり入力して
        いいか確認したい」) is answered instead, and a question about the field (「これって
        重大？」) is held: the person is asked whether to save it as the answer.
        """
        aside = self._first_intent(text, ctx)
        if aside is None:
            meant = None if control_word(text) is not None else self.understanding(text, ctx)
            if meant is not None and self.runner.expects_free_text(conv):
                aside = self._interruption(text, meant)
                if aside is None and self._maybe_not_an_answer(text, meant):
                    return self._hold(conv, text, ctx)
            if aside is None:
                step = self.runner.on_text(conv, text, ctx)
                if step is not None:
                    return step
                if meant is not None:
                    aside = self._instead_of_answer(meant) or self._recognised(text, ctx)
                if aside is None:
                    return self.runner.reask(conv, text, ctx)
        # A question in the middle of a form: answer it, keep the form, offer to go on —
        # unless the aside resumed that same form, or started another one.
        active = conv.active
        step = aside.run(conv, ctx, text)
        if conv.active == active and aside.key != active:
            return self._then_continue(conv, ctx, step)
        return step

    def _instead_of_answer(self, meant: Understanding) -> Intent | None:
        """What a text that is no answer to the question asks for instead — unless its
        intent is only understood loosely and never replaces an answer (a greeting,
        「よろしく」, is asked again rather than taken as a wish for the menu)."""
        intent = self.intents.get(meant.intent or "")
        if intent is None or not (intent.replaces_an_answer or meant.exact):
            return None
        return intent

    def _interruption(self, text: str, meant: Understanding) -> Intent | None:
        """The request a free-text answer clearly is instead: exactly named (「報告一覧」), or
        a sentence recognised with confidence as one of the intents that may interrupt — a
        bare noun phrase (「議事録AI」) stays an answer."""
        intent = self.intents.get(meant.intent or "")
        if intent is None:
            return None
        if meant.exact:
            return intent
        confident = meant.intent in interrupting_intents() and meant.confidence >= INTERRUPT
        return intent if confident and analyse(text).is_request else None

    @staticmethod
    def _maybe_not_an_answer(text: str, meant: Understanding) -> bool:
        """A question (「これって重大？」), or text that looks more like a request than an
        answer: asked about before it is stored."""
        if len(text) > SHORT:
            return False
        if analyse(text).is_question:
            return True
        likely = meant.candidates[:1] if meant.intent is None else (meant.intent,)
        request = bool(set(likely) & interrupting_intents()) and meant.confidence >= HOLD
        return request and analyse(text).is_request

    def _hold(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step:
        """Ask before storing. What is held is the answer as the field would store it (so a
        masked field holds the masked text), never more than the answer itself."""
        assert conv.active is not None
        progress = conv.forms[conv.active]
        field = self.runner.forms[conv.active].field(progress.current or "")
        parsed = field.kind.parse(text, ctx)
        if not parsed.ok or parsed.value is None:
            return self.runner.reask(conv, text, ctx)
        conv.awaiting = HOLDING
        conv.held = parsed.value
        return Step().say(
            Choices(
                ctx.t("understand.hold", text=parsed.value),
                (
                    Button(KEEP, ctx.t("understand.button.keep"), "primary"),
                    Button(DROP, ctx.t("understand.button.drop")),
                ),
            )
        )

    def _on_held_reply(self, conv: ConversationData, text: str, ctx: DialogContext) -> Step | None:
        word = control_word(text)
        if word in ("yes", "submit"):
            return self._on_held(conv, ctx, keep=True)
        if word in ("no", "back"):
            return self._on_held(conv, ctx, keep=False)
        conv.awaiting, conv.held = None, None  # something new: the held text is dropped
        return None

    def _on_held(self, conv: ConversationData, ctx: DialogContext, *, keep: bool) -> Step:
        held = conv.held if conv.awaiting == HOLDING else None
        conv.awaiting, conv.held = None, None
        if conv.active not in self.runner.forms or held is None:
            return self._repeat_question(conv, ctx, Step().say(Text(ctx.t("form.stale_button"))))
        if keep:
            step = self.runner.on_text(conv, held, ctx)
            if step is not None:
                return step
            return self.runner.reask(conv, held, ctx)
        return self.runner.start(conv, conv.active, ctx)

    def _then_continue(self, conv: ConversationData, ctx: DialogContext, step: Step) -> Step:
        """After an answer given in the middle of a form, offer to go back to it; a typed
        「はい」 to that offer then resumes the form rather than answering its question."""
        if conv.active in self.runner.forms and conv.awaiting is None:
            conv.next_seq()
            conv.awaiting = OFFERED
            # The aside may have been 「English」: the offer is then in the new language.
            switched = [e.locale for e in step.effects if isinstance(e, SetLocale)]
            if switched:
                ctx = ctx.with_locale(switched[-1])
            step.close(self.runner.offer_continue(conv, ctx))
        return step

    # --- what a text means ----------------------------------------------------------------

    def _may_ask(self, intent: Intent, ctx: DialogContext) -> bool:
        return intent.roles is None or ctx.person.role in intent.roles

    def understanding(self, text: str, ctx: DialogContext) -> Understanding:
        """What the text means among the intents this person can ask for."""
        allowed = {k for k, i in self.intents.items() if self._may_ask(i, ctx)}
        return understand(
            text, ctx.systems, allowed=allowed, phrases=self._labels(ctx), named=set(self.intents)
        )

    def _labels(self, ctx: DialogContext) -> dict[str, str]:
        """The menu's own labels, typed as text, in every language (「入力してよいか確認」);
        worked out once per set of catalogues."""
        key = (id(ctx.catalogs), tuple(self.intents))
        if self._label_cache[0] != key:
            labels: dict[str, str] = {}
            for locale in ("ja", "en"):
                catalog = ctx.catalogs.for_locale(locale)
                for intent in self.intents:
                    if catalog.has(f"menu.item.{intent}"):
                        labels[normalize(catalog.t(f"menu.item.{intent}"))] = intent
            self._label_cache = (key, labels)
        return self._label_cache[1]

    def _request_with_text(self, text: str, ctx: DialogContext) -> Intent | None:
        """「このテキストを確認: 山田様 090-…」: what follows the colon would drown the request
        when the whole is understood, so the part before it is understood alone."""
        request, pasted = split_request(text)
        if not (request and pasted):
            return None
        intent = self.intents.get(self.understanding(request, ctx).intent or "")
        return intent if intent is not None and intent.text_follows else None

    def _first_intent(self, text: str, ctx: DialogContext) -> Intent | None:
        first = [i for i in self.intents.values() if i.first and i.recognise]
        return next((i for i in first if i.recognise and i.recognise(text, ctx)), None)

    def _recognised(self, text: str, ctx: DialogContext) -> Intent | None:
        others = [i for i in self.intents.values() if not i.first and i.recognise]
        found = (i for i in others if i.recognise and i.recognise(text, ctx))
        return next((i for i in found if self._may_ask(i, ctx)), None)

    def which_did_you_mean(self, meant: Understanding, ctx: DialogContext) -> Choices:
        """Unsure: the two or three likeliest meanings as buttons, never a guess."""
        buttons = [
            Button(f"menu:{key}", ctx.t(f"menu.item.{key}"))
            for key in meant.candidates
            if key in self.intents and key != NONE
        ]
        buttons.append(Button("menu:menu", ctx.t("understand.none_of_these")))
        return Choices(ctx.t("understand.which"), tuple(buttons))

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
            Intent(
                "menu",
                lambda conv, ctx, _: self.menu(conv, ctx),
                in_menu=False,
                replaces_an_answer=False,
            ),
            Intent("help", help_),
            Intent("contacts", lambda conv, ctx, _: Step().say(answers.contacts(ctx))),
            Intent("language_en", lambda conv, ctx, _: answers.switch_language("en", ctx)),
            Intent("language_ja", lambda conv, ctx, _: answers.switch_language("ja", ctx)),
        ]
