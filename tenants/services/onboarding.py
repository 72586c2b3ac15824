"""Unit onboarding and lifecycle. Each action takes the acting operator (None from the command line),
runs in one transaction and writes a UnitEvent."""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from carehub.accounts.models import Role
from carehub.accounts.operators import operator_actor
from carehub.accounts.services import clean_full_name, invite_user
from tenants import presets
from tenants.models import Domain, Unit, UnitEvent, UnitKind, UnitStatus

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
SLUG_MIN, SLUG_MAX = 3, 32
RESERVED_SLUGS = {"public", "www", "api", "admin", "static", "media", "console", "mail", "template"}


@dataclass
class Onboarded:
    unit: Unit
    url: str
    invitation_url: str
    invitation_expires_at: datetime.datetime
    presets: list[str] = field(default_factory=list)
    admin_name: str = ""
    admin_email: str = ""


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def domain_for(slug: str) -> str:
    return f"{slug}.{settings.CAREHUB_BASE_DOMAIN}"


def base_url(host: str) -> str:
    port = settings.CAREHUB_PUBLIC_PORT
    default_port = {"http": 80, "https": 443}[settings.CAREHUB_PUBLIC_SCHEME]
    suffix = f":{port}" if port and port != default_port else ""
    return f"{settings.CAREHUB_PUBLIC_SCHEME}://{host}{suffix}"


def unit_url(unit: Unit) -> str:
    """Uses prefetched domains when the caller prefetched them (the console and `tenants list` do)."""
    primary = next((domain.domain for domain in unit.domains.all() if domain.is_primary), domain_for(unit.slug))
    return base_url(primary) + "/"


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        raise ValidationError({"slug": _("The slug must be %(min)d to %(max)d characters long.")
                               % {"min": SLUG_MIN, "max": SLUG_MAX}})
    if not SLUG_RE.match(slug):
        raise ValidationError({"slug": _("Use lowercase letters, digits and hyphens, starting with a letter.")})
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("“%(slug)s” is reserved.") % {"slug": slug}})
    if Unit.objects.filter(slug=slug).exists() or Unit.objects.filter(schema_name=schema_name_for(slug)).exists():
        raise ValidationError({"slug": _("A unit with the slug “%(slug)s” already exists.") % {"slug": slug}})
    if Domain.objects.filter(domain=domain_for(slug)).exists():
        raise ValidationError({"slug": _("The domain %(domain)s is already in use.") % {"domain": domain_for(slug)}})
    return slug


def _validate_details(name: str, kind: str, time_zone: str, language: str) -> None:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("The unit needs a name.")
    if kind not in UnitKind.values:
        errors["kind"] = _("Unknown kind “%(kind)s”.") % {"kind": kind}
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Unknown time zone “%(tz)s”.") % {"tz": time_zone}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Unsupported language “%(lang)s”.") % {"lang": language}
    if errors:
        raise ValidationError(errors)


def onboard_unit(actor, *, slug: str, name: str, kind: str, admin_email: str, admin_name: str = "",
                 admin_phone: str = "", time_zone: str | None = None, language: str | None = None,
                 source: str = "cli") -> Onboarded:
    """Create a unit: its schema (cloned from the template), domain, first admin's invitation and presets.

    Everything happens in one transaction, schema included (PostgreSQL DDL is transactional): a failure at
    any step leaves no schema, no row and no domain behind. The console, the platform API and `carehub tenants
    create` require the first admin's name (`admin_name`, checked as a staff invitation's); scripts that name
    their admin afterwards (tests, benches, the demo) may leave it out.
    """
    time_zone = time_zone or settings.CAREHUB_TIME_ZONE
    language = language or settings.LANGUAGE_CODE
    slug = validate_slug(slug)
    _validate_details(name, kind, time_zone, language)
    admin_name = clean_full_name(admin_name)  # before any schema work: a too-long name costs nothing
    try:
        with transaction.atomic():
            unit = Unit(schema_name=schema_name_for(slug), slug=slug, name=name.strip(), kind=kind,
                        time_zone=time_zone, language=language)
            unit.save(verbosity=0)
            Domain.objects.create(domain=domain_for(slug), tenant=unit, is_primary=True)
            with schema_context(unit.schema_name):
                issued = invite_user(actor, email=admin_email, role=Role.ADMIN, full_name=admin_name,
                                     phone=admin_phone)
                applied = presets.apply_presets(unit)
            record_event(actor, unit, UnitEvent.Action.CREATED, issued.invitation.user.email, source)
    except IntegrityError:
        raise ValidationError({"slug": _("A unit with the slug “%(slug)s” already exists.") % {"slug": slug}}) \
            from None
    url = base_url(domain_for(slug))
    admin = issued.invitation.user
    return Onboarded(unit=unit, url=url + "/", invitation_url=url + issued.path,
                     invitation_expires_at=issued.invitation.expires_at, presets=applied,
                     admin_name=admin.full_name, admin_email=admin.email)


_TRANSITIONS = {
    UnitEvent.Action.SUSPENDED: ({UnitStatus.ACTIVE}, UnitStatus.SUSPENDED),
    UnitEvent.Action.RESUMED: ({UnitStatus.SUSPENDED}, UnitStatus.ACTIVE),
    UnitEvent.Action.ARCHIVED: ({UnitStatus.ACTIVE, UnitStatus.SUSPENDED}, UnitStatus.ARCHIVED),
    # An archived unit's data is kept untouched; restoring opens it again read-only, for reading and export.
    UnitEvent.Action.RESTORED: ({UnitStatus.ARCHIVED}, UnitStatus.SUSPENDED),
}


def change_status(actor, unit: Unit, action: str, *, note: str = "", source: str = "cli") -> Unit:
    """Suspend (read-only portal), resume, archive (the portal answers 404, data kept) or restore an archived
    unit read-only."""
    allowed_from, target = _TRANSITIONS[action]
    with transaction.atomic():
        unit = locked(unit)
        if unit.status not in allowed_from:
            raise ValidationError(_("A unit that is %(status)s cannot be %(action)s.")
                                  % {"status": unit.get_status_display(), "action": UnitEvent.Action(action).label})
        unit.status = target
        unit.save(update_fields=["status"])
        record_event(actor, unit, action, note, source)
    return unit


def locked(unit: Unit) -> Unit:
    """The unit's row, re-read and locked until the transaction ends: lifecycle changes go one at a time."""
    return Unit.objects.select_for_update().get(pk=unit.pk)


def record_event(actor, unit: Unit, action: str, note: str = "", source: str = "console") -> UnitEvent:
    return UnitEvent.objects.create(unit=unit, action=action, actor=operator_actor(actor), source=source, note=note)
