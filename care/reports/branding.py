"""The unit's own logo on report covers: admins upload a small PNG or JPEG when their plan includes it."""

import base64

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from billing.limits import unit_has_feature
from billing.models import Feature
from care import access
from care.audit.services import record

from .models import Branding

MAX_LOGO_BYTES = 200 * 1024
# Checked on the bytes, not on the file name or the browser's content type.
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_uri() -> str:
    return Branding.objects.filter(pk=1).values_list("logo", flat=True).first() or ""


def set_logo(actor, upload) -> Branding:
    access.require_admin(actor)
    if not unit_has_feature(connection.tenant, Feature.REPORT_LOGO):
        raise ValidationError({"logo": _("Your plan does not include a custom report logo.")})
    data = upload.read(MAX_LOGO_BYTES + 1)
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError({"logo": _("The logo may be at most 200 KB.")})
    kind = next((kind for signature, kind in SIGNATURES.items() if data.startswith(signature)), None)
    if kind is None:
        raise ValidationError({"logo": _("The logo must be a PNG or JPEG image.")})
    return _save(actor, f"data:{kind};base64,{base64.b64encode(data).decode()}")


def clear_logo(actor) -> Branding:
    access.require_admin(actor)
    return _save(actor, "")


def _save(actor, logo: str) -> Branding:
    with transaction.atomic():
        branding, _created = Branding.objects.select_for_update().get_or_create(pk=1)
        before = "set" if branding.logo else ""
        branding.logo, branding.updated_by = logo, actor
        branding.save()
        record(actor, "set_logo" if logo else "clear_logo", branding, {"logo": [before, "set" if logo else ""]})
    return branding
