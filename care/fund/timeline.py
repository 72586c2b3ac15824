"""A member's assistance for their profile's timeline: every step of their applications, and ledger entries naming
them outside applications (visit gifts, death care, donations). A source of care.registers.timeline (registered in
care.fund.apps), giving the fields of timeline items. Three queries."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.fund import access
from care.fund.models import Step
from care.fund.money import format_amount
from care.fund.services.disclosure import general_category


def items_for(member, user) -> list[dict]:
    sight = access.sight_of(user)
    steps = (Step.objects.filter(application__member=member)
             .select_related("application__fund", "actor").order_by("at", "pk"))
    items = []
    for step in steps:
        application = step.application
        shown = sight.details(application)
        category = application.get_category_display() if shown else general_category(application.category)
        title = _("Assistance application #%(id)s (%(category)s): %(action)s") % {
            "id": application.pk, "category": category, "action": step.get_action_display()}
        if step.amount is not None:
            title += f" · {format_amount(step.amount, application.fund.currency)}"
        items.append({"day": timezone.localdate(step.at), "at": step.at, "kind": "assistance", "title": title,
                      "note": step.note if shown else "", "by": step.actor.get_full_name(),
                      "url": reverse("fund:application", args=[application.pk])})
    entries = access.visible_entries(user).filter(member=member, application__isnull=True).select_related(
        "fund", "created_by")
    for entry in entries:
        items.append({"day": entry.booked_on, "at": entry.created_at, "kind": "assistance",
                      "title": f"{entry.get_kind_display()} · {format_amount(entry.amount, entry.fund.currency)}",
                      "note": entry.fund.name, "by": entry.created_by.get_full_name(),
                      "url": reverse("fund:entry", args=[entry.pk])})
    return items
