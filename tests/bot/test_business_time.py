"""Working days and business hours, checked against the real 2026–2027 calendar (jpholiday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.business_time import (
    BusinessHours,
    add_working_days,
    format_jst,
    is_business_time,
    is_working_day,
    next_business_time,
    working_days_between,
)
from dialogs.context import JST


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


# Business hours on ordinary weeks (2026-11-27 is a Friday, 2026-11-30 a Monday).


def test_a_reminder_due_on_saturday_evening_goes_out_on_monday_morning() -> None:
    assert next_business_time(jst(2026, 11, 28, 19, 0)) == jst(2026, 11, 30, 8, 30)


def test_friday_at_closing_time_is_already_closed_so_the_reminder_waits_for_monday() -> None:
    friday_closing = jst(2026, 11, 27, 17, 15)
    assert not is_business_time(friday_closing)
    assert is_business_time(jst(2026, 11, 27, 17, 14))
    assert next_business_time(friday_closing) == jst(2026, 11, 30, 8, 30)


def test_a_minute_before_opening_waits_for_opening_the_same_day() -> None:
    assert not is_business_time(jst(2026, 11, 30, 8, 29))
    assert next_business_time(jst(2026, 11, 30, 8, 29)) == jst(2026, 11, 30, 8, 30)


def test_opening_time_itself_is_business_time() -> None:
    assert is_business_time(jst(2026, 11, 30, 8, 30))


def test_noon_on_a_working_day_is_sent_right_away() -> None:
    noon = jst(2026, 11, 30, 12, 0)
    assert is_business_time(noon)
    assert next_business_time(noon) == noon


def test_a_utc_moment_is_judged_by_the_clock_in_japan() -> None:
    # Friday 23:00 UTC is already Saturday 08:00 in Japan: the office is closed.
    friday_night_utc = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert not is_business_time(friday_night_utc)
    result = next_business_time(friday_night_utc)
    assert result == jst(2026, 11, 30, 8, 30)
    assert result.utcoffset() == JST.utcoffset(None)


def test_a_utc_moment_inside_japanese_office_hours_is_business_time() -> None:
    # Sunday 23:30 UTC is Monday 08:30 in Japan.
    assert is_business_time(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))


def test_the_asia_tokyo_zone_is_the_same_clock_as_jst() -> None:
    tokyo = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert is_business_time(tokyo)
    assert next_business_time(tokyo) == jst(2026, 11, 30, 10, 0)


# National holidays.


def test_labour_thanksgiving_day_monday_pushes_the_reminder_to_tuesday() -> None:
    assert not is_working_day(date(2026, 11, 23))  # 勤労感謝の日, a Monday
    assert next_business_time(jst(2026, 11, 23, 10, 0)) == jst(2026, 11, 24, 8, 30)


def test_golden_week_2026_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 4, 29))  # 昭和の日 (Wednesday)
    assert is_working_day(date(2026, 4, 30))
    assert is_working_day(date(2026, 5, 1))
    assert not is_working_day(date(2026, 5, 4))  # みどりの日 (Monday)
    assert not is_working_day(date(2026, 5, 5))  # こどもの日 (Tuesday)
    assert not is_working_day(date(2026, 5, 6))  # 振替休日 for 憲法記念日 on Sunday 5/3


def test_a_reminder_due_on_golden_week_saturday_goes_out_on_thursday_may_7() -> None:
    assert next_business_time(jst(2026, 5, 2, 10, 0)) == jst(2026, 5, 7, 8, 30)


def test_a_day_sandwiched_between_holidays_is_not_a_working_day() -> None:
    # 2026-09-22 (Tuesday) is 国民の休日 between 敬老の日 (9/21) and 秋分の日 (9/23).
    assert not is_working_day(date(2026, 9, 22))


# Year-end closure (12/29–1/3).


def test_a_reminder_due_after_the_last_working_day_of_2026_waits_until_january_4() -> None:
    assert next_business_time(jst(2026, 12, 28, 18, 0)) == jst(2027, 1, 4, 8, 30)


def test_the_year_end_closed_days_are_not_working_days_even_on_weekdays() -> None:
    assert is_working_day(date(2026, 12, 28))  # Monday
    for day in (29, 30, 31):  # Tuesday to Thursday
        assert not is_working_day(date(2026, 12, day))
    assert not is_working_day(date(2027, 1, 1))  # 元日, Friday


def test_january_4_2027_is_a_monday_and_a_working_day() -> None:
    assert date(2027, 1, 4).weekday() == 0
    assert is_working_day(date(2027, 1, 4))


def test_an_office_without_closed_days_works_through_the_year_end_weekdays() -> None:
    always_open = BusinessHours(closed_days=())
    assert is_working_day(date(2026, 12, 29), always_open)
    assert not is_working_day(date(2027, 1, 1), always_open)  # still a national holiday


# Counting working days.


def test_adding_one_working_day_to_friday_skips_the_weekend_and_a_monday_holiday() -> None:
    # Friday 2026-11-20 → Saturday, Sunday, Monday 11/23 (勤労感謝の日) → Tuesday 11/24.
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)
    assert add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 26)


def test_adding_zero_working_days_keeps_a_working_day_and_moves_off_a_closed_one() -> None:
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 24)


def test_adding_working_days_across_the_year_end() -> None:
    assert add_working_days(date(2026, 12, 28), 1) == date(2027, 1, 4)


def test_adding_a_negative_number_of_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        add_working_days(date(2026, 11, 20), -1)


def test_working_days_between_counts_the_days_after_start_up_to_and_including_end() -> None:
    # (Fri 11/20, Fri 11/27]: Tue 24, Wed 25, Thu 26, Fri 27 — Mon 23 is a holiday.
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 4
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 1


def test_working_days_between_counts_only_three_days_over_the_year_end() -> None:
    # (Fri 12/25, Tue 1/5]: Mon 12/28, Mon 1/4, Tue 1/5.
    assert working_days_between(date(2026, 12, 25), date(2027, 1, 5)) == 3


def test_working_days_between_is_zero_when_end_is_not_after_start() -> None:
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 20)) == 0


def test_a_report_is_overdue_once_the_counted_working_days_reach_the_limit() -> None:
    last_update = date(2026, 11, 20)
    due = add_working_days(last_update, 3)
    assert working_days_between(last_update, due) == 3


# Inputs and output.


def test_a_naive_datetime_is_refused_with_a_message_that_says_why() -> None:
    naive = datetime(2026, 11, 30, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_business_time(naive)
    with pytest.raises(ValueError, match="no time zone"):
        next_business_time(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        format_jst(naive)


def test_business_hours_must_open_before_they_close() -> None:
    with pytest.raises(ValueError, match="before end"):
        BusinessHours(start=time(17, 0), end=time(9, 0))


def test_custom_business_hours_move_the_opening_time() -> None:
    nine_to_five = BusinessHours(start=time(9, 0), end=time(17, 0))
    assert not is_business_time(jst(2026, 11, 30, 8, 45), nine_to_five)
    assert next_business_time(jst(2026, 11, 27, 17, 0), nine_to_five) == jst(2026, 11, 30, 9, 0)


def test_times_shown_to_people_are_formatted_in_jst() -> None:
    assert format_jst(jst(2026, 11, 30, 9, 0)) == "2026-11-30 09:00 JST"
    assert format_jst(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == "2026-11-30 09:00 JST"
