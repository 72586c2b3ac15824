"""What reports record in the audit trail (see carehub.audit.actions)."""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

RUN_REQUESTED = Action("reports.run.requested", _("Report requested"))
RUN_DOWNLOADED = Action("reports.run.downloaded", _("Report downloaded"))
LOGO_SET = Action("reports.branding.logo_set", _("Report logo set"))
LOGO_CLEARED = Action("reports.branding.logo_cleared", _("Report logo removed"))
