"""`{% member_programme member %}`: the programme panel of a member's profile (partner, open tasks, buttons to
record care work). A tag, so the registers' profile view needs no knowledge of the programme. And
`version|trigger_words`: when a rule fires, in words; `{% due_words task today %}`: when a task is due, in words;
`key|greeting_name`: a greeting by its name."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from care.programme import greetings
from care.programme.calendar import OCCASIONS_BY_KEY
from care.programme.models import Trigger
from care.programme.services.pairing import current_partner
from care.programme.services.tasks import with_effective_due
from care.registers import access
from carehub.clock import unit_today

register = template.Library()


@register.inclusion_tag("programme/_member_panel.html", takes_context=True)
def member_programme(context, member):
    user = context["request"].user
    tasks = with_effective_due(member.care_tasks.filter(status="open")).select_related("version")
    return {"member": member, "partner": current_partner(member), "today": unit_today(),
            "tasks": tasks.order_by("effective_due", "pk")[:20], "can_write": access.can_write(user)}


@register.filter
def trigger_words(version) -> str:
    """When a rule fires, in words: "Double Ninth (Seniors' Day)", "Birthday, every 10 years", "Every 3 months",
    "Life event: hospitalised". The rules list shows this instead of only the kind of trigger."""
    if version is None:  # a rule still being set up has no version yet
        return ""
    if version.trigger == Trigger.OCCASION:
        occasion = OCCASIONS_BY_KEY.get(version.occasion)
        if occasion:
            return str(occasion.label)
        return _("%(calendar)s, month %(month)s day %(day)s") % {
            "calendar": version.get_calendar_display(), "month": version.month, "day": version.day}
    if version.trigger == Trigger.ANNIVERSARY:
        words = str(version.get_anniversary_of_display())
        if version.round_years:
            years = pgettext("name separator", ", ").join(str(year) for year in version.round_years)
            return _("%(anniversary)s: years %(years)s") % {"anniversary": words, "years": years}
        if version.round_every:
            return _("%(anniversary)s, every %(every)d years") % {"anniversary": words, "every": version.round_every}
        return words
    if version.trigger == Trigger.CADENCE:
        return ngettext("Every month", "Every %(count)d months", version.every_months or 1) % {
            "count": version.every_months or 1}
    return _("Life event: %(kind)s") % {"kind": version.get_event_kind_display()}


@register.simple_tag
def due_words(task, today) -> str:
    """"Overdue 3 days", "Due today" or "Due Friday 05-16": when an open task is (or was) due, by its snooze date
    where it has one."""
    due = task.snoozed_until or task.due_on
    late = (today - due).days
    if late > 0:
        return format_html('<span class="overdue">{}</span>', ngettext(
            "Overdue %(days)d day", "Overdue %(days)d days", late) % {"days": late})
    if late == 0:
        return format_html('<strong class="due-today">{}</strong>', _("Due today"))
    return _("Due %(weekday)s %(date)s") % {"weekday": date_format(due, "l"), "date": date_format(due, "m-d")}


@register.filter
def greeting_name(key: str) -> str:
    """A greeting's name ("Birthday greeting"), never its template key."""
    return greetings.name_of(key)
