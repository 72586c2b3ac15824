"""Rules: validate, create, edit (a new version; only future open items are replaced), switch on and off, and
preview what a rule would produce. Rules configure the whole unit, so only unit admins change them."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.programme.actions import (
    RULE_ACTIVATED,
    RULE_CREATED,
    RULE_DEACTIVATED,
    RULE_UPDATED,
    RULES_REVIEWED,
    SETTINGS_UPDATED,
)
from care.programme.calendar import OCCASIONS_BY_KEY
from care.programme.models import (
    AnniversaryOf,
    Calendar,
    CareTask,
    Greeting,
    GreetingStatus,
    LifeEventKind,
    ProgrammeSettings,
    Rule,
    RuleVersion,
    TaskKind,
    TaskStatus,
    Trigger,
)
from care.programme.services import runs
from care.programme.services.audience import clean_audience
from care.programme.services.generation import preview_counts
from care.programme.services.runs import window_for
from care.registers import access
from carehub.audit.models import AuditEvent
from carehub.audit.services import acting_user, changing, diff, event, record
from carehub.clock import unit_today
from carehub.dates import read_day

VERSION_FIELDS = ["name", "trigger", "occasion", "calendar", "month", "day", "anniversary_of", "prefer_lunar",
                  "round_every", "round_years", "every_months", "event_kind", "audience", "task_kind", "lead_days",
                  "due_days", "greeting_template"]
CADENCES = (1, 2, 3, 4, 6, 12)  # months that divide a year, so periods align on January 1
SETTING_FIELDS = ["horizon_days", "escalate_after_days"]
PREVIEW_ROWS = 20


def _number(data, key, errors, low, high, default=None):
    value = data.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number
    except (TypeError, ValueError):
        errors[key] = _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return default


def _clean_occasion(data, cleaned, errors):
    occasion = OCCASIONS_BY_KEY.get(data.get("occasion") or "")
    if occasion:
        cleaned.update(occasion=occasion.key, calendar=occasion.calendar, month=occasion.month, day=occasion.day)
        return
    if data.get("occasion"):
        errors["occasion"] = _("Unknown occasion.")
    cleaned["calendar"] = data.get("calendar") or Calendar.SOLAR
    if cleaned["calendar"] not in Calendar.values:
        errors["calendar"] = _("Choose the solar or the lunar calendar.")
    cleaned["month"] = _number(data, "month", errors, 1, 12)
    cleaned["day"] = _number(data, "day", errors, 1, 31 if cleaned["calendar"] == Calendar.SOLAR else 30)
    if cleaned["month"] is None and "month" not in errors:
        errors["month"] = _("Choose an occasion, or give its month and day.")
    if cleaned["day"] is None and "day" not in errors:
        errors["day"] = _("Choose an occasion, or give its month and day.")


def _clean_anniversary(data, cleaned, errors):
    cleaned["anniversary_of"] = data.get("anniversary_of") or ""
    if cleaned["anniversary_of"] not in AnniversaryOf.values:
        errors["anniversary_of"] = _("Choose the birthday or the political birthday.")
    cleaned["prefer_lunar"] = bool(data.get("prefer_lunar", True))
    cleaned["round_every"] = _number(data, "round_every", errors, 1, 100)
    try:
        years = data.get("round_years") or []
        years = [int(year) for year in (years.replace(",", " ").split() if isinstance(years, str) else years)]
        if any(not 1 <= year <= 120 for year in years):
            raise ValueError
        cleaned["round_years"] = sorted(set(years))
    except (TypeError, ValueError):
        errors["round_years"] = _("Give anniversaries as whole numbers, such as 50 60 70.")


def clean_rule(data: dict) -> dict:
    """Validate a rule's settings; returns the fields of a version, or raises ValidationError by field."""
    errors: dict = {}
    cleaned = {"name": (data.get("name") or "").strip(), "occasion": "", "calendar": "", "month": None, "day": None,
               "anniversary_of": "", "prefer_lunar": True, "round_every": None, "round_years": [],
               "every_months": None, "event_kind": ""}
    if not cleaned["name"]:
        errors["name"] = _("The rule needs a name.")
    trigger = cleaned["trigger"] = data.get("trigger") or ""
    if trigger == Trigger.OCCASION:
        _clean_occasion(data, cleaned, errors)
    elif trigger == Trigger.ANNIVERSARY:
        _clean_anniversary(data, cleaned, errors)
    elif trigger == Trigger.CADENCE:
        cleaned["every_months"] = _number(data, "every_months", errors, 1, 12)
        if cleaned["every_months"] not in CADENCES and "every_months" not in errors:
            errors["every_months"] = _("Choose 1, 2, 3, 4, 6 or 12 months.")
    elif trigger == Trigger.LIFE_EVENT:
        cleaned["event_kind"] = data.get("event_kind") or ""
        if cleaned["event_kind"] not in LifeEventKind.values:
            errors["event_kind"] = _("Choose a life event.")
    else:
        errors["trigger"] = _("Choose a trigger.")
    cleaned["task_kind"] = data.get("task_kind") or ""
    if cleaned["task_kind"] and cleaned["task_kind"] not in TaskKind.values:
        errors["task_kind"] = _("Unknown task.")
    cleaned["greeting_template"] = (data.get("greeting_template") or "").strip()
    if trigger == Trigger.LIFE_EVENT and cleaned["greeting_template"]:
        errors["greeting_template"] = _("Life events produce tasks, not greetings.")
    if not cleaned["task_kind"] and not cleaned["greeting_template"] and "task_kind" not in errors:
        errors["task_kind"] = _("Choose a task, a greeting template, or both.")
    if cleaned["task_kind"] == TaskKind.DEATH_CARE and cleaned.get("event_kind") != LifeEventKind.DEATH:
        errors["task_kind"] = _("Death care follows the life event “death of the member”.")
    cleaned["lead_days"] = _number(data, "lead_days", errors, 0, 90, 0)
    cleaned["due_days"] = _number(data, "due_days", errors, 0, 365, 0)
    try:
        cleaned["audience"] = clean_audience(data.get("audience"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def version_data(version: RuleVersion | None) -> dict:
    """A version's settings, as clean_rule takes them."""
    return {name: getattr(version, name) for name in VERSION_FIELDS} if version else {}


def replace_future(rule: Rule, today=None) -> int:
    """Remove the rule's items that lie ahead and nobody has acted on; returns how many."""
    today = today or unit_today()
    tasks, _detail = CareTask.objects.filter(rule=rule, status=TaskStatus.OPEN, snoozed_until__isnull=True,
                                             escalated_at__isnull=True, occurs_on__gt=today).delete()
    greetings, _detail = Greeting.objects.filter(rule=rule, status=GreetingStatus.PENDING,
                                                 send_on__gt=today).delete()
    return tasks + greetings


def create_rule(actor, data: dict, *, key: str = "", generate: bool = True) -> Rule:
    if actor is not None:
        access.require_admin(actor)
    cleaned = clean_rule(data)
    with transaction.atomic():
        rule = Rule.objects.create(key=key)
        rule.current = RuleVersion.objects.create(rule=rule, number=1, created_by=acting_user(actor), **cleaned)
        rule.save(update_fields=["current"])
        record(actor, RULE_CREATED, rule, diff({}, cleaned))
        if generate:
            runs.generate(actor, rules=[rule])
    return rule


def update_rule(actor, rule: Rule, data: dict, *, today=None) -> Rule:
    """A new version when something changed; the rule's future open items are replaced by the new version's."""
    access.require_admin(actor)
    if {"calendar", "month", "day"} & set(data) and "occasion" not in data:
        data = {**data, "occasion": ""}  # a date of one's own replaces the built-in occasion
    cleaned = clean_rule({**version_data(rule.current), **data})
    with transaction.atomic():
        rule = Rule.objects.select_for_update(of=("self",)).select_related("current").get(pk=rule.pk)
        changes = diff(version_data(rule.current), cleaned)
        if not changes:
            return rule
        rule.current = RuleVersion.objects.create(rule=rule, number=rule.current.number + 1,
                                                  created_by=acting_user(actor), **cleaned)
        rule.save(update_fields=["current"])
        replaced = replace_future(rule, today)
        if rule.is_active:
            runs.generate(actor, today=today, rules=[rule])
        record(actor, RULE_UPDATED, rule, {**changes, "version": [rule.current.number - 1, rule.current.number],
                                           "replaced": [replaced, 0]})
    return rule


def set_active(actor, rule: Rule, active: bool, *, today=None) -> Rule:
    """Switching a rule off removes its future open items; switching it on generates them again."""
    access.require_admin(actor)
    with changing(actor, RULE_ACTIVATED if active else RULE_DEACTIVATED, rule, ["is_active"]) as change:
        rule = change.instance
        if rule.is_active != active:
            rule.is_active = active
            rule.save(update_fields=["is_active"])
            removed = 0 if active else replace_future(rule, today)
            if active:
                runs.generate(actor, today=today, rules=[rule])
            change.extra["replaced"] = [removed, 0]
    return rule


# What shows that someone has looked at the rules: saying so, or changing one. The preset rules themselves are
# created at onboarding with no one acting.
REVIEWING = [RULES_REVIEWED, RULE_CREATED, RULE_UPDATED, RULE_ACTIVATED, RULE_DEACTIVATED]


def mark_reviewed(actor) -> None:
    """An admin says they have looked through the rules (the preset ones included) and they suit the unit."""
    access.require_admin(actor)
    with transaction.atomic():
        event(actor, RULES_REVIEWED, object_type=Rule._meta.model_name).save()


def rules_reviewed() -> bool:
    return AuditEvent.objects.filter(action__in=REVIEWING, actor__isnull=False).exists()


@dataclass
class PreviewRow:
    member_id: int
    member: str
    node: str
    day: datetime.date
    opens_on: datetime.date
    due_on: datetime.date
    assignee: str


@dataclass
class Preview:
    horizon: int
    tasks: int
    greetings: int
    rows: list[PreviewRow]


def preview(actor, data: dict, *, today=None) -> Preview:
    """What a rule with these settings would produce in the horizon, within the actor's scope: counts and the
    first rows (the tasks, or the greetings of a greeting-only rule). Nothing is written."""
    path = access.root_path(actor)
    if path is None:
        raise ValidationError(_("You see no members."))
    version = RuleVersion(rule_id=0, pk=0, **clean_rule(data))
    window = window_for(today)
    tasks, greetings, rows = preview_counts(version, window, scope=path, limit=PREVIEW_ROWS)
    dates = ("day", "opens_on", "due_on")
    rows = [PreviewRow(**{**row, **{key: read_day(row[key]) for key in dates}}) for row in rows]
    return Preview(window.horizon, tasks, greetings, rows)


def update_settings(actor, *, horizon_days=None, escalate_after_days=None) -> ProgrammeSettings:
    access.require_admin(actor)
    errors = {}
    for name, value, high in (("horizon_days", horizon_days, 366), ("escalate_after_days", escalate_after_days, 90)):
        if value is not None and not (1 if name == "horizon_days" else 0) <= int(value) <= high:
            errors[name] = _("Give a whole number up to %(high)d.") % {"high": high}
    if errors:
        raise ValidationError(errors)
    with changing(actor, SETTINGS_UPDATED, ProgrammeSettings.load(), SETTING_FIELDS,
                  object_type="programmesettings") as change:
        settings = change.instance
        settings.horizon_days = int(horizon_days if horizon_days is not None else settings.horizon_days)
        settings.escalate_after_days = int(escalate_after_days if escalate_after_days is not None
                                           else settings.escalate_after_days)
        settings.save()
    return settings
