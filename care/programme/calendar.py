"""The Chinese calendar as the programme needs it, on top of lunar-python (MIT): solar dates of lunar dates,
the built-in occasion library, anniversary keys for set-based matching ("today" is carehub.clock's).

Conventions (as families keep them): a lunar date on day 30 falls on day 29 in a month of 29 days; a birthday in
a leap month is kept in the ordinary month of that number in years without that leap month; a Feb 29 birthday
falls on Feb 28 in common years.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar, LunarMonth, LunarYear, Solar

from care.programme.models import Calendar


@dataclass(frozen=True)
class Occasion:
    key: str
    label: str
    calendar: str
    month: int
    day: int


OCCASIONS = [
    Occasion("new_year", _("New Year's Day"), Calendar.SOLAR, 1, 1),
    Occasion("spring_festival", _("Spring Festival"), Calendar.LUNAR, 1, 1),
    Occasion("lantern_festival", _("Lantern Festival"), Calendar.LUNAR, 1, 15),
    Occasion("womens_day", _("International Women's Day"), Calendar.SOLAR, 3, 8),
    Occasion("labour_day", _("Labour Day"), Calendar.SOLAR, 5, 1),
    Occasion("nurses_day", _("Nurses' Day"), Calendar.SOLAR, 5, 12),
    Occasion("dragon_boat", _("Dragon Boat Festival"), Calendar.LUNAR, 5, 5),
    Occasion("party_day", _("Party founding day (July 1)"), Calendar.SOLAR, 7, 1),
    Occasion("army_day", _("Army Day (August 1)"), Calendar.SOLAR, 8, 1),
    Occasion("physicians_day", _("Physicians' Day"), Calendar.SOLAR, 8, 19),
    Occasion("teachers_day", _("Teachers' Day"), Calendar.SOLAR, 9, 10),
    Occasion("mid_autumn", _("Mid-Autumn Festival"), Calendar.LUNAR, 8, 15),
    Occasion("national_day", _("National Day"), Calendar.SOLAR, 10, 1),
    Occasion("double_ninth", _("Double Ninth (Seniors' Day)"), Calendar.LUNAR, 9, 9),
]
OCCASIONS_BY_KEY = {occasion.key: occasion for occasion in OCCASIONS}


def lunar_to_solar(lunar_year: int, month: int, day: int, leap: bool = False) -> datetime.date:
    """The solar date of a lunar date; day 30 of a short month is its last day, and a leap month the year lacks
    is its ordinary month."""
    if leap and LunarYear.fromYear(lunar_year).getLeapMonth() != month:
        leap = False
    signed = -month if leap else month
    day = min(day, LunarMonth.fromYm(lunar_year, signed).getDayCount())
    solar = Lunar.fromYmd(lunar_year, signed, day).getSolar()
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def solar_on(year: int, month: int, day: int) -> datetime.date:
    """Month/day in `year`; Feb 29 falls on Feb 28 in common years."""
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return datetime.date(year, month, 28)


def dates_between(calendar: str, month: int, day: int, start: datetime.date, end: datetime.date
                  ) -> list[datetime.date]:
    """Every solar date of a yearly solar or lunar date from `start` to `end`, inclusive."""
    if calendar == Calendar.LUNAR:
        # Lunar year Y runs from late January/February of Y into early Y+1.
        days = [lunar_to_solar(year, month, day) for year in range(start.year - 1, end.year + 1)]
    else:
        days = [solar_on(year, month, day) for year in range(start.year, end.year + 1)]
    return sorted(d for d in days if start <= d <= end)


@dataclass(frozen=True)
class LunarDay:
    month: int
    day: int
    leap: bool
    month_days: int  # 29 or 30
    year_leap_month: int  # the leap month of its lunar year, 0 if none


@lru_cache(maxsize=64)
def _lunar_year(year: int) -> dict[datetime.date, LunarDay]:
    """Every day of lunar year `year`, walked month by month (converting day by day is a hundred times slower)."""
    lunar_year = LunarYear.fromYear(year)
    days = {}
    for month in lunar_year.getMonthsInYear():
        first = Solar.fromJulianDay(month.getFirstJulianDay())
        first = datetime.date(first.getYear(), first.getMonth(), first.getDay())
        for offset in range(month.getDayCount()):
            days[first + datetime.timedelta(days=offset)] = LunarDay(
                abs(month.getMonth()), offset + 1, month.isLeap(), month.getDayCount(), lunar_year.getLeapMonth())
    return days


def lunar_day(day: datetime.date) -> LunarDay:
    return _lunar_year(day.year).get(day) or _lunar_year(day.year - 1)[day]


def anniversary_keys(day: datetime.date) -> tuple[str, ...]:
    """The anniversary keys celebrated on `day`: its solar "MM-DD" and its lunar "Lm-d" ("+" for a leap month),
    with the stand-ins of the conventions above, matched in SQL against each member's own key
    (services.audience.member_key)."""
    keys = [f"{day:%m-%d}"]
    if day.month == 2 and day.day == 28 and solar_on(day.year, 2, 29).day == 28:
        keys.append("02-29")
    lunar = lunar_day(day)
    days = [lunar.day, 30] if lunar.day == 29 and lunar.month_days == 29 else [lunar.day]
    leaps = [True] if lunar.leap else [False, True] if lunar.year_leap_month != lunar.month else [False]
    keys += [f"L{lunar.month}-{d}{'+' if is_leap else ''}" for d in days for is_leap in leaps]
    return tuple(keys)


def calendar_rows(start: datetime.date, end: datetime.date) -> tuple[list[datetime.date], list[str]]:
    """(days, keys): one row per key celebrated on each day from `start` to `end`, for an SQL unnest."""
    days, keys = [], []
    day = start
    while day <= end:
        for key in anniversary_keys(day):
            days.append(day)
            keys.append(key)
        day += datetime.timedelta(days=1)
    return days, keys
