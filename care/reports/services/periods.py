"""Report periods: a month, quarter, half-year or year of the calendar, or custom dates."""

import calendar
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "half": gettext_lazy("Half-year"),
    "year": gettext_lazy("Year"),
    "custom": gettext_lazy("Custom dates"),
}
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}
LONGEST_CUSTOM = datetime.timedelta(days=3 * 366)


@dataclass(frozen=True)
class Period:
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date

    @property
    def label(self) -> str:
        start, end = self.starts_on, self.ends_on
        if self.kind == "year":
            return _("Year %(year)s") % {"year": start.year}
        if self.kind == "half":
            first = start.month == 1
            return (_("First half of %(year)s") if first else _("Second half of %(year)s")) % {"year": start.year}
        if self.kind == "quarter":
            return _("%(year)s, quarter %(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
        if self.kind == "month":
            return _("%(year)s-%(month)02d") % {"year": start.year, "month": start.month}
        return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        months, day = [], self.starts_on.replace(day=1)
        while day <= self.ends_on:
            months.append(day)
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        return months


def _int(value, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}}) \
            from None
    if not low <= number <= high:
        raise ValidationError({field: _("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}})
    return number


def _day(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def parse(kind: str, *, year=None, number=None, starts_on=None, ends_on=None) -> Period:
    """`number` is the month (1-12), quarter (1-4) or half (1-2) of `year`; custom periods take two dates."""
    if kind not in KINDS:
        raise ValidationError({"period": _("Choose a month, quarter, half-year, year or custom dates.")})
    if kind == "custom":
        start, end = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
        if end < start:
            raise ValidationError({"ends_on": _("The end comes before the start.")})
        if end - start > LONGEST_CUSTOM:
            raise ValidationError({"ends_on": _("A report covers at most three years.")})
        return Period(kind, start, end)
    year = _int(year, "year", 1949, 2200)
    span = MONTHS_IN[kind]
    index = 1 if kind == "year" else _int(number, "number", 1, 12 // span)
    first_month = (index - 1) * span + 1
    last_month = first_month + span - 1
    return Period(kind, datetime.date(year, first_month, 1),
                  datetime.date(year, last_month, calendar.monthrange(year, last_month)[1]))
