"""The Chinese calendar of the care programme: known solar dates of lunar occasions, leap months, Feb 29, and
"today" at midnight in the unit's time zone."""

import datetime

import pytest
from django_tenants.utils import schema_context

from care.programme.calendar import (
    OCCASIONS_BY_KEY,
    anniversary_keys,
    calendar_rows,
    dates_between,
    lunar_day,
    lunar_to_solar,
)
from carehub.clock import unit_today
from tenants.models import Unit

D = datetime.date


@pytest.mark.parametrize("year,spring,double_ninth,mid_autumn", [
    (2025, D(2025, 1, 29), D(2025, 10, 29), D(2025, 10, 6)),
    (2026, D(2026, 2, 17), D(2026, 10, 18), D(2026, 9, 25)),
    (2027, D(2027, 2, 6), D(2027, 10, 8), D(2027, 9, 15)),
])
def test_lunar_occasions_fall_on_their_known_solar_dates(year, spring, double_ninth, mid_autumn):
    assert lunar_to_solar(year, 1, 1) == spring
    assert lunar_to_solar(year, 9, 9) == double_ninth
    assert lunar_to_solar(year, 8, 15) == mid_autumn


def test_occasion_dates_in_a_window_span_lunar_and_solar_years():
    start, end = D(2025, 1, 1), D(2027, 12, 31)
    assert dates_between("lunar", 1, 1, start, end) == [D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6)]
    assert dates_between("lunar", 9, 9, D(2025, 1, 1), D(2026, 12, 31)) == [D(2025, 10, 29), D(2026, 10, 18)]
    teachers = OCCASIONS_BY_KEY["teachers_day"]
    assert dates_between(teachers.calendar, teachers.month, teachers.day, start, end) == [
        D(2025, 9, 10), D(2026, 9, 10), D(2027, 9, 10)]
    # Lunar 12/8 of lunar year 2025 falls in January 2026: a window in 2026 still finds it.
    assert dates_between("lunar", 12, 8, D(2026, 1, 1), D(2026, 1, 31)) == [D(2026, 1, 26)]


def test_leap_months():
    # 2025 has a leap sixth month (闰六月): 2025-07-25 is its first day, and 2025 has no leap fourth month.
    assert lunar_to_solar(2025, 6, 1, leap=True) == D(2025, 7, 25)
    assert lunar_to_solar(2025, 6, 1) == D(2025, 6, 25)
    day = lunar_day(D(2025, 7, 25))
    assert (day.month, day.day, day.leap) == (6, 1, True)
    # A leap-month birthday is kept in the leap month when the year has one, in the ordinary month otherwise.
    assert "L6-1+" in anniversary_keys(D(2025, 7, 25)) and "L6-1+" not in anniversary_keys(D(2025, 6, 25))
    assert "L6-1+" in anniversary_keys(D(2026, 7, 14))  # 2026: no leap sixth month
    assert lunar_to_solar(2026, 6, 1, leap=True) == D(2026, 7, 14)


def test_day_thirty_of_a_short_lunar_month_falls_on_its_last_day():
    # The twelfth month of lunar 2025 has 29 days: New Year's Eve (12/30) is 2026-02-16.
    assert lunar_to_solar(2025, 12, 30) == D(2026, 2, 16)
    assert {"L12-29", "L12-30"} <= set(anniversary_keys(D(2026, 2, 16)))


def test_feb_29_falls_on_feb_28_in_common_years():
    assert "02-29" in anniversary_keys(D(2025, 2, 28))
    assert "02-29" not in anniversary_keys(D(2028, 2, 28)) and "02-29" in anniversary_keys(D(2028, 2, 29))
    days, keys = calendar_rows(D(2027, 2, 27), D(2027, 3, 1))
    assert [day for day, key in zip(days, keys, strict=True) if key == "02-29"] == [D(2027, 2, 28)]


def test_a_year_of_calendar_rows_covers_every_day():
    """How fast is measured by bench/programme.py; tests assert behaviour, never wall-clock times."""
    days, keys = calendar_rows(D(2031, 1, 1), D(2031, 12, 31))
    assert len(set(days)) == 365 and len(keys) > 365


@pytest.mark.parametrize("utc,expected", [
    (datetime.datetime(2026, 2, 16, 15, 59, tzinfo=datetime.UTC), D(2026, 2, 16)),  # 23:59 in Shanghai
    (datetime.datetime(2026, 2, 16, 16, 0, tzinfo=datetime.UTC), D(2026, 2, 17)),  # midnight: Spring Festival
])
def test_today_changes_at_midnight_in_shanghai(alpha, utc, expected):
    with schema_context("alpha"):
        assert unit_today(utc) == expected


def test_today_follows_the_units_own_time_zone(alpha):
    Unit.objects.filter(pk=alpha.unit.pk).update(time_zone="Europe/London")
    with schema_context("alpha"):
        assert unit_today(datetime.datetime(2026, 2, 16, 16, 30, tzinfo=datetime.UTC)) == D(2026, 2, 16)
