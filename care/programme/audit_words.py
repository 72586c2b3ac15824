"""A rule's audit records in words (care.registers.audit_words, registered in care.programme.apps): the occasion
and the greeting by name, and the audience as the rule form asks for it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from care.programme import greetings
from care.programme.calendar import OCCASIONS_BY_KEY
from care.programme.services.audience import ANY_HARDSHIP
from care.registers import audit_words
from care.registers.models import ExtraField, HardshipCategory, MemberStatus, Node
from care.registers.portal.conditions import OPERATOR_WORDS

BOUNDS = {"age_min": gettext_lazy("Aged at least"), "age_max": gettext_lazy("Aged at most"),
          "years_min": gettext_lazy("Member for at least (years)"),
          "years_max": gettext_lazy("Member for at most (years)")}
OPERATORS = {"": "eq", "__gte": "gte", "__lte": "lte"}


def occasion_words(key) -> str:
    occasion = OCCASIONS_BY_KEY.get(key)
    return str(occasion.label) if occasion else str(key)


def audience_words(audience) -> str:
    """{"age_min": 80, "hardship": ["any"], "extra": [{"key": "rank", "op": "__gte", ...}]} -> "Aged at least:
    80; In the hardship ledger: any category; 职级 is at least 3"."""
    separator = pgettext("name separator", ", ")
    parts = [f"{BOUNDS[key]}: {audience[key]}" for key in BOUNDS if audience.get(key) is not None]
    if statuses := audience.get("statuses"):
        parts.append(f"{_('Status')}: {separator.join(str(MemberStatus(s).label) for s in statuses)}")
    if hardship := audience.get("hardship"):
        names = [_("Any category") if c == ANY_HARDSHIP else str(HardshipCategory(c).label) for c in hardship]
        parts.append(f"{_('In the hardship ledger')}: {separator.join(names)}")
    if node := audience.get("node"):
        parts.append(f"{_('Organisation')}: {Node.objects.filter(pk=node).values_list('name', flat=True).first()}")
    if audience.get("uses_smartphone") is not None:
        parts.append(f"{_('Uses a smartphone')}: {_('Yes') if audience['uses_smartphone'] else _('No')}")
    labels = dict(ExtraField.objects.values_list("key", "label")) if audience.get("extra") else {}
    for item in audience.get("extra", []):
        words = dict(OPERATOR_WORDS[item["kind"]]).get(OPERATORS.get(item["op"], "eq"), "")
        parts.append(f"{labels.get(item['key'], item['key'])} {words} {item['value']}")
    return "; ".join(parts) or _("All members")


def register() -> None:
    audit_words.register("rule", "occasion", occasion_words)
    audit_words.register("rule", "greeting_template", greetings.name_of)
    audit_words.register("rule", "audience", audience_words)
