"""A member's history, newest first: status changes, transfers, hardship entries and their reviews, and the
audit trail's record of edits. Five queries whatever the length of the history; the sources other apps register
(care.registers.timeline: the care fund's applications and payments, the care programme's visits and talks, the
SMS greetings and messages) add their own. Above it, the "care history" panel: facts the apps register (the last
visit, this year's assistance, ...)."""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.registers import access, timeline
from care.registers.actions import MEMBER_CREATED, MEMBER_STATUS_CHANGED, MEMBER_TRANSFERRED
from care.registers.models import HardshipReview, Member, MemberStatus
from care.registers.portal.audit import actor_name
from care.registers.portal.changes import Change, change_rows, related_names
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

# Told by their own records (StatusChange, Transfer) with effective dates; the audit copy would repeat them.
TOLD_ELSEWHERE = {MEMBER_STATUS_CHANGED, MEMBER_TRANSFERRED}


@dataclass
class Item:
    day: datetime.date
    at: datetime.datetime
    kind: str
    title: str
    note: str = ""
    by: str = ""
    url: str = ""
    changes: list[Change] = field(default_factory=list)


@dataclass
class Fact:
    """One line of the care history panel: "Last visit: 2026-05-02, by 张三", linking to where it is told."""

    order: int  # place in the panel, so the apps' facts read in one sequence whichever registered first
    key: str  # names the fact on the page (id="care-<key>")
    label: str
    value: str  # may be safe HTML (an amount: care.fund's `money`)
    note: str = ""
    url: str = ""


# The timeline's filter chips: a query string (?history=visit), so they work without JavaScript. The kinds are the
# sources' `kind` values.
CHIPS = [("", gettext_lazy("All")), ("visit", gettext_lazy("Visits")), ("talk", gettext_lazy("Talks")),
         ("greeting", gettext_lazy("Greetings")), ("assistance", gettext_lazy("Assistance"))]
KINDS = {key for key, _label in CHIPS if key}


def summary_of(member: Member, user) -> list[Fact]:
    facts = [Fact(**fields) for source in timeline.summaries() for fields in source(member, user)]
    return sorted(facts, key=lambda fact: fact.order)


def _by(user) -> str:
    return user.get_full_name() if user else ""


def timeline_of(member: Member, user, kind: str = "") -> list[Item]:
    """The whole history, or (`kind`, one of KINDS) only the items of that kind."""
    statuses = dict(MemberStatus.choices)
    items = [
        Item(change.effective_on, change.at, "status",
             _("Status: %(before)s → %(after)s") % {"before": statuses.get(change.from_status, "—"),
                                                   "after": statuses[change.to_status]},
             change.note, _by(change.by))
        for change in member.status_changes.select_related("by")
    ]
    items += [
        Item(move.effective_on, move.at, "transfer",
             _("Transferred from %(before)s to %(after)s") % {"before": move.from_node, "after": move.to_node},
             move.note, _by(move.by))
        for move in member.transfers.select_related("from_node", "to_node", "by")
    ]
    entries = list(access.visible_hardship(user).filter(member=member))
    for entry in entries:
        url = reverse("portal:hardship_entry", args=[entry.pk])
        items.append(Item(entry.opened_on, entry.created_at, "hardship",
                          _("Hardship entry opened: %(category)s") % {"category": entry.get_category_display()},
                          entry.reason, url=url))
        if entry.closed_on:
            items.append(Item(entry.closed_on, entry.created_at, "hardship",
                              _("Hardship entry closed: %(category)s") % {"category": entry.get_category_display()},
                              url=url))
    for review in HardshipReview.objects.filter(entry__in=entries).select_related("entry", "reviewed_by"):
        items.append(Item(review.reviewed_on, review.at, "review",
                          _("Hardship review: %(outcome)s") % {"outcome": review.get_outcome_display()},
                          review.note, _by(review.reviewed_by),
                          url=reverse("portal:hardship_entry", args=[review.entry_id]),
                          changes=change_rows(review.changes, "hardshipentry")))
    events = list(AuditEvent.objects.filter(object_type="member", object_id=str(member.pk))
                  .exclude(action__in=TOLD_ELSEWHERE).select_related("actor"))
    # The ids in the changes (an organisation, a partner) by name: one query per kind of record for them all.
    names = {name: ids for (_type, name), ids in related_names([(event.changes, "member") for event in events]).items()}
    for event in events:
        title = _("Record created") if event.action == MEMBER_CREATED else _("Record changed")
        changes = [] if event.action == MEMBER_CREATED else change_rows(event.changes, "member", names)
        items.append(Item(unit_today(event.at), event.at, "edit", title, by=actor_name(event), changes=changes))
    for source in timeline.sources():
        items += [Item(**fields) for fields in source(member, user)]
    if kind in KINDS:
        items = [item for item in items if item.kind == kind]
    return sorted(items, key=lambda item: (item.day, item.at), reverse=True)
