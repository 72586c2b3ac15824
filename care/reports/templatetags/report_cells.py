"""{% load report_cells %}: a report's figure shown by its kind (care.reports.services.content)."""

from django import template

from care.reports.services.content import NUMERIC, shown

register = template.Library()


@register.filter
def cell(value, kind):
    return shown(value, kind)


@register.filter
def numeric(kind) -> bool:
    return kind in NUMERIC
