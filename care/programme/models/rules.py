"""Rules of a unit's care programme. A rule is a stable identity; what it does lives in immutable versions,
so that editing a rule never rewrites the tasks an earlier version produced: each item points at its version."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from care.programme.models.records import LifeEventKind


class Trigger(models.TextChoices):
    OCCASION = "occasion", _("Calendar occasion")
    ANNIVERSARY = "anniversary", _("Member anniversary")
    CADENCE = "cadence", _("Every few months")
    LIFE_EVENT = "life_event", _("Life event")


class Calendar(models.TextChoices):
    SOLAR = "solar", _("Solar (Gregorian)")
    LUNAR = "lunar", _("Lunar (Chinese)")


class AnniversaryOf(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    POLITICAL = "political_birthday", _("Political birthday (date joined)")


class TaskKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    TALK = "talk", _("Heart-to-heart talk")
    REVIEW = "hardship_review", _("Hardship review")
    DEATH_CARE = "death_care", _("Death care")
    # Made by the SMS engine when a member's number is undeliverable: reach them by phone or in person.
    REACH = "reach", _("Reach the member another way")


class Rule(models.Model):
    """A rule's identity. `key` names the preset it came from (blank for a unit's own rules)."""

    key = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    current = models.ForeignKey("RuleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="rule_key_unique")]

    def __str__(self):
        return self.current.name if self.current_id else f"rule {self.pk}"


class RuleVersion(models.Model):
    """What a rule does, as of one edit. Never changed once saved.

    Trigger fields by kind: occasion (calendar, month, day; `occasion` names a built-in one), anniversary
    (anniversary_of, prefer_lunar, round_every, round_years), cadence (every_months), life event (event_kind).
    The task opens `lead_days` before its occurrence and is due `due_days` after it; a cadence task is open for
    its whole period. `audience` holds the filters (see services.audience).
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    occasion = models.CharField(_("occasion"), max_length=30, blank=True)
    calendar = models.CharField(_("calendar"), max_length=5, choices=Calendar.choices, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)
    anniversary_of = models.CharField(_("anniversary of"), max_length=20, choices=AnniversaryOf.choices, blank=True)
    prefer_lunar = models.BooleanField(_("lunar birthday where recorded"), default=True)
    round_every = models.PositiveSmallIntegerField(_("only every N years"), null=True, blank=True)
    round_years = models.JSONField(_("only these anniversaries"), default=list, blank=True)
    every_months = models.PositiveSmallIntegerField(_("every N months"), null=True, blank=True)
    event_kind = models.CharField(_("life event"), max_length=20, choices=LifeEventKind.choices, blank=True)
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    task_kind = models.CharField(_("task"), max_length=16, choices=TaskKind.choices, blank=True)
    lead_days = models.PositiveSmallIntegerField(_("opens days before"), default=0)
    due_days = models.PositiveSmallIntegerField(_("due days after"), default=0)
    greeting_template = models.CharField(_("greeting template"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique")]

    def __str__(self):
        return f"{self.name} (v{self.number})"


class ProgrammeSettings(models.Model):
    """The unit's programme settings: one row per unit schema (pk 1)."""

    horizon_days = models.PositiveSmallIntegerField(_("days ahead to plan"), default=60)
    escalate_after_days = models.PositiveSmallIntegerField(_("escalate overdue tasks after (days)"), default=7)

    class Meta:
        verbose_name = _("programme settings")

    def __str__(self):
        return "programme settings"

    @classmethod
    def load(cls) -> "ProgrammeSettings":
        return cls.objects.get_or_create(pk=1)[0]
