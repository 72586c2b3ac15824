"""{% load money %}: amounts as the fund shows them (¥1,234.50), from the Decimal, never through a float.

On a page an amount is one unbreakable piece (`span.money`, white-space: nowrap): a narrow phone column must
not show "¥120," on one line and "025.00" on the next.
"""

from django import template
from django.utils.html import format_html

from care.fund.money import DEFAULT_CURRENCY, format_amount

register = template.Library()


def _on_page(text: str) -> str:
    return format_html('<span class="money">{}</span>', text)


@register.filter
def money(amount, currency=DEFAULT_CURRENCY):
    return _on_page(format_amount(amount, currency or DEFAULT_CURRENCY))


@register.filter
def money_abs(amount, currency=DEFAULT_CURRENCY):
    """The size of an amount whose direction a column already says (money out)."""
    return _on_page(format_amount(abs(amount), currency or DEFAULT_CURRENCY))
