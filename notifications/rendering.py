"""Message texts with {variables}: the variables a template may use, rendering, and sample values for previews.

Only the names below are variables; anything else in braces is an error at save time (a typo such as
{member} would otherwise reach an elderly member's phone as it is)."""

import re

from django.utils.translation import gettext as _

MEMBER_VARIABLES = ("member_name", "occasion", "date", "years", "visitor", "unit_name")
STAFF_VARIABLES = ("count", "tasks")
VARIABLES = MEMBER_VARIABLES + STAFF_VARIABLES
PATTERN = re.compile(r"\{(\w*)\}")


def unknown_variables(body: str) -> list[str]:
    """The {names} in `body` that are not variables, in order of appearance, each once."""
    return list(dict.fromkeys(name for name in PATTERN.findall(body or "") if name not in VARIABLES))


def render(body: str, context: dict) -> str:
    """`body` with each {variable} replaced by its value in `context` (empty when the context lacks it); other
    braces are left as they are."""
    def value(match):
        name = match.group(1)
        return str(context.get(name, "")) if name in VARIABLES else match.group(0)

    return PATTERN.sub(value, body or "")


def sample_context() -> dict:
    """Values for live previews, in the active language."""
    return {"member_name": _("Wang Jianguo"), "occasion": _("Double Ninth (Seniors' Day)"), "date": "2026-10-18",
            "years": "50", "visitor": _("Li Hua"), "unit_name": _("Ganjingzi District Committee"), "count": "4",
            "tasks": _("Visit Wang Jianguo (due 10-18)")}
