"""Phone numbers are stored as E.164 after validation (default region: mainland China), and shown the way people
write them: 138 0013 8000 for a mainland number, the international form (+852 …) for any other."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalise_phone(phone: str, region: str = "CN", field: str = "phone") -> str:
    """`phone` as E.164 (+8613800000000), or "" when none was given; ValidationError keyed by `field`."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: _("“%(phone)s” is not a valid phone number.") % {"phone": phone}})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def shown_phone(phone: str, region: str = "CN") -> str:
    """A stored number as people read it: national form within `region`, international elsewhere."""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
