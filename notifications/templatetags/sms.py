"""SMS template tags: whether the sandbox page is on, `{% member_sms member %}`, the SMS panel of a member's
profile (opt-out in force, sending window, contact plan and proxy, the latest ladders of channels, links and the
form to change them), so the registers' view needs no SMS code; `body|variable_words`: a message text with its
variables as people write them ({姓名}, not {member_name}); `rung|rung_state`: what a
rung of a ladder came to, or where its message is while on its way, in words."""

from django import template
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from care.registers import access
from carehub.clock import unit_zone
from notifications import rendering
from notifications.models import LadderEnd, RungKind, Status
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
    return {"member": member, "first": _first_tried(member, plan), "opt_out": member_opt_out(member),
            "window": window, "own_window": own, "can_write": access.can_write(user), "plan": plan,
            "plan_form": ContactPlanForm(prefix="plan", initial={"preferred": plan.preferred,
                                                                 "reads_sms": plan.reads_sms})
            if _may_change(user, member) else None,
            "reaches": contacts.named(list(contacts.reaches_of_member(member)[:RECENT_LADDERS]))}


def _first_tried(member, plan) -> list[tuple[str, str]]:
    """(rung in words, phone) of the first step of the member's ladder: where their messages go first."""
    steps = ladder.steps(member, ladder.Plan(plan.preferred, plan.reads_sms), LadderEnd.TASK)
    return [(RungKind(kind).label, ladder.target(kind, member)[1]) for kind in steps[0]]


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
def rung_state(rung) -> str:
    """What a rung came to; while on its way, its message's status, and until when it waits (a sending window, a
    daily cap, a call's next try), in the unit's time."""
    message = rung.message
    if rung.result or message is None:
        return ladder.result_words(rung.result)
    if message.status == Status.PENDING and message.not_before > timezone.now():
        at = date_format(timezone.localtime(message.not_before, unit_zone()), "m-d H:i")
        return _("%(status)s until %(at)s") % {"status": message.get_status_display(), "at": at}
    return message.get_status_display()
