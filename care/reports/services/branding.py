"""The unit's own logo on report covers: admins upload a small PNG or JPEG when their plan includes it."""

import base64

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import Feature
from billing.services.limits import unit_has_feature
from care.registers import access
from care.reports.actions import LOGO_CLEARED, LOGO_SET
from care.reports.models import Branding
from carehub.audit.services import record
from carehub.clock import current_unit
from carehub.uploads import LOGO, check_upload


def logo_uri() -> str:
    return Branding.objects.filter(pk=1).values_list("logo", flat=True).first() or ""


def set_logo(actor, upload) -> Branding:
    access.require_admin(actor)
    if not unit_has_feature(current_unit(), Feature.REPORT_LOGO):
        raise ValidationError({"logo": _("Your plan does not include a custom report logo.")})
    kind = check_upload(upload, LOGO, field="logo")
    return _save(actor, f"data:{kind.content_type};base64,{base64.b64encode(upload.read()).decode()}")


def clear_logo(actor) -> Branding:
    access.require_admin(actor)
    return _save(actor, "")


def _save(actor, logo: str) -> Branding:
    with transaction.atomic():
        branding, _created = Branding.objects.select_for_update().get_or_create(pk=1)
        before = "set" if branding.logo else ""
        branding.logo, branding.updated_by = logo, actor
        branding.save()
        record(actor, LOGO_SET if logo else LOGO_CLEARED, branding, {"logo": [before, "set" if logo else ""]})
    return branding
