"""Recording care work: visits (with photos) and talks (with confidential notes). Recording one completes the
member's tasks it covers: one visit may complete several tasks, and counts for each of them."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.programme.actions import (
    TALK_CONFIDENTIAL_VIEWED,
    TALK_CREATED,
    TASK_COMPLETED,
    VISIT_CREATED,
    VISIT_PHOTO_ADDED,
)
from care.programme.models import CareTask, Talk, TaskKind, TaskStatus, Visit, VisitPhoto
from care.registers import access
from care.registers.models import Member
from carehub.accounts.models import User
from carehub.audit.services import acting_user, created, record
from carehub.clock import unit_today
from carehub.dates import read_day
from carehub.uploads import PHOTO, check_upload

# A member whose phone cannot take SMS (REACH) is reached by a call, recorded as a talk, or in person.
VISIT_COMPLETES = {TaskKind.VISIT, TaskKind.REVIEW, TaskKind.DEATH_CARE, TaskKind.REACH}
TALK_COMPLETES = {TaskKind.TALK, TaskKind.REVIEW, TaskKind.REACH}
VISIT_FIELDS = ["member", "visited_on", "other_visitors", "occasion", "goods", "notes"]
TALK_FIELDS = ["member", "held_on", "topic", "summary"]


def required_day(value, field: str, errors: dict) -> datetime.date | None:
    """The date `value` stands for (read by carehub.dates.read_day); an error under `field` when it is none."""
    day = read_day(value)
    if day is None:
        errors[field] = _("Give the date (YYYY-MM-DD).")
    return day


def past_day(value, field: str, errors: dict) -> datetime.date | None:
    """A date that is not in the future (a record of something that happened)."""
    day = required_day(value, field, errors)
    if day and day > unit_today():
        errors[field] = _("The date is in the future.")
    return day


def _staff(people, field: str, errors: dict) -> list[User]:
    people = list(people or [])
    if any(not isinstance(person, User) or not person.is_active for person in people):
        errors[field] = _("Choose active staff accounts.")
    return people


def _tasks(member: Member, tasks, kinds: set, errors: dict) -> list[CareTask]:
    tasks = list(tasks or [])
    if any(task.member_id != member.pk or task.status != TaskStatus.OPEN or task.kind not in kinds
           for task in tasks):
        errors["tasks"] = _("Choose open tasks of this member that this record can complete.")
    return tasks


def _audited(fields: list[str], record) -> list[str]:
    """The fields of a new record its audit entry shows: with the phone's time when it came from a phone (the
    entry's own time is when the server received it)."""
    return [*fields, "happened_at"] if record.happened_at else fields


def _complete(actor, tasks: list[CareTask], day: datetime.date, **link) -> None:
    """Mark the tasks done by the record in `link` (visit= or talk=); each completion is audited."""
    locked = CareTask.objects.select_for_update().filter(pk__in=[task.pk for task in tasks],
                                                         status=TaskStatus.OPEN)
    if len(locked) != len(tasks):
        raise ValidationError({"tasks": _("A chosen task was completed or cancelled meanwhile.")})
    for task in locked:
        for name, value in {"status": TaskStatus.DONE, "done_on": day, **link}.items():
            setattr(task, name, value)
        task.save(update_fields=["status", "done_on", *link])
        (name, value), = link.items()
        record(actor, TASK_COMPLETED, task, {"status": [TaskStatus.OPEN, TaskStatus.DONE], name: [None, value.pk]})


def record_visit(actor, member: Member, *, visited_on, occasion: str, visitors=(), other_visitors: str = "",
                 goods: str = "", notes: str = "", tasks=(), client_id=None, happened_at=None) -> Visit:
    """`client_id` and `happened_at` come with a visit recorded on a phone (services.field)."""
    access.require_write(actor, member.node)
    errors: dict = {}
    visited_on = past_day(visited_on, "visited_on", errors)
    visitors = _staff(visitors, "visitors", errors)
    if not visitors and not other_visitors.strip():
        errors["visitors"] = _("Say who visited.")
    if not occasion.strip():
        errors["occasion"] = _("Say why you visited.")
    tasks = _tasks(member, tasks, VISIT_COMPLETES, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = Visit.objects.create(member=member, visited_on=visited_on, other_visitors=other_visitors.strip(),
                                     occasion=occasion.strip(), goods=goods.strip(), notes=notes.strip(),
                                     recorded_by=acting_user(actor), client_id=client_id, happened_at=happened_at)
        visit.visitors.set(visitors)
        created(actor, VISIT_CREATED, visit, _audited(VISIT_FIELDS, visit),
                extra={"visitors": [None, [user.pk for user in visitors]]})
        _complete(actor, tasks, visited_on, visit=visit)
    return visit


def add_photo(actor, visit: Visit, upload) -> VisitPhoto:
    access.require_write(actor, visit.member.node)
    check_upload(upload, PHOTO)
    with transaction.atomic():
        photo = VisitPhoto.objects.create(visit=visit, file=upload, uploaded_by=acting_user(actor))
        record(actor, VISIT_PHOTO_ADDED, visit, {"photo": [None, photo.file.name]})
    return photo


def record_talk(actor, member: Member, *, held_on, topic: str, participants=(), summary: str = "",
                confidential_notes: str = "", tasks=(), client_id=None, happened_at=None) -> Talk:
    """`client_id` and `happened_at` as for record_visit."""
    access.require_write(actor, member.node)
    errors: dict = {}
    held_on = past_day(held_on, "held_on", errors)
    participants = _staff(participants, "participants", errors)
    if not participants:
        errors["participants"] = _("Say who talked with the member.")
    if not topic.strip():
        errors["topic"] = _("Give the topic.")
    tasks = _tasks(member, tasks, TALK_COMPLETES, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        talk = Talk.objects.create(member=member, held_on=held_on, topic=topic.strip(), summary=summary.strip(),
                                   confidential_notes=confidential_notes.strip(), recorded_by=acting_user(actor),
                                   client_id=client_id, happened_at=happened_at)
        talk.participants.set(participants)
        # The notes themselves stay out of the audit trail, which more people read than may read the notes.
        created(actor, TALK_CREATED, talk, _audited(TALK_FIELDS, talk),
                extra={"participants": [None, [user.pk for user in participants]],
                       "confidential_notes": [None, bool(talk.confidential_notes)]})
        _complete(actor, tasks, held_on, talk=talk)
    return talk


def can_read_notes(user, talk: Talk) -> bool:
    """Staff allowed to see sensitive details, and the people who held the talk."""
    return access.can_see_sensitive(user) or talk.participants.filter(pk=getattr(user, "pk", None)).exists()


def read_notes(user, talk: Talk) -> str:
    """The confidential notes, for those allowed; every reading is recorded."""
    if not can_read_notes(user, talk):
        raise PermissionDenied
    if talk.confidential_notes:
        record(user, TALK_CONFIDENTIAL_VIEWED, talk)
    return talk.confidential_notes
