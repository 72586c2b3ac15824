"""The member register: validation, create, update, status changes and transfers, each audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from billing.services.limits import check_member_limit
from care.registers import access
from care.registers.actions import MEMBER_CREATED, MEMBER_STATUS_CHANGED, MEMBER_TRANSFERRED, MEMBER_UPDATED
from care.registers.models import Member, MemberStatus, Node, Sex, StatusChange, Transfer
from care.registers.services.extra_fields import clean_extra
from care.registers.services.lengths import check_lengths
from carehub.audit.services import acting_user, changing, created
from carehub.clock import current_unit, unit_today
from carehub.dates import parse_day, parse_day_or_month
from carehub.phones import normalise_phone

EDITABLE = ["name", "sex", "birth_date", "birth_month_only", "lunar_birth_month", "lunar_birth_day",
            "lunar_birth_leap", "joined_on", "joined_month_only", "phone", "proxy_name", "proxy_phone",
            "uses_smartphone", "address", "extra"]
# Dates that may be known to the month only, with the flag that says so.
MONTH_ONLY = {"birth_date": "birth_month_only", "joined_on": "joined_month_only"}
AUDITED = [*EDITABLE, "node", "status", "died_on"]
MIN_JOINING_AGE = 18
EARLIEST = datetime.date(1900, 1, 1)  # dates of the register before this are typing mistakes (0001-01-01)


def initials(name: str) -> str:
    """Pinyin initials (王建国 -> wjg) so members can be found by typing them."""
    return "".join(syllable[0] for syllable in lazy_pinyin(name, style=Style.FIRST_LETTER) if syllable).lower()


def _date(value, field: str, errors: dict) -> datetime.date | None:
    """`value` as a date (None when empty); an unreadable one adds its error to `errors`, so that every field's
    error is reported at once."""
    try:
        return parse_day(value, field)
    except ValidationError as exc:
        errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
        return None


def _day_or_month(value, field: str, errors: dict) -> tuple[datetime.date | None, bool]:
    """As _date, a month (1948.05) read as its first day: (the date, whether only its month is known)."""
    try:
        return parse_day_or_month(value, field)
    except ValidationError as exc:
        errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
        return None, False


def clean_member(data: dict, *, existing: Member | None = None, extra_fields=None) -> dict:
    """Validate register fields; returns cleaned values, or raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    current = {name: getattr(existing, name) for name in AUDITED} if existing else {}
    if "name" in data or not existing:
        cleaned["name"] = (data.get("name") or "").strip()
        if not cleaned["name"]:
            errors["name"] = _("The member needs a name.")
    if "sex" in data or not existing:
        cleaned["sex"] = data.get("sex") or ""
        if cleaned["sex"] not in Sex.values:
            errors["sex"] = _("Sex must be one of: %(values)s.") % {"values": ", ".join(Sex.values)}
    if "died_on" in data:
        cleaned["died_on"] = _date(data["died_on"], "died_on", errors)
    for field, flag in MONTH_ONLY.items():
        if field in data:
            cleaned[field], month_only = _day_or_month(data[field], field, errors)
            # A month typed as such, or a month's first day that the form or API says is only that.
            cleaned[flag] = cleaned[field] is not None and (month_only or bool(data.get(flag)))
        elif flag in data:
            cleaned[flag] = bool(data[flag])
    for field in ("phone", "proxy_phone"):
        if field in data:
            try:
                cleaned[field] = normalise_phone(data[field], field=field)
            except ValidationError as exc:
                errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
    for field in ("proxy_name", "address"):
        if field in data:
            cleaned[field] = (data[field] or "").strip()
    for field in ("uses_smartphone", "lunar_birth_leap"):
        if field in data:
            cleaned[field] = bool(data[field])
    for field, upper in (("lunar_birth_month", 12), ("lunar_birth_day", 30)):
        if field in data and data[field] not in (None, ""):
            try:
                cleaned[field] = int(data[field])
                if not 1 <= cleaned[field] <= upper:
                    raise ValueError
            except (TypeError, ValueError):
                errors[field] = _("Must be a number from 1 to %(upper)d.") % {"upper": upper}
        elif field in data:
            cleaned[field] = None
    if "extra" in data:
        try:
            cleaned["extra"] = clean_extra(data["extra"] or {}, extra_fields)
        except ValidationError as exc:
            errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
    _check_dates({**current, **cleaned}, errors)
    check_lengths(Member, {key: value for key, value in cleaned.items() if key != "extra"}, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _check_dates(values: dict, errors: dict) -> None:
    today = unit_today()
    birth, joined, died = values.get("birth_date"), values.get("joined_on"), values.get("died_on")
    for field in ("birth_date", "joined_on", "died_on"):
        if values.get(field) and values[field] < EARLIEST and field not in errors:
            errors[field] = _("%(date)s is before %(earliest)s; check the year.") % {
                "date": values[field].isoformat(), "earliest": EARLIEST.isoformat()}
    if died and died > today and "died_on" not in errors:
        errors["died_on"] = _("The date of death is in the future.")
    if birth and birth > today and "birth_date" not in errors:
        errors["birth_date"] = _("The birth date is in the future.")
    if joined and joined > today and "joined_on" not in errors:
        errors["joined_on"] = _("The joining date is in the future.")
    if birth and joined and age_on(birth, joined) < MIN_JOINING_AGE and "joined_on" not in errors:
        errors["joined_on"] = _("Members join at %(age)d or older; check the dates.") % {"age": MIN_JOINING_AGE}
    if died and birth and died < birth and "died_on" not in errors:
        errors["died_on"] = _("The date of death is before the birth date.")


def check_death(status: str, died_on, errors: dict) -> None:
    """A deceased member has a date of death, and only a deceased one does."""
    if status == MemberStatus.DECEASED and not died_on:
        errors["died_on"] = _("Give the date of death.")
    elif status != MemberStatus.DECEASED and died_on:
        errors["died_on"] = _("Only a deceased member has a date of death.")


def create_member(actor, *, node: Node, **data) -> Member:
    access.require_write(actor, node)
    cleaned = clean_member(data)
    with transaction.atomic():
        check_member_limit(current_unit())
        member = Member.objects.create(node=node, name_initials=initials(cleaned["name"]), **cleaned)
        StatusChange.objects.create(member=member, to_status=member.status, effective_on=unit_today(),
                                    note=_("Registered"), by=acting_user(actor))
        created(actor, MEMBER_CREATED, member, AUDITED)
    return member


def update_member(actor, member: Member, **data) -> Member:
    access.require_write(actor, member.node)
    with changing(actor, MEMBER_UPDATED, member, AUDITED) as change:
        member = change.instance
        cleaned = clean_member(data, existing=member)
        for key, value in cleaned.items():
            setattr(member, key, value)
        member.name_initials = initials(member.name)
        member.save()
    return member


def change_status(actor, member: Member, status: str, *, effective_on=None, died_on=None, note: str = "") -> Member:
    """Retire, mark away, move out, mark deceased (with the date of death) or reactivate a member."""
    access.require_write(actor, member.node)
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    errors: dict = {}
    effective_on = _date(effective_on, "effective_on", errors) or unit_today()
    died_on = _date(died_on, "died_on", errors)
    if "died_on" not in errors:
        check_death(status, died_on, errors)
    if errors:
        raise ValidationError(errors)
    with changing(actor, MEMBER_STATUS_CHANGED, member, AUDITED) as change:
        member = change.instance
        if member.status == status:
            raise ValidationError({"status": _("The member already has this status.")})
        StatusChange.objects.create(member=member, from_status=member.status, to_status=status,
                                    effective_on=effective_on, note=note, by=acting_user(actor))
        member.status = status
        member.died_on = died_on
        member.save(update_fields=["status", "died_on", "updated_at"])
    return member


def transfer_member(actor, member: Member, to_node: Node, *, effective_on=None, note: str = "") -> Member:
    """Move a member to another node; both ends must be within the actor's scope. History is kept."""
    access.require_write(actor, member.node)
    access.require_write(actor, to_node)
    if to_node.pk == member.node_id:
        raise ValidationError({"node": _("The member already belongs there.")})
    errors: dict = {}
    effective_on = _date(effective_on, "effective_on", errors) or unit_today()
    if errors:
        raise ValidationError(errors)
    with changing(actor, MEMBER_TRANSFERRED, member, ["node"]) as change:
        member = change.instance
        Transfer.objects.create(member=member, from_node_id=member.node_id, to_node=to_node,
                                effective_on=effective_on, note=note, by=acting_user(actor))
        member.node = to_node
        member.save(update_fields=["node", "updated_at"])
    return member
