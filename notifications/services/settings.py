"""The unit's SMS settings: sender, own Twilio subaccount (token encrypted), sending window and limits."""

import datetime
import re

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from billing.models import Feature
from billing.services.limits import unit_has_feature
from care.registers import access
from carehub.audit.services import diff, record, snapshot
from carehub.phones import normalise_phone
from notifications import crypto
from notifications.models import SmsSettings
from notifications.providers import Account, Sender, default_account

EDITABLE = ["messaging_service_sid", "from_number", "send_from", "send_until", "max_segments",
            "daily_cap_per_recipient", "rate_per_second"]
LIMITS = {"max_segments": (1, 10), "daily_cap_per_recipient": (1, 20), "rate_per_second": (1, 1000)}
PLANNING = {"send_from", "send_until", "daily_cap_per_recipient"}  # queued rows were planned with these
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def get_settings() -> SmsSettings:
    return SmsSettings.objects.get_or_create(pk=1)[0]


def parse_time(value, field: str, errors: dict):
    if isinstance(value, datetime.time):
        return value
    try:
        return datetime.time.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = _("Enter a time such as 09:00.")
        return None


def clean_settings(fields: dict) -> dict:
    errors, cleaned = {}, {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise TypeError(f"{name} is not an SMS setting")
        if name in ("send_from", "send_until"):
            cleaned[name] = parse_time(value, name, errors)
        elif name in LIMITS:
            low, high = LIMITS[name]
            try:
                cleaned[name] = int(value)
                if not low <= cleaned[name] <= high:
                    raise ValueError
            except (TypeError, ValueError):
                errors[name] = _("Must be a number from %(low)d to %(high)d.") % {"low": low, "high": high}
        elif name == "messaging_service_sid":
            cleaned[name] = (value or "").strip()
            if cleaned[name] and not SERVICE_SID.match(cleaned[name]):
                errors[name] = _("A Messaging Service SID starts with MG followed by 32 hexadecimal digits.")
        else:
            try:
                cleaned[name] = normalise_phone(value, field=name)
            except ValidationError as exc:
                errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


def update_settings(actor, **fields) -> SmsSettings:
    """Change the unit's settings; a changed window or daily cap plans the queued messages again."""
    from notifications.services.outbox import (
        replan,  # the outbox plans with these settings (a module-level import would be a cycle)
    )

    access.require_admin(actor)
    cleaned = clean_settings(fields)
    with transaction.atomic():
        sms = get_settings()
        sms = SmsSettings.objects.select_for_update().get(pk=sms.pk)
        before = snapshot(sms, EDITABLE)
        for name, value in cleaned.items():
            setattr(sms, name, value)
        if sms.send_from == sms.send_until:
            raise ValidationError({"send_until": _("The sending window must not be empty: choose a different "
                                                  "end time.")})
        sms.save()
        changes = diff(before, snapshot(sms, EDITABLE))
        if PLANNING & changes.keys() and (moved := replan()):
            changes["replanned"] = [None, moved]
        record(actor, "update", sms, changes, object_type="smssettings")
    return sms


def set_own_account(actor, sid: str, token: str) -> SmsSettings:
    """Send through the unit's own Twilio (sub)account; an empty `sid` goes back to the platform's account. The
    token is stored encrypted and never shown again."""
    access.require_admin(actor)
    sid, token = (sid or "").strip(), (token or "").strip()
    if sid and not ACCOUNT_SID.match(sid):
        raise ValidationError({"account_sid": _("An account SID starts with AC followed by 32 hexadecimal digits.")})
    if sid and not token:
        raise ValidationError({"auth_token": _("Enter the account's auth token.")})
    if sid and not unit_has_feature(connection.tenant, Feature.OWN_TWILIO):
        raise ValidationError({"account_sid": _("Your plan does not include sending through your own Twilio account.")})
    with transaction.atomic():
        sms = SmsSettings.objects.select_for_update().get(pk=get_settings().pk)
        before = sms.account_sid
        sms.account_sid = sid
        sms.auth_token_encrypted = crypto.encrypt(token) if sid else ""
        sms.save()
        # The token itself never enters the audit trail.
        record(actor, "set_account", sms, {"account_sid": [before, sid], "auth_token": ["…", "…"]},
               object_type="smssettings")
    return sms


def account_for(sms: SmsSettings) -> Account | None:
    """The account the unit sends with: its own when set (and readable), else the platform's."""
    if sms.account_sid and sms.auth_token_encrypted:
        try:
            return Account(sms.account_sid, crypto.decrypt(sms.auth_token_encrypted))
        except crypto.InvalidToken:
            return None
    return default_account()


def sender_for(sms: SmsSettings) -> Sender | None:
    """The unit's Messaging Service or number, else the platform's default Messaging Service."""
    if sms.messaging_service_sid:
        return Sender(messaging_service_sid=sms.messaging_service_sid)
    if sms.from_number:
        return Sender(from_number=sms.from_number)
    default = getattr(django_settings, "TWILIO_MESSAGING_SERVICE_SID", "")
    return Sender(messaging_service_sid=default) if default else None


def token_for(account_sid: str, sms: SmsSettings | None = None) -> str | None:
    """The auth token of `account_sid` if it is this unit's own account or the platform's, else None (webhooks
    verify a signature with it)."""
    sms = sms or get_settings()
    if account_sid and account_sid == sms.account_sid:
        account = account_for(sms)
        return account.token if account else None
    platform = default_account()
    return platform.token if platform and account_sid == platform.sid else None


def current_unit():
    """The Unit whose schema the connection is on (requests and tasks set it; schema_context only names it)."""
    from django.db import connection

    from tenants.models import Unit

    tenant = connection.tenant
    return tenant if isinstance(tenant, Unit) else Unit.objects.get(schema_name=connection.schema_name)
