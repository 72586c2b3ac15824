"""What the SMS engine records in the audit trail (see carehub.audit.actions): one constant per action."""

from django.utils.translation import gettext_lazy as _

from carehub.audit.actions import Action

MESSAGE_QUEUED = Action("sms.message.queued", _("SMS queued"))
NOTICE_SENT = Action("sms.notice.sent", _("Notice sent"))
GREETING_QUEUED = Action("sms.greeting.queued", _("Greeting handed to SMS"))
GREETING_CANCELLED = Action("sms.greeting.cancelled", _("Greeting not sent by SMS"))
REACH_TASK_CREATED = Action("sms.reach_task.created", _("Task to reach a member another way created"))
CALL_QUEUED = Action("sms.call.queued", _("Voice call queued"))
CALL_KEY_PRESSED = Action("sms.call.key_pressed", _("Key pressed in a voice call"))
LADDER_CLIMBED = Action("sms.ladder.climbed", _("Message tried by the next channel"))
LADDER_ENDED = Action("sms.ladder.ended", _("Ladder of channels ended"))
CONTACT_PLAN_SET = Action("sms.contact_plan.set", _("Member's contact plan changed"))
LADDERS_SET = Action("sms.ladders.set", _("Ladders of channels changed"))

OPTOUT_CREATED = Action("sms.optout.created", _("SMS opt-out recorded"))
OPTOUT_ENDED = Action("sms.optout.ended", _("SMS opt-out ended"))

TEMPLATE_SAVED = Action("sms.template.saved", _("Message template saved"))
TEMPLATE_DELETED = Action("sms.template.deleted", _("Message template removed"))
SETTINGS_UPDATED = Action("sms.settings.updated", _("SMS settings changed"))
SETTINGS_CONFIRMED = Action("sms.settings.confirmed", _("SMS settings saved unchanged"))
ACCOUNT_CHANGED = Action("sms.account.changed", _("SMS sending account changed"))
PROVIDER_CHANGED = Action("sms.provider.changed", _("SMS provider changed"))
PUSH_ADDRESSES_RENEWED = Action("sms.push.renewed", _("Alibaba Cloud push addresses renewed"))
WINDOW_SET = Action("sms.window.set", _("Member's sending window set"))
WINDOW_CLEARED = Action("sms.window.cleared", _("Member's sending window removed"))
