"""Everything the bot can talk about, in menu order: the forms and the intents that start them."""

from __future__ import annotations

from dialogs import admin, answers, designation, entry_check, guideline, pre_use, risk_report
from dialogs import which_ai as which_ai_answer
from dialogs.context import DialogContext
from dialogs.effects import ShowOpenReports, ShowPreUseSummary
from dialogs.entry_check import ENTRY_CHECK_FORM
from dialogs.guideline import PUBLISH_FORM
from dialogs.keywords import mentions
from dialogs.pii_check import ask_for_text
from dialogs.pre_use import PRE_USE_FORM
from dialogs.profile import PROFILE_FORM
from dialogs.registry import mentioned_system
from dialogs.router import Intent, Router, Run
from dialogs.state import ConversationData
from dialogs.system_form import SYSTEM_FORM
from dialogs.ui import Step
from dialogs.understand import warm_up


def _asks_about_a_system(text: str, ctx: DialogContext) -> bool:
    """「Copilotに議事録を入れても？」: a question naming a system, with no keyword for it."""
    names_one = mentioned_system(ctx.systems, text) or mentions(text, "entry", "undesignated")
    return bool(names_one) and text.rstrip().endswith(("?", "？", "か", "の"))


def _names_a_report(text: str, ctx: DialogContext) -> bool:
    return risk_report.number_in(text) is not None


def build_router() -> Router:
    # The dictionary and the intent model load here, at start, not in someone's first turn.
    warm_up()
    router = Router(
        forms=[
            ENTRY_CHECK_FORM,
            risk_report.RISK_REPORT_FORM,
            risk_report.HANDLING_FORM,
            risk_report.RESULT_FORM,
            risk_report.ASK_FORM,
            risk_report.ANSWER_FORM,
            PRE_USE_FORM,
            PROFILE_FORM,
            PUBLISH_FORM,
            SYSTEM_FORM,
            designation.REQUEST_FORM,
            designation.REJECT_FORM,
            designation.ASK_FORM,
            designation.ANSWER_FORM,
        ]
    )
    runner = router.runner

    def check_entry(conv: ConversationData, ctx: DialogContext, text: str | None) -> Step:
        start = entry_check.initial_answers(text, ctx, keep={})
        return runner.start(conv, entry_check.KEY, ctx, initial=start or None)

    def again(keep: tuple[str, ...]) -> Run:
        """Ask again, keeping some answers of the last question (another system / info)."""

        def run(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
            last = conv.last.get(entry_check.KEY, {})
            kept = entry_check.kept_answers(last, keep)
            return runner.start(conv, entry_check.KEY, ctx, initial=kept or None)

        return run

    def profile(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        return runner.start(conv, PROFILE_FORM.key, ctx)

    def confirm_before_use(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        return pre_use.start(ctx) or runner.start(conv, pre_use.KEY, ctx)

    def my_status(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        return Step().say(pre_use.status_card(ctx))

    def training(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        # The training, then where this person stands (§3(1)1).
        return Step().say(answers.training(ctx), pre_use.status_card(ctx))

    def publish(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        if ctx.person.role != "admin":
            return guideline.refusal(ctx, "guideline.publish")
        return runner.start(conv, guideline.KEY, ctx)

    def summary(conv: ConversationData, ctx: DialogContext, _: str | None) -> Step:
        if ctx.person.role not in ("admin", "caio"):
            return guideline.refusal(ctx, "pre_use.summary")
        return Step().do(ShowPreUseSummary())

    def report(conv: ConversationData, ctx: DialogContext, text: str | None) -> Step:
        return risk_report.start_or_lookup(conv, ctx, text, runner)

    router.buttons["report"] = lambda conv, ctx, action: risk_report.on_button(
        conv, ctx, action, runner
    )
    router.buttons["admin"] = admin.on_button
    router.buttons["request"] = lambda conv, ctx, action: designation.on_button(
        conv, ctx, action, runner
    )
    router.add(
        # Typed commands first: 「system set copilot max_class 1」 is not a question.
        Intent(
            "admin_command",
            lambda conv, ctx, text: admin.run(conv, ctx, text, runner),
            in_menu=False,
            recognise=admin.is_command,
            first=True,
        ),
        # 「報告 RC-2026-0007」: a report number is that report, whatever else is said.
        Intent(risk_report.KEY, report, recognise=_names_a_report, first=True),
        Intent(entry_check.KEY, check_entry, recognise=_asks_about_a_system),
        Intent("which_ai", lambda conv, ctx, text: which_ai_answer.answer(ctx, text)),
        Intent("my_reports", lambda conv, ctx, _: Step().do(ShowOpenReports())),
        Intent(f"{entry_check.KEY}_other_info", again(("system", "asked")), in_menu=False),
        Intent(f"{entry_check.KEY}_other_system", again(entry_check.SAME_INFO), in_menu=False),
        Intent("pii_check", ask_for_text, text_follows=True),
        Intent(designation.KEY, lambda conv, ctx, _: runner.start(conv, designation.KEY, ctx)),
        Intent(pre_use.KEY, confirm_before_use),
        Intent("my_status", my_status),
        Intent("training", training, in_menu=False),
        Intent(PROFILE_FORM.key, profile),
        Intent("thanks", lambda conv, ctx, _: Step().say(answers.thanks(ctx)), in_menu=False),
        Intent(guideline.KEY, publish, in_menu=False, roles=("admin",)),
        Intent("pre_use_summary", summary, in_menu=False, roles=("admin", "caio")),
    )
    return router
