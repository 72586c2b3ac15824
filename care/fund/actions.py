"""What the care fund records in the audit trail (see carehub.audit.actions): one constant per action."""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

FUND_CREATED = Action("fund.fund.created", _("Fund set up"))
FUND_UPDATED = Action("fund.fund.updated", _("Fund changed"))
PERIOD_CLOSED = Action("fund.period.closed", _("Period closed"))

ENTRY_POSTED = Action("fund.entry.posted", _("Entry posted"))
ENTRY_REVERSED = Action("fund.entry.reversed", _("Entry reversed"))
ENTRY_ATTACHMENT_ADDED = Action("fund.entry.attachment_added", _("Receipt attached"))

APPLICATION_CREATED = Action("fund.application.created", _("Application drafted"))
APPLICATION_UPDATED = Action("fund.application.updated", _("Application changed"))
APPLICATION_SUBMITTED = Action("fund.application.submitted", _("Application submitted"))
APPLICATION_VERIFIED = Action("fund.application.verified", _("Application verified"))
APPLICATION_APPROVED = Action("fund.application.approved", _("Application approved"))
APPLICATION_SECOND_APPROVED = Action("fund.application.second_approved",
                                     _("Application approved by a second approver"))
APPLICATION_REJECTED = Action("fund.application.rejected", _("Application rejected"))
APPLICATION_PAID = Action("fund.application.paid", _("Application paid"))
APPLICATION_PAYMENT_REVERSED = Action("fund.application.payment_reversed", _("Application payment reversed"))
APPLICATION_EVIDENCE_ADDED = Action("fund.application.evidence_added", _("Evidence attached"))
APPLICATION_SENSITIVE_VIEWED = Action("fund.application.sensitive_viewed", _("Sensitive details viewed"))

DISCLOSURE_LINK_CREATED = Action("fund.disclosure.link_created", _("Disclosure link created"))
DISCLOSURE_LINK_REVOKED = Action("fund.disclosure.link_revoked", _("Disclosure link revoked"))

COST_SHARING_UPDATED = Action("fund.cost_sharing.updated", _("Cost sharing rule saved"))
COST_SHARING_DELETED = Action("fund.cost_sharing.deleted", _("Cost sharing rule removed"))

STAFF_MEMBER_LINKED = Action("fund.staff.member_linked", _("Staff account linked to a member"))
STAFF_MEMBER_UNLINKED = Action("fund.staff.member_unlinked", _("Staff account unlinked from its member"))
