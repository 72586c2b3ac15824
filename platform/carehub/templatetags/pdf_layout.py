"""Template tags of the shared PDF layout (pdf/base.html)."""

import json
import re

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_COUNTER = re.compile(r"%\((page|pages)\)s")


def css_string(text: str) -> str:
    """A CSS string literal; JSON's escaping of quotes and backslashes is valid CSS, and "<" is escaped too so
    the value cannot close the <style> element it sits in."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\3c ")


@register.simple_tag
def page_counter_content() -> str:
    """The `content` value of the page-number margin box, translated: "第 N 页 / 共 M 页" in Chinese."""
    parts = []
    for index, piece in enumerate(_COUNTER.split(_("Page %(page)s of %(pages)s"))):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return mark_safe(" ".join(parts))  # noqa: S308 - built from escaped CSS strings only
