"""What the rules produce: care tasks and greetings, one per rule, member and occurrence.

Uniqueness is enforced by the database (partial unique constraints), and generation inserts with
ON CONFLICT DO NOTHING, so reruns, retries and concurrent runs can never create a second item."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from care.programme.models.records import LifeEvent, Talk, Visit
from care.programme.models.rules import Rule, RuleVersion, TaskKind
from care.registers.models import Member


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CareTask(models.Model):
    """A visit, talk, hardship review or death care due for a member.

    `occurs_on` is the occurrence that produced it (the occasion, the anniversary, the start of the cadence's
    period, the life event's date); the task is open from `opens_on` and due by `due_on`, or by
    `snoozed_until` when snoozed."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="tasks")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="tasks")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_tasks", verbose_name=_("member"))
    event = models.ForeignKey(LifeEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=16, choices=TaskKind.choices)
    occurs_on = models.DateField(_("occasion date"))
    opens_on = models.DateField(_("opens"))
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="care_tasks", verbose_name=_("assigned to"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="escalated_tasks", verbose_name=_("escalated to"))
    escalated_at = models.DateTimeField(null=True, blank=True)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    talk = models.ForeignKey(Talk, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [
            models.UniqueConstraint(fields=["rule", "member", "occurs_on"], condition=Q(event__isnull=True),
                                    name="task_once_per_occurrence"),
            models.UniqueConstraint(fields=["rule", "member", "event"], condition=Q(event__isnull=False),
                                    name="task_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["member", "status"]),
            models.Index(fields=["escalated_to", "status"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.member}"


class GreetingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Greeting(models.Model):
    """A greeting to send to a member on `send_on` with message template `template`. Sending belongs to the
    notifications app; members without a smartphone are flagged for SMS."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="greetings")
    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="greetings")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="greetings", verbose_name=_("member"))
    send_on = models.DateField(_("date"))
    template = models.CharField(_("template"), max_length=40)
    via_sms = models.BooleanField(_("by SMS"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=GreetingStatus.choices,
                              default=GreetingStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["send_on", "pk"]
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")
        constraints = [models.UniqueConstraint(fields=["rule", "member", "send_on"], name="greeting_once")]
        indexes = [models.Index(fields=["status", "send_on"])]

    def __str__(self):
        return f"{self.template} → {self.member} {self.send_on}"
