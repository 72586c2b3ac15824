"""A small check the fund services share: texts. (Dates are read by carehub.dates.parse_day.)"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def text(data: dict, field: str, limit: int, *, required: str = "") -> str:
    """`data[field]` stripped; `required` is the message when it must not be empty."""
    value = (data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value
