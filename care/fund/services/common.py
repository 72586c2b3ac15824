"""Small checks the fund services share: dates, texts, and audit snapshots of their records."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from carehub.clock import unit_today


def day_of(value, field: str = "booked_on", *, default_today: bool = True) -> datetime.date | None:
    """A date from a date or "YYYY-MM-DD"; today when empty (if `default_today`); never in the future."""
    if value in (None, ""):
        return unit_today() if default_today else None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: _("“%(value)s” is not a real date (YYYY-MM-DD).") % {"value": value}}) \
                from None
    if value > unit_today():
        raise ValidationError({field: _("The date is in the future.")})
    return value


def text(data: dict, field: str, limit: int, *, required: str = "") -> str:
    """`data[field]` stripped; `required` is the message when it must not be empty."""
    value = (data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value
