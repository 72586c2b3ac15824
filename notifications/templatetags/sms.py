"""SMS template tags: whether the sandbox page is on, `{% member_sms member %}`, the SMS panel of a member's
profile (opt-out in force, sending window, links to change them), so the registers' view needs no SMS code, and
`body|variable_words`: a message text with its variables as people write them ({姓名}, not {member_name})."""

from django import template

from care.registers import access
from notifications import rendering
from notifications.services import sandbox_phones
from notifications.services.hours import window_of
from notifications.services.optouts import member_opt_out

register = template.Library()


@register.simple_tag
def sms_sandbox_enabled() -> bool:
    return sandbox_phones.enabled()


@register.inclusion_tag("notifications/_member_panel.html", takes_context=True)
def member_sms(context, member):
    window, own = window_of(member)
    return {"member": member, "phone": member.proxy_phone or member.phone, "opt_out": member_opt_out(member),
            "window": window, "own_window": own, "can_write": access.can_write(context["request"].user)}


@register.filter
def variable_words(body: str) -> str:
    return rendering.in_words(body)
