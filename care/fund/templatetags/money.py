"""{% load money %}: amounts as the fund shows them (¥1,234.50), from the Decimal, never through a float."""

from django import template

from care.fund.money import DEFAULT_CURRENCY, format_amount

register = template.Library()


@register.filter
def money(amount, currency=DEFAULT_CURRENCY):
    return format_amount(amount, currency or DEFAULT_CURRENCY)


@register.filter
def money_abs(amount, currency=DEFAULT_CURRENCY):
    """The size of an amount whose direction a column already says (money out)."""
    return format_amount(abs(amount), currency or DEFAULT_CURRENCY)
