"""{% load phones %}: `{{ member.phone|phone_link }}` is the number in the form people write it, as a link that
dials it when tapped on a phone (tel: with the full international number); `{{ phone|local_phone }}` is the
number in that form as text."""

from django import template
from django.utils.html import format_html

from carehub.phones import shown_phone

register = template.Library()


@register.filter
def phone_link(phone: str):
    if not phone:
        return "—"
    return format_html('<a href="tel:{}" class="phone">{}</a>', phone, shown_phone(phone))


@register.filter
def local_phone(phone: str) -> str:
    return shown_phone(phone) if phone else "—"
