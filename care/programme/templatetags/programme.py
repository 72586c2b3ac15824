"""`{% member_programme member %}`: the programme panel of a member's profile (partner, open tasks, buttons to
record care work). A tag, so the registers' profile view needs no knowledge of the programme."""

from django import template

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
