"""The preset care programme each kind of unit starts with (applied at onboarding, then edited by the unit):
the six must-visits, the must-talks and the yearly talk, the half-yearly hardship review, birthday and
political-birthday greetings, holiday visits to elderly and hardship members, and each kind's own days.

Rule names are Chinese, as the units write them; each preset has a key so applying it twice creates nothing.
"""

from django.db import transaction

from care.programme.models import Rule
from tenants import presets

HARDSHIP = {"hardship": ["any"]}
ELDERLY = {"age_min": 80}
OLD_MEMBERS = {"years_min": 50}
RETIRED = {"statuses": ["retired"]}


def occasion(name, key, audience, *, task="visit", lead=21, greeting=""):
    return {"name": name, "trigger": "occasion", "occasion": key, "audience": audience, "task_kind": task,
            "lead_days": lead, "greeting_template": greeting}


def event(name, kind, task, days):
    return {"name": name, "trigger": "life_event", "event_kind": kind, "task_kind": task, "due_days": days}


COMMON = {
    # 六必访: major holidays, hospitalisation, disaster, death, hardship, old members.
    "visit-spring-festival-hardship": occasion("春节走访困难党员", "spring_festival", HARDSHIP),
    "visit-spring-festival-elderly": occasion("春节走访高龄党员", "spring_festival", ELDERLY),
    "visit-new-year-hardship": occasion("元旦走访困难党员", "new_year", HARDSHIP, lead=14),
    "visit-july-1-old-members": occasion("七一走访老党员", "party_day", OLD_MEMBERS),
    "visit-july-1-hardship": occasion("七一走访困难党员", "party_day", HARDSHIP),
    "visit-hospitalised": event("住院必访", "hospitalised", "visit", 3),
    "visit-disaster": event("灾害事故必访", "disaster", "visit", 3),
    "visit-bereavement": event("亲属亡故必访", "bereavement", "visit", 7),
    "death-care": event("亡故关怀", "death", "death_care", 3),
    # 六必谈: job change, commendation or discipline, setbacks, conflict, complaints, retirement.
    "talk-job-change": event("岗位变动必谈", "job_change", "talk", 30),
    "talk-commendation": event("受到表彰必谈", "commendation", "talk", 30),
    "talk-discipline": event("受到处分必谈", "discipline", "talk", 14),
    "talk-conflict": event("发生矛盾必谈", "conflict", "talk", 14),
    "talk-complaint": event("群众反映问题必谈", "complaint", "talk", 14),
    "talk-retirement": event("离退休必谈", "retirement", "talk", 30),
    "talk-yearly": {"name": "年度谈心谈话", "trigger": "cadence", "every_months": 12, "task_kind": "talk"},
    "review-hardship": {"name": "困难党员半年复核", "trigger": "cadence", "every_months": 6,
                        "task_kind": "hardship_review", "audience": HARDSHIP},
    "greet-birthday": {"name": "生日祝福", "trigger": "anniversary", "anniversary_of": "birthday",
                       "prefer_lunar": True, "greeting_template": "birthday"},
    "greet-political-birthday": {"name": "政治生日祝福", "trigger": "anniversary",
                                 "anniversary_of": "political_birthday", "greeting_template": "political_birthday"},
    "visit-political-birthday-50": {"name": "光荣在党50年走访", "trigger": "anniversary",
                                    "anniversary_of": "political_birthday", "round_years": [50, 60, 70],
                                    "task_kind": "visit", "lead_days": 14,
                                    "greeting_template": "political_birthday_round"},
    "greet-spring-festival": occasion("春节祝福", "spring_festival", {}, task="", lead=0, greeting="spring_festival"),
}
BY_KIND = {
    "district": {"visit-double-ninth-elderly": occasion("重阳节走访高龄党员", "double_ninth", ELDERLY, lead=14)},
    "school": {
        "visit-teachers-day-retired": occasion("教师节走访离退休教师", "teachers_day", RETIRED, lead=14),
        "visit-double-ninth-retired": occasion("重阳节走访离退休教师", "double_ninth", RETIRED, lead=14),
        "talk-semester": {"name": "每学期谈心谈话", "trigger": "cadence", "every_months": 6, "task_kind": "talk"},
    },
    "hospital": {
        "greet-nurses-day": occasion("护士节祝福", "nurses_day", {"statuses": ["active"]}, task="", lead=0,
                                     greeting="nurses_day"),
        "greet-physicians-day": occasion("医师节祝福", "physicians_day", {"statuses": ["active"]}, task="", lead=0,
                                         greeting="physicians_day"),
        "visit-double-ninth-retired": occasion("重阳节走访离退休职工", "double_ninth", RETIRED, lead=14),
    },
    "enterprise": {"visit-labour-day-hardship": occasion("五一走访困难职工党员", "labour_day", HARDSHIP, lead=14)},
}
BY_KIND["street"] = BY_KIND["district"]
# A school talks every semester instead of once a year.
REPLACED = {"school": {"talk-yearly"}}


def preset_rules(kind: str) -> dict[str, dict]:
    rules = {key: spec for key, spec in COMMON.items() if key not in REPLACED.get(kind, set())}
    rules.update(BY_KIND.get(kind, {}))
    return rules


def install(kind: str, *, generate: bool = False) -> int:
    """Create the kind's preset rules that the unit lacks (by key); returns how many were created. A unit that
    edited or switched off a preset keeps it as it is."""
    from care.programme.services.rules import create_rule

    present = set(Rule.objects.exclude(key="").values_list("key", flat=True))
    created = 0
    with transaction.atomic():
        for key, spec in preset_rules(kind).items():
            if key not in present:
                create_rule(None, spec, key=key, generate=generate)
                created += 1
    return created


def care_programme(unit) -> None:
    """Onboarding preset: the unit's care programme for its kind (no members yet, so nothing to generate)."""
    install(unit.kind)


def register() -> None:
    if care_programme not in presets.presets_for("other"):  # ready() may run more than once
        presets.register()(care_programme)
