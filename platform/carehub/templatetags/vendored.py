"""{% load vendored %}: `{% vendored "idb" "umd.js" %}` is the static URL of a file vendored from the npm registry
(carehub.vendor), at its pinned version."""

from django import template
from django.templatetags.static import static

from carehub import vendor

register = template.Library()


@register.simple_tag
def vendored(name: str, file: str) -> str:
    return static(vendor.static_path(name, file))
