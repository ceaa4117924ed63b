"""Working days and business hours of the municipal office, in Japan time.

Reminders go out only when someone is at the desk to act on them: a working day (not a weekend,
not a national holiday, not a year-end closed day) between the opening and closing times.
Everything is decided in JST, whatever time zone the caller's datetime carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday

from dialogs.context import JST

# A misconfigured `closed_days` could close every day; searching further than a year would only
# hide that mistake, so the search for the next working day stops here.
_SEARCH_LIMIT_DAYS = 366


@dataclass(frozen=True)
class BusinessHours:
    """The office's opening hours (start inclusive, end exclusive) and its yearly closed days."""

    start: time = time(8, 30)
    end: time = time(17, 15)
    # (month, day) pairs closed every year: the year-end holidays 12/29–1/3 (年末年始の休日).
    closed_days: tuple[tuple[int, int], ...] = (
        (12, 29),
        (12, 30),
        (12, 31),
        (1, 1),
        (1, 2),
        (1, 3),
    )

    def __post_init__(self) -> None:
        # Times are wall-clock times in JST; an attached tzinfo would make comparisons ambiguous.
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("BusinessHours start and end must be naive times (read as JST)")
        if not self.start < self.end:
            raise ValueError(f"BusinessHours start {self.start} must be before end {self.end}")


DEFAULT_HOURS = BusinessHours()


def is_working_day(day: date, hours: BusinessHours = DEFAULT_HOURS) -> bool:
    """Not Saturday or Sunday, not a national holiday, not one of the yearly closed days."""
    if day.weekday() >= 5:
        return False
    # jpholiday includes 振替休日 (substitute holidays) and 国民の休日 (sandwiched days).
    if jpholiday.is_holiday(day):
        return False
    return (day.month, day.day) not in hours.closed_days


def is_business_time(moment: datetime, hours: BusinessHours = DEFAULT_HOURS) -> bool:
    """Whether `moment` falls on a working day between start (inclusive) and end (exclusive)."""
    local = _to_jst(moment)
    return is_working_day(local.date(), hours) and hours.start <= local.time() < hours.end


def next_business_time(moment: datetime, hours: BusinessHours = DEFAULT_HOURS) -> datetime:
    """`moment` (in JST) if it is business time, else the start of the next business period."""
    local = _to_jst(moment)
    day = local.date()
    if is_working_day(day, hours):
        if local.time() < hours.start:
            return datetime.combine(day, hours.start, tzinfo=JST)
        if local.time() < hours.end:
            return local
    return datetime.combine(add_working_days(day, 1, hours), hours.start, tzinfo=JST)


def add_working_days(day: date, n: int, hours: BusinessHours = DEFAULT_HOURS) -> date:
    """The n-th working day after `day`; for n=0, `day` itself if working, else the next one."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return day if is_working_day(day, hours) else _next_working_day(day, hours)
    current = day
    for _ in range(n):
        current = _next_working_day(current, hours)
    return current


def working_days_between(start: date, end: date, hours: BusinessHours = DEFAULT_HOURS) -> int:
    """Working days in (start, end]: how many working days have passed from `start` to `end`."""
    count = 0
    current = start + timedelta(days=1)
    while current <= end:
        if is_working_day(current, hours):
            count += 1
        current += timedelta(days=1)
    return count


def format_jst(moment: datetime) -> str:
    """A time as shown to people, always in JST: "2026-11-30 09:00 JST"."""
    return _to_jst(moment).strftime("%Y-%m-%d %H:%M JST")


def _next_working_day(day: date, hours: BusinessHours) -> date:
    """The first working day strictly after `day`."""
    current = day
    for _ in range(_SEARCH_LIMIT_DAYS):
        current += timedelta(days=1)
        if is_working_day(current, hours):
            return current
    raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days after {day}")


def _to_jst(moment: datetime) -> datetime:
    # A naive datetime could be UTC (server clock) or JST (a person's input); guessing would
    # shift reminders by nine hours, so the caller must say which.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()} has no time zone; pass a timezone-aware datetime"
        )
    return moment.astimezone(JST)
