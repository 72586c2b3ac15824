import logging

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
        from care.programme import greetings
        from care.programme.signals import greetings_due, tasks_assigned
        from care.registers import audit_words, timeline
        from notifications import getting_started
        from notifications.api.webhooks import PushSecretFilter
        from notifications.health import failed_message_count
        from notifications.rendering import in_words
        from notifications.services.refusals import reasons
        from notifications.services.templates import greeting_choices, name_of
        from notifications.timeline import items_for
        from tenants.services.health import register_probe

        for name in ("django.request", "django.server"):  # their lines name the path: no push secret in them
            logging.getLogger(name).addFilter(PushSecretFilter())
        greetings.provide(choices=greeting_choices, name_of=name_of)
        audit_words.register("message", "refused", lambda refused: "; ".join(
            f"{reasons().get(code, code)}: {count}" for code, count in refused.items()))
        audit_words.register("template", "body", in_words)
        tasks_assigned.connect(announce_assigned, dispatch_uid="notifications.announce_assigned")
        greetings_due.connect(queue_greetings, dispatch_uid="notifications.queue_greetings")
        register_probe("failed_messages", failed_message_count)
        timeline.register(items_for)
        getting_started.register_steps()
