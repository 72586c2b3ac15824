"""Audit actions of platform support, recorded in the unit's own audit trail."""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

CONSENT_GRANTED = Action("support.consent.granted", _("Support access allowed"))
CONSENT_REVOKED = Action("support.consent.revoked", _("Support access ended"))
SUPPORT_ENTERED = Action("support.access.entered", _("Platform support entered the portal"))
EXPORT_DOWNLOADED = Action("support.export.downloaded", _("Data export downloaded"))
