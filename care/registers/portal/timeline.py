"""A member's history, newest first: status changes, transfers, hardship entries and their reviews, and the
audit trail's record of edits. Five queries whatever the length of the history; the sources other apps register
(care.registers.timeline: the care fund's applications and payments, the care programme's visits and talks) add
their own."""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from care.registers import access, timeline
from care.registers.actions import MEMBER_CREATED, MEMBER_STATUS_CHANGED, MEMBER_TRANSFERRED
from care.registers.models import HardshipReview, Member, MemberStatus
from care.registers.portal.changes import Change, change_rows
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


def _by(user) -> str:
    return user.get_full_name() if user else ""


def timeline_of(member: Member, user) -> list[Item]:
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
    events = (AuditEvent.objects.filter(object_type="member", object_id=str(member.pk))
              .exclude(action__in=TOLD_ELSEWHERE))
    for event in events:
        title = _("Record created") if event.action == MEMBER_CREATED else _("Record changed")
        changes = [] if event.action == MEMBER_CREATED else change_rows(event.changes, "member")
        items.append(Item(unit_today(event.at), event.at, "edit", title, by=event.actor_label,
                          changes=changes))
    for source in timeline.sources():
        items += [Item(**fields) for fields in source(member, user)]
    return sorted(items, key=lambda item: (item.day, item.at), reverse=True)
