"""What the registers record in the audit trail (see carehub.audit.actions).

A hardship review has one action per outcome, so the trail can be filtered by outcome and the older records
("review:closed", ...) keep their meaning when renamed. Records created by an import are recorded with the same
actions as those created one by one; their source ("import") tells them apart.
"""

from django.utils.translation import gettext_lazy as _

from care.registers.models import ReviewOutcome
from carehub.audit.actions import Action

NODE_CREATED = Action("registers.node.created", _("Organisation added"))
NODE_UPDATED = Action("registers.node.updated", _("Organisation changed"))
NODE_MOVED = Action("registers.node.moved", _("Organisation moved"))
NODE_DELETED = Action("registers.node.deleted", _("Organisation deleted"))

MEMBER_CREATED = Action("registers.member.created", _("Member added"))
MEMBER_UPDATED = Action("registers.member.updated", _("Member changed"))
MEMBER_STATUS_CHANGED = Action("registers.member.status_changed", _("Member's status changed"))
MEMBER_TRANSFERRED = Action("registers.member.transferred", _("Member transferred"))

HARDSHIP_CREATED = Action("registers.hardship.created", _("Hardship entry opened"))
HARDSHIP_REVIEWED = {
    ReviewOutcome.UNCHANGED: Action("registers.hardship.reviewed_unchanged", _("Reviewed: unchanged")),
    ReviewOutcome.CHANGED: Action("registers.hardship.reviewed_changed", _("Reviewed: changed")),
    ReviewOutcome.CLOSED: Action("registers.hardship.reviewed_closed", _("Reviewed: closed")),
}
HARDSHIP_EVIDENCE_ADDED = Action("registers.hardship.evidence_added", _("Evidence attached"))
HARDSHIP_SENSITIVE_VIEWED = Action("registers.hardship.sensitive_viewed", _("Sensitive details viewed"))

EXTRA_FIELD_CREATED = Action("registers.extra_field.created", _("Extra field added"))
EXTRA_FIELD_UPDATED = Action("registers.extra_field.updated", _("Extra field changed"))

STAFF_INVITED = Action("registers.staff.invited", _("Staff invited"))
STAFF_UPDATED = Action("registers.staff.updated", _("Staff changed"))
