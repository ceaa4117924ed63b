"""Kinds of form field: how an answer is understood, offered as buttons and shown back."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from dialogs.answers import match_option
from dialogs.context import DialogContext
from dialogs.keywords import control_word
from dialogs.text import clean, normalize
from dialogs.ui import MULTI_SEPARATOR, Option, join_values
from dialogs.understand.analyser import analyse
from storage.models import max_length_of

Widget = Literal["text", "longtext", "choice", "multichoice", "date"]


def stored_length(model: type[Any], column: str) -> int:
    """The length of a storage model's string column: the one source of truth for how long
    an answer stored there may be (a form that accepted more would fail at 送信)."""
    return max_length_of(model, column)


@dataclass(frozen=True)
class Parsed:
    """An understood answer (value) or why it was not understood (a catalogue key)."""

    value: str | None = None
    error: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    # Told to the person when the answer is kept (e.g. what was masked in it).
    note: str | None = None
    # Answers to other fields the same text settles (an unlisted system's name).
    also: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class FieldKind(Protocol):
    widget: Widget

    @property
    def free_text(self) -> bool: ...

    def parse(self, text: str, ctx: DialogContext) -> Parsed: ...

    def options(self, ctx: DialogContext) -> Sequence[Option]: ...

    def display(self, value: str, ctx: DialogContext) -> str: ...


Validator = Callable[[str], str | None]


@dataclass(frozen=True)
class TextKind:
    """Free text; `max_length` should come from `stored_length` when a column stores it."""

    max_length: int = 200
    multiline: bool = False
    validator: Validator | None = None
    # For codes, numbers and addresses: 「内線１２３４」 is kept as 「内線1234」.
    fold_width: bool = False

    @property
    def widget(self) -> Widget:
        return "longtext" if self.multiline else "text"

    @property
    def free_text(self) -> bool:
        return True

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        value = clean(text)
        if self.fold_width:
            value = unicodedata.normalize("NFKC", value)
        if not value:
            return Parsed(error="form.error.empty")
        if len(value) > self.max_length:
            return Parsed(error="form.error.too_long", params={"max": self.max_length})
        if self.validator is not None and (error := self.validator(value)) is not None:
            return Parsed(error=error)
        return Parsed(value=value)

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        return ()

    def display(self, value: str, ctx: DialogContext) -> str:
        return value


@dataclass(frozen=True)
class ChoiceKind:
    """One of a list: pressed as a button, or typed as its label, its value or its number."""

    choices: Callable[[DialogContext], Sequence[Option]]
    widget: Widget = "choice"
    # What a text that is none of the options may still mean (a system not in the list,
    # named: the option 「その他」 with its name), or None.
    unlisted: Callable[[str, DialogContext], Parsed | None] | None = None

    @property
    def free_text(self) -> bool:
        return False

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        options = self.choices(ctx)
        if (option := match_option(text, options, ctx)) is not None:
            return Parsed(value=option.value)
        if self.unlisted is not None and (meant := self.unlisted(text, ctx)) is not None:
            return meant
        labels = "、".join(o.label for o in options)
        return Parsed(error="form.error.choice", params={"choices": labels})

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        return self.choices(ctx)

    def display(self, value: str, ctx: DialogContext) -> str:
        for option in self.choices(ctx):
            if option.value == value:
                return option.label
        return value


_SEPARATORS = re.compile(r"[,、，;；\s]+")


@dataclass(frozen=True)
class MultiChoiceKind:
    """Any number of a list (checkboxes on a card): ticked, or typed as labels or numbers
    separated by 「、」 or commas. With one option it is a single box to tick (「確認しました」)."""

    choices: Callable[[DialogContext], Sequence[Option]]
    widget: Widget = "multichoice"

    @property
    def free_text(self) -> bool:
        return False

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        options = self.choices(ctx)
        whole = normalize(text)
        # The whole answer first (a label may itself hold a separator; 「はい」 ticks a single
        # box), with the same tolerant rule as every other choice; then each part of a list.
        for option in options:
            if whole in (normalize(option.label), normalize(option.value)):
                return Parsed(value=option.value)
        if len(options) == 1 and (option := match_option(text, options, ctx)) is not None:
            return Parsed(value=option.value)
        chosen: list[str] = []
        for part in (p for p in _SEPARATORS.split(whole) if p):
            match = match_option(part, options, ctx)
            if match is None:
                labels = "、".join(o.label for o in options)
                return Parsed(error="form.error.choice", params={"choices": labels})
            if match.value not in chosen:
                chosen.append(match.value)
        if not chosen:
            return Parsed(error="form.error.empty")
        order = [o.value for o in options]
        return Parsed(value=join_values(sorted(chosen, key=order.index)))

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        return self.choices(ctx)

    def display(self, value: str, ctx: DialogContext) -> str:
        labels = {o.value: o.label for o in self.choices(ctx)}
        return "、".join(labels.get(v, v) for v in value.split(MULTI_SEPARATOR) if v)


def catalog_choices(prefix: str, values: Sequence[str]) -> ChoiceKind:
    """Choices whose labels are catalogue entries `prefix.value`."""
    return ChoiceKind(lambda ctx: [Option(v, ctx.t(f"{prefix}.{v}")) for v in values])


@dataclass(frozen=True)
class YesNoKind:
    widget: Widget = "choice"

    @property
    def free_text(self) -> bool:
        return False

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        word = control_word(text)
        if word in ("yes", "no"):
            return Parsed(value=word)
        return Parsed(error="form.error.yes_no")

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        return (Option("yes", ctx.t("common.yes")), Option("no", ctx.t("common.no")))

    def display(self, value: str, ctx: DialogContext) -> str:
        return ctx.t("common.yes") if value == "yes" else ctx.t("common.no")


_ISO = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # 20240401, as a file name writes it
_MONTH_DAY = re.compile(r"^(\d{1,2})[/月](\d{1,2})日?$")
# 令和6年4月1日, R6.4.1, R6/4/1, 平成31年4月1日, H31.4.1: how a municipal document writes dates.
_ERA = re.compile(r"^(令和|r|平成|h)(\d{1,2}|元)[年./-](\d{1,2})[月./-](\d{1,2})日?$")
_ERA_START = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988}
# What may follow a date without changing it: its weekday 「(月)」, 「ごろ」.
_WEEKDAY_NOTE = re.compile(r"[(（][^)）]{1,4}[)）]$")
_ABOUT = re.compile(r"(ごろ|頃|ころ|くらい|ぐらい)$")
# 「昨日の午後3時」「12/3 15:30」「R8.12.3 午前10時」「今日の朝」: the time of day, which a date
# does not keep (the person describes it in their own words where it matters).
_TIME_OF_DAY = re.compile(
    r"(?:\s|t|at|の)*(?:(?:午前|午後|am|pm)?\s*\d{1,2}(?::\d{2}|時(?:\d{1,2}分|半)?)\s*(?:am|pm)?"
    r"|\d{1,2}\s*(?:am|pm)|朝|昼|夕方|夜|深夜|未明|明け方|午前中?|午後)$"
)
_DAYS_AGO = re.compile(r"^(\d{1,3})(?:日前|daysago)$")
_WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# 「先週金曜」「金曜日」「last friday」 (English weekdays are first written as 「金曜」).
_WEEKDAY = re.compile(r"^(先週|今週|last|this)?([月火水木金土日])曜日?$")
_RELATIVE = {"今日": 0, "きょう": 0, "本日": 0, "today": 0, "昨日": 1, "きのう": 1}
_RELATIVE |= {"yesterday": 1, "一昨日": 2, "おととい": 2}


# A date inside a sentence (「10月1日に受講しました」「昨日気づいた」): each form above, unanchored.
_DATE_IN_SENTENCE = re.compile(
    r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|(?:令和|平成|r|h)(?:\d{1,2}|元)[年./-]\d{1,2}[月./-]\d{1,2}日?"
    r"|\d{1,2}[/月]\d{1,2}日?|\d{1,3}日前|(?:先週|今週)?[月火水木金土日]曜日?"
    r"|一昨日|おととい|今日|きょう|本日|昨日|きのう"
)


def _one_date_in(sentence: str, text: str) -> str | None:
    """The one date a sentence holds, or None (none, two 「4月1日か4月2日」, or not happened)."""
    found = set(_DATE_IN_SENTENCE.findall(sentence))
    if len(found) != 1:
        return None
    # 「10月1日に受講予定」「まだ受けていません」: no day it happened on.
    return None if analyse(text).not_happened else found.pop()


@dataclass(frozen=True)
class DateKind:
    """A calendar date: 2026-11-28, 2026/11/28, 20261128, 11月28日, 令和8年11月28日, R8.11.28,
    今日, 昨日, 3日前, 先週金曜. A day and month without a year that is still to come this year
    is last year's, when no future date is wanted (「12月20日」 said in January)."""

    allow_future: bool = False
    widget: Widget = "date"

    @property
    def free_text(self) -> bool:
        return False

    def parse(self, text: str, ctx: DialogContext) -> Parsed:
        today = ctx.now.date()
        wanted = _TIME_OF_DAY.sub("", _ABOUT.sub("", normalize(text)).strip())
        wanted = _ABOUT.sub("", _WEEKDAY_NOTE.sub("", wanted.replace(" ", "")))
        try:
            day = self._understand(wanted, today)
            in_sentence = day is None and (said := _one_date_in(wanted, text)) is not None
            if in_sentence:
                day = self._understand(said, today)
        except ValueError:
            day = None
        if day is None:
            return Parsed(error="form.error.date")
        if not self.allow_future and day > today and _MONTH_DAY.match(wanted) and not in_sentence:
            try:
                day = day.replace(year=day.year - 1)
            except ValueError:  # 2月29日 of a leap year
                return Parsed(error="form.error.date")
        if not self.allow_future and day > today:
            return Parsed(error="form.error.future_date", params={"today": today.isoformat()})
        return Parsed(value=day.isoformat())

    @staticmethod
    def _understand(wanted: str, today: date) -> date | None:
        if wanted in _RELATIVE:
            return today - timedelta(days=_RELATIVE[wanted])
        if m := _DAYS_AGO.match(wanted):
            return today - timedelta(days=int(m[1]))
        if m := _ISO.match(wanted) or _COMPACT.match(wanted):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ERA.match(wanted):
            year = 1 if m[2] == "元" else int(m[2])
            return date(_ERA_START[m[1]] + year, int(m[3]), int(m[4]))
        if m := _MONTH_DAY.match(wanted):
            return date(today.year, int(m[1]), int(m[2]))
        return DateKind._weekday(wanted, today)

    @staticmethod
    def _weekday(wanted: str, today: date) -> date | None:
        """「金曜」: the last Friday up to today; 「先週金曜」: the Friday of last week."""
        for english, japanese in zip(_EN_WEEKDAYS, _WEEKDAYS, strict=True):
            wanted = wanted.replace(english, f"{japanese}曜")
        m = _WEEKDAY.match(wanted)
        if m is None:
            return None
        weekday = _WEEKDAYS.index(m[2])
        monday = today - timedelta(days=today.weekday())
        if m[1] == "先週":
            return monday - timedelta(days=7) + timedelta(days=weekday)
        if m[1] in ("今週", "this"):
            return monday + timedelta(days=weekday)
        back = (today.weekday() - weekday) % 7
        if m[1] == "last" and back == 0:
            back = 7
        return today - timedelta(days=back)

    def options(self, ctx: DialogContext) -> Sequence[Option]:
        today = ctx.now.date()
        return (
            Option(today.isoformat(), ctx.t("form.date.today")),
            Option((today - timedelta(days=1)).isoformat(), ctx.t("form.date.yesterday")),
        )

    def display(self, value: str, ctx: DialogContext) -> str:
        return value
