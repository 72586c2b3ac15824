from django import template

from ..portal.texts import sandbox_enabled

register = template.Library()


@register.simple_tag
def sms_sandbox_enabled() -> bool:
    return sandbox_enabled()
