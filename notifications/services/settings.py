"""Changing the unit's SMS settings: sender, own Twilio subaccount (token encrypted), the provider (Twilio, or
Alibaba Cloud with the unit's AccessKey, secret encrypted, and signature), sending window and limits. What the rest
of the app reads of them is notifications.services.config."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import Feature
from billing.services.limits import unit_has_feature
from care.registers import access
from carehub.audit.services import changing, record, snapshot
from carehub.clock import current_unit
from carehub.phones import normalise_phone
from notifications import crypto
from notifications.actions import (
    ACCOUNT_CHANGED,
    PROVIDER_CHANGED,
    PUSH_ADDRESSES_RENEWED,
    SETTINGS_CONFIRMED,
    SETTINGS_UPDATED,
)
from notifications.models import Provider, SmsSettings
from notifications.services import sandbox_phones
from notifications.services.compliance import signature_problems
from notifications.services.config import account_for, get_settings, push_secret
from notifications.services.hours import parse_time
from notifications.services.outbox import replan
from tenants.models import Domain
from tenants.services.onboarding import base_url

EDITABLE = ["messaging_service_sid", "from_number", "voice_number", "send_from", "send_until", "max_segments",
            "daily_cap_per_recipient", "rate_per_second"]
LIMITS = {"max_segments": (1, 10), "daily_cap_per_recipient": (1, 20), "rate_per_second": (1, 1000)}
PLANNING = ["send_from", "send_until", "daily_cap_per_recipient"]  # queued rows were planned with these
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
ACCESS_KEY_ID = re.compile(r"^[A-Za-z0-9]{12,64}$")


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
    access.require_admin(actor)
    cleaned = clean_settings(fields)
    with changing(actor, SETTINGS_UPDATED, get_settings(), EDITABLE, object_type="smssettings") as change:
        sms = change.instance
        planned = snapshot(sms, PLANNING)
        for name, value in cleaned.items():
            setattr(sms, name, value)
        if sms.send_from == sms.send_until:
            raise ValidationError({"send_until": _("The sending window must not be empty: choose a different "
                                                  "end time.")})
        sms.save()
        if snapshot(sms, PLANNING) != planned and (moved := replan()):
            change.extra["replanned"] = [None, moved]
    if not change.changes:  # the defaults suit the unit: that too is setting SMS up (the new unit's checklist)
        record(actor, SETTINGS_CONFIRMED, sms, object_type="smssettings")
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
    if sid and not unit_has_feature(current_unit(), Feature.OWN_TWILIO):
        raise ValidationError({"account_sid": _("Your plan does not include sending through your own Twilio account.")})
    with transaction.atomic():
        sms = SmsSettings.objects.select_for_update().get(pk=get_settings().pk)
        before = sms.account_sid
        sms.account_sid = sid
        sms.auth_token_encrypted = crypto.encrypt(token) if sid else ""
        sms.save()
        # The token itself never enters the audit trail; a new token for the same account is recorded too.
        record(actor, ACCOUNT_CHANGED, sms, {"account_sid": [before, sid], "auth_token": ["…", "…"]},
               object_type="smssettings")
    return sms


def push_urls(sms: SmsSettings | None = None) -> dict[str, str]:
    """The unit's push URLs to enter in Alibaba Cloud's console ("report": SmsReport, delivery reports; "reply":
    SmsUp, replies), or {} when it has no push secret yet."""
    secret = push_secret(sms)
    if not secret:
        return {}
    domain = Domain.objects.filter(tenant_id=current_unit().pk, is_primary=True).values_list("domain", flat=True)
    base = base_url(domain.first())
    return {"report": f"{base}/hooks/aliyun/{secret}/report/", "reply": f"{base}/hooks/aliyun/{secret}/reply/"}


def set_provider(actor, provider: str, *, access_key_id: str = "", access_key_secret: str = "",
                 sign_name: str = "") -> SmsSettings:
    """Send through Twilio, or through Alibaba Cloud with the unit's own AccessKey (the secret stored encrypted and
    never shown again; left empty, the stored one stays for the same AccessKey ID) and its registered signature.
    Choosing Alibaba Cloud gives the unit its push secret, once."""
    access.require_admin(actor)
    access_key_id, access_key_secret = (access_key_id or "").strip(), (access_key_secret or "").strip()
    sign_name = (sign_name or "").strip()
    if provider not in Provider.values:
        raise ValidationError({"provider": _("Choose Twilio or Alibaba Cloud.")})
    with transaction.atomic():
        sms = SmsSettings.objects.select_for_update().get(pk=get_settings().pk)
        before = {"provider": sms.provider, "aliyun_access_key_id": sms.aliyun_access_key_id,
                  "sign_name": sms.sign_name}
        new_secret = bool(access_key_secret)
        if provider == Provider.ALIYUN:
            errors = {}
            if not ACCESS_KEY_ID.match(access_key_id):
                errors["aliyun_access_key_id"] = _("An AccessKey ID has 12 to 64 letters and digits, as the Alibaba "
                                                   "Cloud console shows it.")
            elif not new_secret and (access_key_id != sms.aliyun_access_key_id or not sms.aliyun_secret_encrypted):
                errors["aliyun_access_key_secret"] = _("Enter the AccessKey secret.")
            if problems := signature_problems(sign_name):
                errors["sign_name"] = " ".join(problems)
            if errors:
                raise ValidationError(errors)
            sms.aliyun_access_key_id, sms.sign_name = access_key_id, sign_name
            if new_secret:
                sms.aliyun_secret_encrypted = crypto.encrypt(access_key_secret)
            if not sms.push_secret_encrypted:
                sms.push_secret_encrypted = crypto.encrypt(secrets.token_urlsafe(24))
        sms.provider = provider
        sms.save()
        after = {"provider": sms.provider, "aliyun_access_key_id": sms.aliyun_access_key_id,
                 "sign_name": sms.sign_name}
        changes = {name: [before[name], value] for name, value in after.items() if before[name] != value}
        if new_secret and provider == Provider.ALIYUN:  # the secret itself never enters the audit trail
            changes["aliyun_access_key_secret"] = ["…", "…"]
        record(actor, PROVIDER_CHANGED, sms, changes, object_type="smssettings")
        _register_in_sandbox(sms)
    return sms


def renew_push_secret(actor) -> SmsSettings:
    """New push addresses for Alibaba Cloud (a new secret in them), for when the old ones leaked (a proxy's access
    log, a screenshot): the old ones answer 404 from now on, so the admin enters the new ones in the console."""
    access.require_admin(actor)
    with transaction.atomic():
        sms = SmsSettings.objects.select_for_update().get(pk=get_settings().pk)
        if sms.provider != Provider.ALIYUN:
            raise ValidationError(_("Only a unit sending through Alibaba Cloud has push addresses."))
        sms.push_secret_encrypted = crypto.encrypt(secrets.token_urlsafe(24))
        sms.save(update_fields=["push_secret_encrypted", "updated_at"])
        record(actor, PUSH_ADDRESSES_RENEWED, sms, {"push_secret": ["…", "…"]}, object_type="smssettings")
        _register_in_sandbox(sms)
    return sms


def _register_in_sandbox(sms: SmsSettings) -> None:
    """In development the local sandbox plays Alibaba Cloud's console: it learns the unit's key and push URLs."""
    if sms.provider == Provider.ALIYUN and sandbox_phones.enabled():
        account, urls = account_for(sms), push_urls(sms)
        transaction.on_commit(lambda: sandbox_phones.register_aliyun(account, urls))
