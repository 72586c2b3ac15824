"""SMS template tags: whether the sandbox page is on, `{% member_sms member %}`, the SMS panel of a member's
profile (opt-out in force, sending window, contact plan and proxy, the latest ladders of channels, links and the
form to change them), so the registers' view needs no SMS code; `body|variable_words`: a message text with its
variables as people write them ({姓名}, not {member_name}); `rung.result|rung_result`: what a
rung of a ladder came to, in words."""

from django import template
from django.core.exceptions import PermissionDenied

from care.registers import access
from notifications import rendering
from notifications.portal.forms import ContactPlanForm
from notifications.services import contacts, ladder, sandbox_phones
from notifications.services.hours import window_of
from notifications.services.optouts import member_opt_out

register = template.Library()
RECENT_LADDERS = 5


@register.simple_tag
def sms_sandbox_enabled() -> bool:
    return sandbox_phones.enabled()


@register.inclusion_tag("notifications/_member_panel.html", takes_context=True)
def member_sms(context, member):
    user = context["request"].user
    window, own = window_of(member)
    plan = contacts.plan_of(member)
    return {"member": member, "phone": member.proxy_phone or member.phone, "opt_out": member_opt_out(member),
            "window": window, "own_window": own, "can_write": access.can_write(user), "plan": plan,
            "plan_form": ContactPlanForm(prefix="plan", initial={"preferred": plan.preferred,
                                                                 "reads_sms": plan.reads_sms})
            if _may_change(user, member) else None,
            "reaches": contacts.named(list(contacts.reaches_of_member(member)[:RECENT_LADDERS]))}


def _may_change(user, member) -> bool:
    try:
        access.require_write(user, member.node)
    except PermissionDenied:
        return False
    return True


@register.filter
def variable_words(body: str) -> str:
    return rendering.in_words(body)


@register.filter
def rung_result(result: str) -> str:
    return ladder.result_words(result)
