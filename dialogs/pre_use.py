"""Before first use (§3(1)1): the training and the pre-use confirmations, tied to the
guideline version (§5); and 「私の状況」.

`PreUseState` is everything the bot knows of one person's pre-use record; `readiness` turns it
into what the entry decision needs. Both are pure: the bot builds the state from storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dialogs.context import JST, DialogContext, Readiness
from dialogs.effects import SaveConfirmation
from dialogs.fields import DateKind, MultiChoiceKind
from dialogs.forms import Answers, Field, Form
from dialogs.ui import Button, Fact, FactCard, Option, Step, Text

KEY = "pre_use"
# §3(1)1's four confirmations after the training, and the national notice on services such
# as DeepSeek (servers abroad, foreign law).
ITEMS = ("benefits_risks", "owner_explanations", "handover", "no_personal_device", "deepseek")


@dataclass(frozen=True, slots=True)
class PreUseState:
    training_source: str  # self_declared | roster
    roster_completed_on: date | None  # from the policy division's roster
    declared_completed_on: date | None  # given by the person with their confirmations
    confirmed_seq: int | None  # the guideline version (seq) last confirmed
    confirmed_version: str | None
    confirmed_at: datetime | None
    current_seq: int
    current_version: str
    last_major_seq: int  # confirmations older than this major version are stale
    renewal_days: int
    # The newest published version, perhaps not yet in force: a confirmation given after its
    # notice counts for it, so nobody confirms twice around an effective date.
    latest_seq: int = 0
    latest_version: str = ""
    published: tuple[str, ...] = ()  # every version number published so far
    # §5: the newest major version published with a 施行日 still to come. It is announced at
    # once and confirmations of it count from publication; the confirmation of the version in
    # force stays valid until that day, when it becomes the version in force.
    upcoming_seq: int | None = None
    upcoming_version: str = ""
    upcoming_on: date | None = None

    @property
    def training_completed_on(self) -> date | None:
        if self.training_source == "roster":
            return self.roster_completed_on
        return self.roster_completed_on or self.declared_completed_on

    @property
    def renewal_due_on(self) -> date | None:
        if self.confirmed_at is None:
            return None
        confirmed = self.confirmed_at
        if confirmed.tzinfo is None:  # SQLite gives naive UTC back
            confirmed = confirmed.replace(tzinfo=UTC)
        # The day the person confirmed, in Japan, a year on.
        return confirmed.astimezone(JST).date() + timedelta(days=self.renewal_days)

    def confirmed(self, today: date) -> bool:
        if self.confirmed_seq is None or self.confirmed_seq < self.last_major_seq:
            return False
        due = self.renewal_due_on
        return due is not None and today < due

    def needs_upcoming(self) -> bool:
        """A coming major version this person has not confirmed yet (due by its 施行日)."""
        if self.upcoming_seq is None:
            return False
        return self.confirmed_seq is None or self.confirmed_seq < self.upcoming_seq


def upcoming_text(state: PreUseState, ctx: DialogContext) -> str | None:
    """The one sentence every place says about a coming version not yet confirmed: status,
    notice, reminder, summary and entry check ("Ver2.0 が 12/15 から適用されます…")."""
    if not state.needs_upcoming() or state.upcoming_on is None:
        return None
    return ctx.t("pre_use.upcoming", version=state.upcoming_version, on=day_text(state.upcoming_on))


def day_text(day: date) -> str:
    return f"{day.month}/{day.day}"


def readiness(state: PreUseState, today: date) -> Readiness:
    upcoming = state.needs_upcoming()
    return Readiness(
        trained=state.training_completed_on is not None,
        confirmed=state.confirmed(today),
        upcoming_version=state.upcoming_version if upcoming else "",
        upcoming_on=state.upcoming_on if upcoming else None,
    )


# --- the confirmation form ----------------------------------------------------------------


def _confirm(ctx: DialogContext) -> list[Option]:
    return [Option("confirmed", ctx.t("forms.pre_use.confirm"))]


def _declares_training(answers: Answers, ctx: DialogContext) -> bool:
    return ctx.municipality.training_source == "self_declared"


def _known_training_date(ctx: DialogContext) -> str | None:
    state: PreUseState | None = ctx.person.pre_use
    day = state.training_completed_on if state else None
    return day.isoformat() if day else None


def _save(answers: dict[str, str], ctx: DialogContext) -> Step:
    state: PreUseState | None = ctx.person.pre_use
    training = answers.get("training")
    effect = SaveConfirmation(
        training_completed_on=date.fromisoformat(training) if training else None,
        items=tuple(item for item in ITEMS if answers.get(item) == "confirmed"),
        guideline_seq=max(state.current_seq, state.latest_seq) if state else 1,
    )
    version = (state.latest_version or state.current_version) if state else ""
    version = version or ctx.municipality.guideline_version
    return Step().say(Text(ctx.t("forms.pre_use.saved", version=version))).do(effect)


PRE_USE_FORM = Form(
    key=KEY,
    fields=(
        Field(
            "training",
            DateKind(),
            condition=_declares_training,
            default=_known_training_date,
        ),
        # A box to tick each: checkboxes on a card, one press each in a chat.
        *(Field(item, MultiChoiceKind(_confirm)) for item in ITEMS),
    ),
    on_submit=_save,
)


def start(ctx: DialogContext) -> Step | None:
    """Why the confirmation cannot start (not on the roster), or None when it can."""
    state: PreUseState | None = ctx.person.pre_use
    if ctx.municipality.training_source == "roster" and (
        state is None or state.roster_completed_on is None
    ):
        policy = ctx.municipality.policy_division
        contact = policy.phone or policy.email
        return Step().say(
            Text(
                ctx.t(
                    "pre_use.not_on_roster",
                    training=ctx.municipality.training_name,
                    policy=policy.name,
                    contact=contact,
                )
            )
        )
    return None


# --- 「私の状況」 --------------------------------------------------------------------------


def status_card(ctx: DialogContext) -> FactCard:
    state: PreUseState | None = ctx.person.pre_use
    today = ctx.now.date()
    town = ctx.municipality
    if state is None:
        return FactCard(
            title=ctx.t("pre_use.status.title"), lines=(ctx.t("pre_use.status.unknown"),)
        )
    done = state.confirmed(today)
    training = state.training_completed_on
    facts = [
        Fact(ctx.t("pre_use.status.version"), state.current_version),
        Fact(
            ctx.t("pre_use.status.training", training=town.training_name),
            training.isoformat() if training else ctx.t("pre_use.status.missing"),
        ),
        Fact(
            ctx.t("pre_use.status.confirmations"),
            ctx.t("pre_use.status.confirmed_for", version=state.confirmed_version)
            if done
            else ctx.t("pre_use.status.missing"),
        ),
    ]
    if state.upcoming_on is not None:
        facts.insert(
            1,
            Fact(
                ctx.t("pre_use.status.next_version"),
                ctx.t(
                    "pre_use.status.next_version_on",
                    version=state.upcoming_version,
                    on=day_text(state.upcoming_on),
                ),
            ),
        )
    lines: list[str] = []
    if done and state.renewal_due_on:
        facts.append(Fact(ctx.t("pre_use.status.renewal"), state.renewal_due_on.isoformat()))
    elif state.confirmed_seq is not None and state.confirmed_seq < state.last_major_seq:
        lines.append(ctx.t("pre_use.status.new_version", version=state.current_version))
    elif state.confirmed_seq is not None:
        lines.append(ctx.t("pre_use.status.expired"))
    ready = done and training is not None
    lines = lines or [ctx.t("pre_use.status.ready" if ready else "pre_use.status.todo")]
    upcoming = upcoming_text(state, ctx)
    if upcoming is not None:
        lines.append(upcoming)
    start = (Button(f"menu:{KEY}", ctx.t("pre_use.button.start"), "primary"),)
    return FactCard(
        title=ctx.t("pre_use.status.title"),
        facts=tuple(facts),
        lines=tuple(lines),
        tone="ok" if ready and upcoming is None else "warn",
        buttons=() if ready and upcoming is None else start,
    )


def reminder_card(kind: str, ctx: DialogContext, state: PreUseState | None = None) -> FactCard:
    """A reminder: the confirmations are still missing, their yearly renewal is due, or a
    coming version is to be confirmed before its 施行日 (kind "upcoming")."""
    titles = {
        "renewal": "notice.renewal_title",
        "upcoming": "notice.upcoming_title",
    }
    lines = []
    if kind != "upcoming":
        lines.append(ctx.t("notice.renewal" if kind == "renewal" else "notice.pending"))
    upcoming = upcoming_text(state, ctx) if state is not None else None
    if upcoming is not None:
        lines.append(upcoming)
    version = state.upcoming_version if state is not None else ""
    return FactCard(
        title=ctx.t(titles.get(kind, "notice.pending_title"), version=version),
        lines=tuple(lines),
        tone="warn",
        buttons=(Button(f"menu:{KEY}", ctx.t("pre_use.button.start"), "primary"),),
    )
