"""What the care programme records in the audit trail (see carehub.audit.actions): one constant per action."""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

RULE_CREATED = Action("programme.rule.created", _("Rule created"))
RULE_UPDATED = Action("programme.rule.updated", _("Rule changed (new version)"))
RULE_ACTIVATED = Action("programme.rule.activated", _("Rule switched on"))
RULE_DEACTIVATED = Action("programme.rule.deactivated", _("Rule switched off"))
RULE_GENERATED = Action("programme.rule.generated", _("Tasks and greetings planned"))
RULES_REVIEWED = Action("programme.rules.reviewed", _("Rules looked through"))
SETTINGS_UPDATED = Action("programme.settings.updated", _("Programme settings changed"))

TASK_COMPLETED = Action("programme.task.completed", _("Task completed"))
TASK_SNOOZED = Action("programme.task.snoozed", _("Task postponed"))
TASK_CANCELLED = Action("programme.task.cancelled", _("Task cancelled"))
TASK_ESCALATED = Action("programme.task.escalated", _("Task escalated"))
TASK_ASSIGNED = Action("programme.task.assigned", _("Task assigned"))
GREETING_CANCELLED = Action("programme.greeting.cancelled", _("Greeting cancelled"))

VISIT_CREATED = Action("programme.visit.created", _("Visit recorded"))
VISIT_PHOTO_ADDED = Action("programme.visit.photo_added", _("Visit photo added"))
TALK_CREATED = Action("programme.talk.created", _("Talk recorded"))
TALK_CONFIDENTIAL_VIEWED = Action("programme.talk.confidential_viewed", _("Confidential notes read"))
LIFE_EVENT_RECORDED = Action("programme.life_event.recorded", _("Life event recorded"))
COMMENDATION_CREATED = Action("programme.commendation.created", _("Commendation recorded"))
MEMBER_PAIRED = Action("programme.member.paired", _("Partner assigned"))
MEMBER_UNPAIRED = Action("programme.member.unpaired", _("Pairing ended"))
VISIT_REQUESTED = Action("programme.visit.requested", _("Member asked for a visit"))
