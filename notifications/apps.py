from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def announce_assigned(sender, tasks, **kwargs):
    """care.programme tasks_assigned: the assignees hear of their new life-event tasks by SMS at once."""
    from notifications.services.reminders import notify_assigned

    notify_assigned(tasks)


def queue_greetings(sender, actor, today, **kwargs):
    """care.programme greetings_due: today's SMS greetings into the outbox."""
    from notifications.services.greetings import queue_due_greetings

    queue_due_greetings(actor, today)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Messages")

    def ready(self):
        # The programme is below us: it plans tasks and greetings and signals; the SMS are sent from here.
        from care.programme.signals import greetings_due, tasks_assigned
        from notifications.health import failed_message_count
        from tenants.services.health import register_probe

        tasks_assigned.connect(announce_assigned, dispatch_uid="notifications.announce_assigned")
        greetings_due.connect(queue_greetings, dispatch_uid="notifications.queue_greetings")
        register_probe("failed_messages", failed_message_count)
