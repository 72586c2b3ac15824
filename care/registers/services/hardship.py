"""The hardship ledger: open entries, attach evidence, review every six months, close. Each step audited;
opening a sensitive entry's details is audited too (see `view_entry`)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from care.registers.actions import (
    HARDSHIP_CREATED,
    HARDSHIP_EVIDENCE_ADDED,
    HARDSHIP_REVIEWED,
    HARDSHIP_SENSITIVE_VIEWED,
)
from care.registers.models import (
    SENSITIVE_CATEGORIES,
    Evidence,
    HardshipCategory,
    HardshipEntry,
    HardshipLevel,
    HardshipReview,
    Member,
    ReviewOutcome,
)
from care.registers.signals import hardship_reviewed
from carehub.audit.models import AuditEvent
from carehub.audit.services import acting_user, created, diff, record, snapshot
from carehub.clock import unit_today
from carehub.dates import parse_day
from carehub.uploads import DOCUMENT, check_upload

REVIEW_MONTHS = 6
FIELDS = ["member", "category", "level", "reason", "opened_on", "closed_on", "review_due_on"]
REVIEWABLE = ["category", "level", "reason"]


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):  # Aug 31 + 6 months is Feb 28 (or 29)
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def require_sensitive(actor, category: str) -> None:
    if category in SENSITIVE_CATEGORIES and not access.can_see_sensitive(actor):
        raise PermissionDenied(_("You may not record or see sensitive categories."))


def clean_entry(data: dict, *, partial: bool = False) -> dict:
    errors, cleaned = {}, {}
    if "category" in data or not partial:
        if data.get("category") not in HardshipCategory.values:
            errors["category"] = _("Choose a category.")
        cleaned["category"] = data.get("category")
    if "level" in data or not partial:
        try:
            cleaned["level"] = int(data.get("level") or HardshipLevel.GENERAL)
            if cleaned["level"] not in HardshipLevel.values:
                raise ValueError
        except (TypeError, ValueError):
            errors["level"] = _("Choose a level.")
    if "reason" in data or not partial:
        cleaned["reason"] = (data.get("reason") or "").strip()
        if not cleaned["reason"]:
            errors["reason"] = _("Give the reason.")
    if "opened_on" in data or not partial:
        try:
            cleaned["opened_on"] = parse_day(data.get("opened_on"), "opened_on", default=unit_today, not_future=True)
        except ValidationError as exc:
            errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


def open_entry(actor, member: Member, **data) -> HardshipEntry:
    access.require_write(actor, member.node)
    cleaned = clean_entry(data)
    require_sensitive(actor, cleaned["category"])
    with transaction.atomic():
        entry = HardshipEntry.objects.create(
            member=member, created_by=acting_user(actor), review_due_on=add_months(cleaned["opened_on"], REVIEW_MONTHS),
            **cleaned)
        created(actor, HARDSHIP_CREATED, entry, FIELDS)
    return entry


def review_entry(actor, entry: HardshipEntry, *, outcome: str, note: str = "", reviewed_on=None,
                 **changes) -> HardshipReview:
    """Record a review: unchanged, changed (category/level/reason) or closed. Schedules the next one, and tells
    the layers above (signals.hardship_reviewed: the member's review tasks are done)."""
    access.require_write(actor, entry.member.node)
    require_sensitive(actor, entry.category)
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    reviewed_on = reviewed_on or unit_today()
    cleaned = clean_entry(changes, partial=True) if outcome == ReviewOutcome.CHANGED else {}
    if outcome == ReviewOutcome.CHANGED and not cleaned:
        raise ValidationError({"outcome": _("Say what changed, or choose “unchanged”.")})
    if outcome != ReviewOutcome.UNCHANGED and not note.strip():
        raise ValidationError({"note": _("Explain the change in a note.")})
    if "category" in cleaned:
        require_sensitive(actor, cleaned["category"])
    # Not `changing`: a review is recorded even when it changed nothing (it marks where the next one starts).
    with transaction.atomic():
        entry = HardshipEntry.objects.select_for_update().select_related("member").get(pk=entry.pk)
        if not entry.is_open:
            raise ValidationError(_("This entry is closed."))
        before = snapshot(entry, FIELDS)
        for key, value in cleaned.items():
            setattr(entry, key, value)
        if outcome == ReviewOutcome.CLOSED:
            entry.closed_on = reviewed_on
        else:
            entry.review_due_on = add_months(reviewed_on, REVIEW_MONTHS)
        entry.save()
        review_changes = diff(before, snapshot(entry, FIELDS))
        review = HardshipReview.objects.create(entry=entry, outcome=outcome, note=note.strip(), changes=review_changes,
                                               reviewed_on=reviewed_on, reviewed_by=acting_user(actor))
        record(actor, HARDSHIP_REVIEWED[outcome], entry, review_changes)
        hardship_reviewed.send(sender=HardshipEntry, actor=actor, review=review)  # the programme's review tasks
    return review


def due_for_review(actor, on: datetime.date | None = None):
    """Open entries whose review is due on or before `on` (default today), within the actor's view."""
    on = on or unit_today()
    return (access.visible_hardship(actor).filter(closed_on__isnull=True, review_due_on__lte=on)
            .select_related("member", "member__node").order_by("review_due_on", "pk"))


def changes_since_last_review(entry: HardshipEntry) -> dict:
    """{field: [value at the last review, value now]} from the audit trail (since opening if never reviewed)."""
    events = AuditEvent.objects.filter(object_type="hardshipentry", object_id=str(entry.pk))
    last_review = events.filter(action__in=HARDSHIP_REVIEWED.values()).order_by("-pk").first()
    if last_review:
        events = events.filter(pk__gt=last_review.pk)
    changes: dict = {}
    for event in events.exclude(action=HARDSHIP_SENSITIVE_VIEWED).order_by("pk"):
        for field, (before, after) in event.changes.items():
            changes[field] = [changes.get(field, [before])[0], after]
    return {field: values for field, values in changes.items() if values[0] != values[1]}


def attach_evidence(actor, entry: HardshipEntry, upload, description: str = "") -> Evidence:
    access.require_write(actor, entry.member.node)
    require_sensitive(actor, entry.category)
    check_upload(upload, DOCUMENT)
    with transaction.atomic():
        evidence = Evidence.objects.create(entry=entry, file=upload, description=description.strip(),
                                           uploaded_by=acting_user(actor))
        record(actor, HARDSHIP_EVIDENCE_ADDED, entry, {"evidence": [None, evidence.file.name]})
    return evidence


def view_entry(actor, entry: HardshipEntry) -> HardshipEntry:
    """Return an entry the actor may see; looking at a sensitive one is itself recorded."""
    if not access.visible_hardship(actor).filter(pk=entry.pk).exists():
        raise PermissionDenied
    if entry.is_sensitive:
        record(actor, HARDSHIP_SENSITIVE_VIEWED, entry)
    return entry
