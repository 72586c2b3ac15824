"""A member's care for their profile's timeline: life events, visits, talks (never their confidential notes),
pairings and commendations. A source of care.registers.timeline (registered in care.programme.apps), giving the
fields of timeline items. Six queries whatever the length of the history.

And the programme's facts of the profile's care history panel (a summary source of care.registers.timeline): the
last visit and talk, the greetings of the year so far and the open tasks. Six queries."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.programme.models import Commendation, Greeting, GreetingStatus, LifeEvent, Pairing, Talk, TaskStatus, Visit
from carehub.clock import unit_today


def _names(users) -> str:
    return pgettext("name separator", ", ").join(user.get_full_name() for user in users)


def items_for(member, user) -> list[dict]:
    """`user` may see the member (the profile checked it); what is shown here is what any such user may see."""
    items = []
    for event in LifeEvent.objects.filter(member=member).select_related("recorded_by"):
        items.append({"day": event.occurred_on, "at": event.created_at, "kind": "life-event",
                      "title": _("Life event: %(kind)s") % {"kind": event.get_kind_display()}, "note": event.note,
                      "by": event.recorded_by.get_full_name() if event.recorded_by else ""})
    for visit in Visit.objects.filter(member=member).prefetch_related("visitors"):
        note = " · ".join(part for part in (visit.goods, visit.notes) if part)
        items.append({"day": visit.visited_on, "at": visit.created_at, "kind": "visit",
                      "title": _("Visit: %(occasion)s") % {"occasion": visit.occasion}, "note": note,
                      "by": _names(visit.visitors.all()), "url": reverse("programme:visit", args=[visit.pk])})
    for talk in Talk.objects.filter(member=member).prefetch_related("participants"):
        items.append({"day": talk.held_on, "at": talk.created_at, "kind": "talk",
                      "title": _("Talk: %(topic)s") % {"topic": talk.topic}, "note": talk.summary,
                      "by": _names(talk.participants.all()), "url": reverse("programme:talk", args=[talk.pk])})
    for pairing in Pairing.objects.filter(member=member).select_related("partner"):
        partner = pairing.partner.get_full_name()
        items.append({"day": pairing.started_on, "at": pairing.created_at, "kind": "pairing",
                      "title": _("Paired with %(partner)s") % {"partner": partner}, "note": pairing.note})
        if pairing.ended_on:
            items.append({"day": pairing.ended_on, "at": pairing.created_at, "kind": "pairing",
                          "title": _("Pairing with %(partner)s ended") % {"partner": partner}})
    for commendation in Commendation.objects.filter(member=member):
        items.append({"day": commendation.awarded_on, "at": commendation.created_at, "kind": "commendation",
                      "title": _("Commended: %(title)s (%(year)s)") % {"title": commendation.title,
                                                                        "year": commendation.year},
                      "note": commendation.note})
    return items


def _last(order: int, key: str, label: str, records, day: str, people: str, url_name: str) -> dict:
    """The fact "last visit" or "last talk": the date of the latest of `records`, who held it, a link to it."""
    record = records.order_by(f"-{day}", "-pk").prefetch_related(people).first()
    if record is None:
        return {"order": order, "key": key, "label": label, "value": _("None yet")}
    names = _names(getattr(record, people).all())
    return {"order": order, "key": key, "label": label, "value": getattr(record, day).isoformat(),
            "note": _("by %(names)s") % {"names": names} if names else "", "url": reverse(url_name, args=[record.pk])}


def summary_for(member, user) -> list[dict]:
    """`user` may see the member (the profile checked it), and so every record of the programme about them."""
    today = unit_today()
    greetings = (Greeting.objects.filter(member=member, send_on__range=(datetime.date(today.year, 1, 1), today))
                 .exclude(status=GreetingStatus.CANCELLED).count())
    profile = reverse("portal:member_detail", args=[member.pk])
    return [
        _last(10, "last-visit", _("Last visit"), Visit.objects.filter(member=member), "visited_on", "visitors",
              "programme:visit"),
        _last(20, "last-talk", _("Last talk"), Talk.objects.filter(member=member), "held_on", "participants",
              "programme:talk"),
        {"order": 30, "key": "greetings", "label": _("Greetings this year"), "value": str(greetings),
         "url": f"{profile}?history=greeting#history"},
        {"order": 50, "key": "open-tasks", "label": _("Open tasks"),
         "value": str(member.care_tasks.filter(status=TaskStatus.OPEN).count()), "url": "#member-programme"},
    ]
