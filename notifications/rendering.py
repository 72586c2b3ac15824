"""Message texts with {variables}: the variables a template may use, rendering, and sample values for previews.

Only the names below are variables; anything else in braces is an error at save time (a typo such as
{member} would otherwise reach an elderly member's phone as it is). People read and write a variable by its word
in their language ({姓名}, {member name}); texts are stored with the names ({member_name}), which the API also
accepts, so a text written in either language sends the same."""

import re
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MEMBER_VARIABLES = ("member_name", "occasion", "date", "years", "visitor", "unit_name")
STAFF_VARIABLES = ("count", "tasks")
VARIABLES = MEMBER_VARIABLES + STAFF_VARIABLES
PATTERN = re.compile(r"\{(\w*)\}")
# Anything in braces, as people may type it (with spaces): what is neither a name nor a word is unknown.
BRACED = re.compile(r"\{\s*([^{}\n]*?)\s*\}")
WORDS = {
    "member_name": gettext_lazy("member name"),
    "occasion": gettext_lazy("festival"),
    "date": gettext_lazy("date"),
    "years": gettext_lazy("years in the Party"),
    "visitor": gettext_lazy("visitor"),
    "unit_name": gettext_lazy("unit name"),
    "count": gettext_lazy("number of tasks"),
    "tasks": gettext_lazy("task list"),
}
MEANINGS = {
    "member_name": gettext_lazy("the member's name"),
    "occasion": gettext_lazy("the festival or occasion"),
    "date": gettext_lazy("the date of the visit"),
    "years": gettext_lazy("how many years the member has been in the Party"),
    "visitor": gettext_lazy("who visits"),
    "unit_name": gettext_lazy("the unit's name"),
    "count": gettext_lazy("how many tasks are due (staff reminders)"),
    "tasks": gettext_lazy("the most urgent tasks (staff reminders)"),
}


@cache
def _names_by_word() -> dict[str, str]:
    """Every way to write each variable: its name and its word in each of the portal's languages."""
    names = {name.casefold(): name for name in VARIABLES}
    for code, _language in settings.LANGUAGES:
        with translation.override(code):
            names.update({str(word).casefold(): name for name, word in WORDS.items()})
    return names


def canonical(body: str) -> str:
    """`body` with each variable written as a word ({姓名}, {member name}) written as its name ({member_name})."""
    names = _names_by_word()

    def name(match):
        found = names.get(match.group(1).casefold())
        return f"{{{found}}}" if found else match.group(0)

    return BRACED.sub(name, body or "")


def in_words(body: str) -> str:
    """`body` as people read it: each {name} as its word in the active language."""
    return PATTERN.sub(lambda match: f"{{{WORDS[match.group(1)]}}}" if match.group(1) in WORDS else match.group(0),
                       body or "")


def words(names=VARIABLES) -> list[dict]:
    """The variables as the pages list them: {word} and what it stands for."""
    return [{"word": f"{{{WORDS[name]}}}", "meaning": MEANINGS[name]} for name in names]


def unknown_variables(body: str) -> list[str]:
    """What is in braces in `body` but no variable (by name or word), in order of appearance, each once."""
    names = _names_by_word()
    return list(dict.fromkeys(found for found in BRACED.findall(body or "") if found.casefold() not in names))


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
