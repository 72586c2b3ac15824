"""Closing a fund's months and years. A closed period takes no new entries; a mistake found in it is corrected
by a reversing entry dated in an open period, so the closed books stay exactly as they were reported."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.fund import access
from care.fund.actions import PERIOD_CLOSED
from care.fund.models import ClosedPeriod, Fund, PeriodKind
from care.fund.services.locks import lock
from carehub.audit.services import record
from carehub.clock import unit_today


def bounds(year: int, month: int | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last day of a year, or of one month of it."""
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def closing(fund: Fund, day: datetime.date) -> ClosedPeriod | None:
    """The closed period `day` falls in, if any."""
    return fund.closed_periods.filter(starts_on__lte=day, ends_on__gte=day).first()


def require_open(fund: Fund, day: datetime.date, field: str = "booked_on") -> None:
    closed = closing(fund, day)
    if closed is not None:
        raise ValidationError({field: _("%(day)s falls in a closed period (%(start)s to %(end)s); date the entry "
                                        "in an open period.") % {"day": day, "start": closed.starts_on,
                                                                  "end": closed.ends_on}})


def close_period(actor, fund: Fund, *, year, month=None, note: str = "") -> ClosedPeriod:
    """Close a month (when `month` is given) or a whole year, once it has ended."""
    access.require_bookkeeper(actor, fund)
    try:
        year, month = int(year), (int(month) if month not in (None, "") else None)
        starts_on, ends_on = bounds(year, month)
    except (TypeError, ValueError):
        raise ValidationError({"month": _("Choose a real month or year.")}) from None
    if ends_on >= unit_today():
        raise ValidationError({"month": _("A period can be closed only after it has ended.")})
    kind = PeriodKind.MONTH if month else PeriodKind.YEAR
    with transaction.atomic():
        lock(fund)  # nothing is posted into the period while it closes
        if fund.closed_periods.filter(starts_on__lte=starts_on, ends_on__gte=ends_on).exists():
            raise ValidationError({"month": _("This period is already closed.")})
        period = ClosedPeriod.objects.create(fund=fund, kind=kind, starts_on=starts_on, ends_on=ends_on,
                                             note=(note or "").strip()[:200], closed_by=actor)
        record(actor, PERIOD_CLOSED, fund, {"closed": [None, f"{starts_on}..{ends_on}"]}, object_type="fund")
    return period
