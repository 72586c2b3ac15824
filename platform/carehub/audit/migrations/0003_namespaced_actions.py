"""Stored audit actions get their namespaced names (carehub.audit.actions): "approved" on an application
becomes "fund.application.approved". The rows are the same events; only the vocabulary changes. Opt-outs that
came from a member's SMS reply were recorded as coming from the portal; they now say "webhook", as new ones do."""

from django.db import migrations

# (object type, old action, new action)
RENAMES = [
    ('node', 'create', 'registers.node.created'),
    ('node', 'update', 'registers.node.updated'),
    ('node', 'move', 'registers.node.moved'),
    ('node', 'delete', 'registers.node.deleted'),
    ('member', 'create', 'registers.member.created'),
    ('member', 'update', 'registers.member.updated'),
    ('member', 'status', 'registers.member.status_changed'),
    ('member', 'transfer', 'registers.member.transferred'),
    ('hardshipentry', 'create', 'registers.hardship.created'),
    ('hardshipentry', 'review:unchanged', 'registers.hardship.reviewed_unchanged'),
    ('hardshipentry', 'review:changed', 'registers.hardship.reviewed_changed'),
    ('hardshipentry', 'review:closed', 'registers.hardship.reviewed_closed'),
    ('hardshipentry', 'evidence', 'registers.hardship.evidence_added'),
    ('hardshipentry', 'view-sensitive', 'registers.hardship.sensitive_viewed'),
    ('extrafield', 'create', 'registers.extra_field.created'),
    ('extrafield', 'update', 'registers.extra_field.updated'),
    ('staff', 'invite', 'registers.staff.invited'),
    ('staff', 'update', 'registers.staff.updated'),
    ('importbatch', 'import', 'imports.batch.imported'),
    ('member', 'export', 'imports.records.exported'),
    ('hardshipentry', 'export', 'imports.records.exported'),
    ('report', 'request', 'reports.run.requested'),
    ('report', 'download', 'reports.run.downloaded'),
    ('branding', 'set_logo', 'reports.branding.logo_set'),
    ('branding', 'clear_logo', 'reports.branding.logo_cleared'),
    ('fund', 'create', 'fund.fund.created'),
    ('fund', 'update', 'fund.fund.updated'),
    ('fund', 'close-period', 'fund.period.closed'),
    ('fund', 'disclosure-link', 'fund.disclosure.link_created'),
    ('fund', 'disclosure-revoke', 'fund.disclosure.link_revoked'),
    ('ledgerentry', 'post', 'fund.entry.posted'),
    ('ledgerentry', 'reverse', 'fund.entry.reversed'),
    ('ledgerentry', 'attachment', 'fund.entry.attachment_added'),
    ('application', 'create', 'fund.application.created'),
    ('application', 'update', 'fund.application.updated'),
    ('application', 'submitted', 'fund.application.submitted'),
    ('application', 'verified', 'fund.application.verified'),
    ('application', 'approved', 'fund.application.approved'),
    ('application', 'second_approved', 'fund.application.second_approved'),
    ('application', 'rejected', 'fund.application.rejected'),
    ('application', 'paid', 'fund.application.paid'),
    ('application', 'payment_reversed', 'fund.application.payment_reversed'),
    ('application', 'evidence', 'fund.application.evidence_added'),
    ('application', 'view-sensitive', 'fund.application.sensitive_viewed'),
    ('costsharerule', 'cost-sharing', 'fund.cost_sharing.updated'),
    ('costsharerule', 'delete', 'fund.cost_sharing.deleted'),
    ('staff', 'link-member', 'fund.staff.member_linked'),
    ('staff', 'unlink-member', 'fund.staff.member_unlinked'),
    ('rule', 'create', 'programme.rule.created'),
    ('rule', 'update', 'programme.rule.updated'),
    ('rule', 'activate', 'programme.rule.activated'),
    ('rule', 'deactivate', 'programme.rule.deactivated'),
    ('rule', 'generate', 'programme.rule.generated'),
    ('programmesettings', 'update', 'programme.settings.updated'),
    ('caretask', 'complete', 'programme.task.completed'),
    ('caretask', 'snooze', 'programme.task.snoozed'),
    ('caretask', 'cancel', 'programme.task.cancelled'),
    ('caretask', 'escalate', 'programme.task.escalated'),
    ('visit', 'create', 'programme.visit.created'),
    ('visit', 'photo', 'programme.visit.photo_added'),
    ('talk', 'create', 'programme.talk.created'),
    ('talk', 'view-confidential', 'programme.talk.confidential_viewed'),
    ('lifeevent', 'create', 'programme.life_event.recorded'),
    ('commendation', 'create', 'programme.commendation.created'),
    ('member', 'pair', 'programme.member.paired'),
    ('member', 'unpair', 'programme.member.unpaired'),
    ('message', 'queue', 'sms.message.queued'),
    ('notice', 'send', 'sms.notice.sent'),
    ('greeting', 'queue_sms', 'sms.greeting.queued'),
    ('optout', 'create', 'sms.optout.created'),
    ('optout', 'end', 'sms.optout.ended'),
    ('template', 'create', 'sms.template.saved'),
    ('template', 'update', 'sms.template.saved'),
    ('template', 'delete', 'sms.template.deleted'),
    ('smssettings', 'update', 'sms.settings.updated'),
    ('smssettings', 'set_account', 'sms.account.changed'),
    ('sendwindow', 'create', 'sms.window.set'),
    ('sendwindow', 'update', 'sms.window.set'),
    ('sendwindow', 'delete', 'sms.window.cleared'),
    ('supportconsent', 'support_consent', 'support.consent.granted'),
    ('supportconsent', 'support_revoke', 'support.consent.revoked'),
    ('supportconsent', 'support_enter', 'support.access.entered'),
    ('unitexport', 'export_download', 'support.export.downloaded'),
]
# The same old name meant two things; the changes tell them apart.
GREETING_CANCELLED_BY_SMS = "sms.greeting.cancelled"  # the SMS handover's batch event: changes has "greetings"
GREETING_CANCELLED = "programme.greeting.cancelled"
REACH_TASK_CREATED = "sms.reach_task.created"  # a task to reach a member whose SMS failed: changes has "message"


def forwards(apps, schema_editor):
    events = apps.get_model("audit", "AuditEvent").objects
    for object_type, old, new in RENAMES:
        events.filter(object_type=object_type, action=old).update(action=new)
    greetings = events.filter(object_type="greeting", action="cancel")
    greetings.filter(changes__has_key="greetings").update(action=GREETING_CANCELLED_BY_SMS)
    greetings.update(action=GREETING_CANCELLED)
    events.filter(object_type="caretask", action="create", changes__has_key="message").update(
        action=REACH_TASK_CREATED)
    events.filter(object_type="optout", action="sms.optout.created", changes__source=[None, "reply"]).update(
        source="webhook")


def backwards(apps, schema_editor):
    events = apps.get_model("audit", "AuditEvent").objects
    for object_type, old, new in reversed(RENAMES):
        events.filter(object_type=object_type, action=new).update(action=old)
    events.filter(action__in=[GREETING_CANCELLED_BY_SMS, GREETING_CANCELLED]).update(action="cancel")
    events.filter(action=REACH_TASK_CREATED).update(action="create")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_vocabulary")]
    operations = [migrations.RunPython(forwards, backwards)]
