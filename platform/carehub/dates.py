"""The one date parser: what people type and spreadsheets hold, as a date, or a clear, translated error.

Accepted: a date or datetime, 2024-07-01, 2024/7/1, 2024.7.1 and 2024年7月1日 (spaces allowed around the
separators). Services, imports and forms all read dates through `parse_day`, so a date that one of them accepts
is accepted everywhere.

Rosters often know only the month of a birth or of joining the Party (出生年月: 1948.05, 1948-5, 1948年5月):
`parse_day_or_month` reads those as the month's first day and says so, for the fields that allow it.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from carehub.clock import unit_today

WRITTEN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_WRITTEN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
# Excel keeps 1948.10 typed into a number cell as 1948.1: that month may be January or October.
AMBIGUOUS_MONTH = re.compile(r"^\d{4}\.1$")


def read_day(value) -> datetime.date | None:
    """The date `value` stands for, or None when it is none (impossible dates such as 2024-02-30 included)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = WRITTEN.match(str(value if value is not None else "").strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _not_a_date(value, field: str) -> ValidationError:
    return ValidationError({field: _("“%(value)s” is not a real date (YYYY-MM-DD).") % {"value": value}})


def parse_day(value, field: str, *, default=None, not_future: bool = False) -> datetime.date | None:
    """`value` as a date; `default` when it is empty (pass `unit_today` for today); a ValidationError naming
    `field` when it is not a real date, or (with `not_future`) when it lies after the unit's today."""
    if value in (None, ""):
        return default() if callable(default) else default
    day = read_day(value)
    if day is None:
        raise _not_a_date(value, field)
    if not_future and day > unit_today():
        raise ValidationError({field: _("The date is in the future.")})
    return day


def parse_day_or_month(value, field: str) -> tuple[datetime.date | None, bool]:
    """(`value` as a date, whether only its year and month were given): a month is read as its first day. The
    errors are parse_day's, and one for a month that may be January or October."""
    text = str(value if value is not None else "").strip()
    match = None if isinstance(value, datetime.date) else MONTH_WRITTEN.match(text)
    if not match:
        return parse_day(value, field), False
    if AMBIGUOUS_MONTH.match(text):
        raise ValidationError({field: _("“%(value)s” may be January or October: write %(year)s-01 or %(year)s-10.")
                               % {"value": text, "year": match.group(1)}})
    year, month = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise _not_a_date(value, field)
    return datetime.date(year, month, 1), True
