"""A member's assistance for their profile's timeline: every step of their applications, and ledger entries naming
them outside applications (visit gifts, death care, donations). A source of care.registers.timeline (registered in
care.fund.apps), giving the fields of timeline items. Three queries.

And the fund's fact of the profile's care history panel (a summary source): what the member received this year.
One query."""

import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.fund import access
from care.fund.models import SPENDING_KINDS, LedgerEntry, Step
from care.fund.money import DEFAULT_CURRENCY, format_amount
from care.fund.services.disclosure import general_category
from care.fund.templatetags.money import money
from carehub.clock import unit_today


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


def summary_for(member, user) -> list[dict]:
    """The money paid out for the member from January 1 to today, as the timeline tells it: the payments of their
    applications (whoever sees the member sees those, whichever fund paid) and other spending naming them (visit
    gifts, death care) from the funds the user sees. Spending is negative in the ledger; reversals cancel it."""
    today = unit_today()
    totals = (LedgerEntry.objects.filter(Q(application__isnull=False) | Q(fund__in=access.visible_funds(user)),
                                         member=member, kind__in=SPENDING_KINDS,
                                         booked_on__range=(datetime.date(today.year, 1, 1), today))
              .values_list("fund__currency").annotate(total=Sum("amount")).order_by("fund__currency"))
    amounts = [(-total, currency) for currency, total in totals if total] or [(Decimal(0), DEFAULT_CURRENCY)]
    profile = reverse("portal:member_detail", args=[member.pk])
    return [{"order": 40, "key": "assistance", "label": _("Assistance received this year"),
             "value": format_html_join(pgettext("name separator", ", "), "{}", ((money(*pair),) for pair in amounts)),
             "url": f"{profile}?history=assistance#history"}]
