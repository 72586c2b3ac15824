# ruff: noqa: S608 - identifiers come from model metadata and constants; every value is a bound parameter.
"""A rule's audience: validated filters (stored on the rule version) and their SQL.

The filters are rendered as one SQL condition on the member `m`, its node `n` and the occurrence day `o.day`
(ages and years of membership are counted on the day of the occurrence), so that generation and previews compute
a whole audience in one statement, never member by member.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from care.registers.models import ExtraField, ExtraFieldKind, HardshipCategory, MemberStatus, Node

ANY_HARDSHIP = "any"
# Never in an audience; deceased members are allowed only for death care.
EXCLUDED = [MemberStatus.DECEASED, MemberStatus.MOVED_OUT]
EXTRA_OPS = {"": "=", "__gte": ">=", "__lte": "<="}
BOUNDS = ("age_min", "age_max", "years_min", "years_max")


class Params:
    """Named SQL parameters (%(p0)s, %(p1)s, ...), so conditions can be assembled in any order."""

    def __init__(self, **named):
        self.values = dict(named)

    def __call__(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"


def _int(value, field, errors, low=0, high=150):
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number
    except (TypeError, ValueError):
        errors[f"audience.{field}"] = _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return None


def _extra(raw: dict, errors: dict) -> list[dict]:
    """{"key": value, "key__gte": value, ...} -> [{"key", "kind", "op", "value"}] for fields that exist."""
    fields = {field.key: field for field in ExtraField.objects.all()} if raw else {}
    cleaned = []
    for name, value in raw.items():
        key, op = name, ""
        for suffix in ("__gte", "__lte"):
            if name.endswith(suffix):
                key, op = name[: -len(suffix)], suffix
        field = fields.get(key)
        if field is None:
            errors[f"audience.extra.{name}"] = _("There is no extra field “%(key)s”.") % {"key": key}
        elif op and field.kind not in (ExtraFieldKind.NUMBER, ExtraFieldKind.DATE):
            errors[f"audience.extra.{name}"] = _("Only numbers and dates can be compared.")
        elif value not in (None, ""):
            cleaned.append({"key": key, "kind": field.kind, "op": op, "value": str(value)})
    return cleaned


def clean_audience(raw: dict | None) -> dict:
    """Validate audience filters; unknown keys are refused so a typo never widens an audience silently."""
    raw = dict(raw or {})
    errors: dict = {}
    known = {*BOUNDS, "statuses", "hardship", "node", "uses_smartphone", "extra"}
    for key in set(raw) - known:
        errors[f"audience.{key}"] = _("Unknown filter.")
    cleaned: dict = {}
    for key in BOUNDS:
        if (value := _int(raw.get(key), key, errors)) is not None:
            cleaned[key] = value
    statuses = list(raw.get("statuses") or [])
    if any(status not in MemberStatus.values for status in statuses):
        errors["audience.statuses"] = _("Unknown status.")
    elif statuses:
        cleaned["statuses"] = statuses
    hardship = list(raw.get("hardship") or [])
    if any(category not in [*HardshipCategory.values, ANY_HARDSHIP] for category in hardship):
        errors["audience.hardship"] = _("Unknown hardship category.")
    elif hardship:
        cleaned["hardship"] = [ANY_HARDSHIP] if ANY_HARDSHIP in hardship else hardship
    if raw.get("node") not in (None, ""):
        node = Node.objects.filter(pk=_int(raw["node"], "node", errors, 1, 2**62) or 0).first()
        if node is None:
            errors["audience.node"] = _("No such organisation.")
        else:
            cleaned["node"] = node.pk
    if raw.get("uses_smartphone") not in (None, ""):
        cleaned["uses_smartphone"] = raw["uses_smartphone"] in (True, "true", "True", "1", 1)
    if extra := _extra(dict(raw.get("extra") or {}), errors):
        cleaned["extra"] = extra
    if errors:
        raise ValidationError(errors)
    return cleaned


def _years_before(day: str, years: str) -> str:
    return f"({day} - make_interval(years => {years}))::date"


def _extra_sql(item: dict, p: Params) -> str:
    value = f"(m.extra ->> {p(item['key'])})"
    op = EXTRA_OPS[item["op"]]
    if item["kind"] == ExtraFieldKind.NUMBER:
        # Values are validated on entry; the guard keeps one stray value from failing a whole run.
        guarded = f"CASE WHEN jsonb_typeof(m.extra -> {p(item['key'])}) = 'number' THEN {value}::float END"
        return f"{guarded} {op} {p(float(item['value']))}"
    if item["kind"] == ExtraFieldKind.DATE:
        guarded = f"CASE WHEN {value} ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}$' THEN {value}::date END"
        return f"{guarded} {op} {p(item['value'])}::date"
    return f"{value} = {p(item['value'])}"


def audience_sql(audience: dict, p: Params, *, death_care: bool = False, day: str = "o.day") -> str:
    """The SQL condition selecting the audience among members `m` on nodes `n` for occurrence day `day`."""
    excluded = [MemberStatus.MOVED_OUT] if death_care else EXCLUDED
    conditions = [f"m.status <> ALL({p([str(status) for status in excluded])})"]
    if statuses := audience.get("statuses"):
        conditions.append(f"m.status = ANY({p(statuses)})")
    if (age := audience.get("age_min")) is not None:
        conditions.append(f"m.birth_date <= {_years_before(day, p(age))}")
    if (age := audience.get("age_max")) is not None:
        conditions.append(f"m.birth_date > {_years_before(day, p(age + 1))}")
    if (years := audience.get("years_min")) is not None:
        conditions.append(f"m.joined_on <= {_years_before(day, p(years))}")
    if (years := audience.get("years_max")) is not None:
        conditions.append(f"m.joined_on > {_years_before(day, p(years + 1))}")
    if hardship := audience.get("hardship"):
        category = "" if ANY_HARDSHIP in hardship else f" AND h.category = ANY({p(hardship)})"
        conditions.append("EXISTS (SELECT 1 FROM registers_hardshipentry h WHERE h.member_id = m.id "
                          f"AND h.closed_on IS NULL{category})")
    if node := audience.get("node"):
        conditions.append(f"n.path LIKE (SELECT path FROM registers_node WHERE id = {p(node)}) || '%%'")
    if (smartphone := audience.get("uses_smartphone")) is not None:
        conditions.append(f"m.uses_smartphone = {p(smartphone)}")
    conditions += [_extra_sql(item, p) for item in audience.get("extra", [])]
    return " AND ".join(conditions)
