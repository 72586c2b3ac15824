"""How members are reached, as staff set it: each member's contact plan (preferred channel, whether they can read
an SMS; their proxy is on the member's record), and how far the unit lets each purpose's messages climb the
ladder of channels (notifications.services.ladder). What the ladders tried is read here too, for the pages."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from carehub.audit.services import changing, created
from notifications.actions import CONTACT_PLAN_SET, LADDERS_SET
from notifications.models import Category, ContactPlan, LadderEnd, LadderSetting, Preferred, Reach, Template
from notifications.purposes import ladder_purpose_name
from notifications.services import ladder, templates

PLAN_FIELDS = ["preferred", "reads_sms"]
# The notice templates every unit has (the visit notice, the care fund's payment notice).
BUILT_IN_NOTICES = {key for (key, _language), (category, _body) in templates.DEFAULTS.items()
                    if category == Category.NOTICE}


def plan_of(member) -> ContactPlan:
    """The member's contact plan (unsaved defaults when none was set)."""
    return ContactPlan.objects.filter(member=member).first() or ContactPlan(member=member)


def set_contact_plan(actor, member, *, preferred: str, reads_sms: bool) -> ContactPlan:
    """Set how `member` is reached: `preferred` channel (SMS, voice, both) and whether they read an SMS."""
    access.require_write(actor, member.node)
    if preferred not in Preferred.values:
        raise ValidationError({"preferred": _("Choose SMS, a voice call, or both.")})
    if not isinstance(reads_sms, bool):
        raise ValidationError({"reads_sms": _("Say whether the member can read an SMS.")})
    with transaction.atomic():
        plan = ContactPlan.objects.select_for_update().filter(member=member).first()
        if plan is None:
            plan = ContactPlan.objects.create(member=member, preferred=preferred, reads_sms=reads_sms)
            created(actor, CONTACT_PLAN_SET, plan, PLAN_FIELDS)
            return plan
        with changing(actor, CONTACT_PLAN_SET, plan, PLAN_FIELDS) as change:
            change.instance.preferred, change.instance.reads_sms = preferred, reads_sms
            change.instance.save()
    return change.instance


def purposes() -> list[dict]:
    """The purposes whose ladder a unit sets, each with its name and how far it climbs now: every greeting, a
    typed notice, and each notice template (the visit notice, the fund's payment notice, the unit's own)."""
    set_ends, names = ladder.ends(), templates.own_names()
    keys = sorted(set(Template.objects.filter(category=Category.NOTICE).values_list("key", flat=True))
                  | BUILT_IN_NOTICES)
    rows = [(ladder.GREETINGS, Category.GREETING), (ladder.TYPED_NOTICE, Category.NOTICE)]
    rows += [(key, Category.NOTICE) for key in keys]
    return [{"purpose": purpose, "name": purpose_name(purpose, names), "category": category,
             "end": ladder.end_for(purpose, category, set_ends),
             "default": ladder.DEFAULT_END.get(category, LadderEnd.TASK)} for purpose, category in rows]


def purpose_name(purpose: str, names: dict[str, str]) -> str:
    """What people call a ladder's purpose; `names`: the unit's own names of its templates (own_names())."""
    return names.get(purpose) or ladder_purpose_name(purpose)


def named(reaches: list[Reach]) -> list[Reach]:
    """`reaches`, each with its `purpose_name` (one query for the unit's own names)."""
    names = templates.own_names()
    for reach in reaches:
        reach.purpose_name = purpose_name(reach.purpose, names)
    return reaches


def set_ladders(actor, ends: dict[str, str]) -> list[dict]:
    """Set how far each purpose's messages climb (`ends`: purpose -> a LadderEnd value); admins only. Ladders
    already climbing keep the steps they began with."""
    access.require_admin(actor)
    known = {row["purpose"] for row in purposes()}
    errors = {purpose: _("Unknown purpose.") for purpose in ends if purpose not in known}
    errors.update({purpose: _("Choose how far the messages climb.") for purpose, end in ends.items()
                   if purpose in known and end not in LadderEnd.values})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for purpose, end in ends.items():
            setting = LadderSetting.objects.select_for_update().filter(purpose=purpose).first()
            if setting is None:
                setting = LadderSetting.objects.create(purpose=purpose, end=end)
                created(actor, LADDERS_SET, setting, ["purpose", "end"])
                continue
            with changing(actor, LADDERS_SET, setting, ["end"]) as change:
                change.instance.end = end
                change.instance.save()
    return purposes()


def reaches_of(messages) -> dict[int, list[Reach]]:
    """message id -> the ladders (with their rungs and messages) that tried it, for `messages` (ids)."""
    messages = set(messages)
    reaches = (Reach.objects.filter(rungs__message_id__in=messages).distinct()
               .select_related("member", "task").prefetch_related("rungs__message"))
    found: dict[int, list[Reach]] = {}
    for reach in reaches:
        for message_id in dict.fromkeys(rung.message_id for rung in reach.rungs.all()):
            if message_id in messages:  # a reach whose SMS and proxy rungs share a phone is listed once
                found.setdefault(message_id, []).append(reach)
    return found


def reaches_of_member(member):
    """The ladders `member`'s messages climbed, latest first, with their rungs and messages."""
    return Reach.objects.filter(member=member).prefetch_related("rungs__message").order_by("-created_at", "-pk")
