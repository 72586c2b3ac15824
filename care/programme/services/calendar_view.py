"""The occasion calendar of a year: every built-in occasion and every active rule's own date, with their solar
dates (lunar occasions move every year) and the rules that use them."""

import datetime

from care.programme.calendar import OCCASIONS, dates_between
from care.programme.models import Rule, Trigger
from carehub.clock import unit_today


def occasions_of_year(year: int | None = None) -> list[dict]:
    year = year or unit_today().year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = {(o.calendar, o.month, o.day): {"key": o.key, "label": str(o.label), "calendar": o.calendar,
                                           "month": o.month, "day": o.day, "rules": []} for o in OCCASIONS}
    active = Rule.objects.filter(is_active=True, current__trigger=Trigger.OCCASION).select_related("current")
    for rule in active.order_by("pk"):
        version = rule.current
        row = rows.setdefault((version.calendar, version.month, version.day), {
            "key": "", "label": version.name, "calendar": version.calendar, "month": version.month,
            "day": version.day, "rules": []})
        row["rules"].append(version.name)
    for row in rows.values():
        row["dates"] = dates_between(row["calendar"], row["month"], row["day"], start, end)
    return sorted(rows.values(), key=lambda row: (row["dates"] or [end])[0])
