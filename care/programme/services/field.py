"""Field work on a phone that loses its signal: what the phone keeps to work offline (the snapshot), and records
made there arriving later, each exactly once.

The snapshot holds the signed-in person's open tasks due within the next two weeks (the late ones included) and,
for those members only, what a visit needs; the hardship category only for who may see sensitive details. The
phone keeps it until `expires_at` and wipes it at logout or when the server answers that the account is gone.

A record carries the id the phone made (`client_id`): a retry of a record already stored returns that record
instead of storing a second one. A record whose task was completed or cancelled meanwhile, or whose member is no
longer in the person's organisations, is refused as a conflict (FieldConflict) and nothing is stored: the phone
keeps it until the person decides.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from care.programme import access as programme_access
from care.programme.models import CareTask, Talk, TaskKind, TaskStatus, Visit
from care.programme.services import records, tasks
from care.registers import access
from care.registers.models import HardshipEntry, Member
from carehub.clock import unit_today, unit_zone
from carehub.phones import shown_phone

DAYS_AHEAD = 14
# A phone's clock may run a little fast; a record "from the future" beyond this is a wrong clock, refused.
CLOCK_SLACK = datetime.timedelta(minutes=10)


def expiry() -> datetime.timedelta:
    """How long a phone may keep the snapshot without hearing from the server (settings.FIELD_DATA_HOURS)."""
    return datetime.timedelta(hours=settings.FIELD_DATA_HOURS)


def form_for(task: CareTask) -> str:
    """The record a task's action makes on the phone, as on "my work": a talk for a talk and for an unreachable
    phone (a call, recorded as a talk), a visit for the others (a hardship review is also done by visiting)."""
    return "talk" if task.kind in (TaskKind.TALK, TaskKind.REACH) else "visit"


def field_tasks(user, today: datetime.date):
    """The user's open tasks due by today + DAYS_AHEAD, the late ones first."""
    mine = tasks.with_effective_due(tasks.mine(programme_access.visible_tasks(user), user))
    return mine.filter(status=TaskStatus.OPEN, effective_due__lte=today + datetime.timedelta(days=DAYS_AHEAD)) \
        .select_related("version").order_by("effective_due", "member_id", "pk")


def _members(user, member_ids: set[int]) -> list[dict]:
    latest = {"last_visit": Max("visits__visited_on"), "last_talk": Max("talks__held_on")}
    members = access.visible_members(user).filter(pk__in=member_ids).select_related("node").annotate(**latest)
    if access.can_see_sensitive(user):
        open_entry = (HardshipEntry.objects.filter(member=OuterRef("pk"), closed_on__isnull=True)
                      .order_by("opened_on", "pk").values("category")[:1])
        members = members.annotate(hardship=Subquery(open_entry))
    return [_member(member) for member in members.order_by("pk")]


def _member(member: Member) -> dict:
    category = getattr(member, "hardship", None)
    return {
        "id": member.pk, "name": member.name, "node": member.node.name, "address": member.address,
        "phone": member.phone, "phone_display": shown_phone(member.phone) if member.phone else "",
        "proxy_name": member.proxy_name, "proxy_phone": member.proxy_phone,
        "proxy_phone_display": shown_phone(member.proxy_phone) if member.proxy_phone else "",
        "last_visit": member.last_visit, "last_talk": member.last_talk,
        "hardship": str(HardshipEntry(category=category).get_category_display()) if category else None,
    }


def snapshot(user, now: datetime.datetime | None = None) -> dict:
    """What the user's phone keeps for working offline (see the module's docstring)."""
    now = now or timezone.now()
    today = unit_today(now)
    due = list(field_tasks(user, today))
    return {
        "generated_at": now, "expires_at": now + expiry(), "today": today, "time_zone": str(unit_zone()),
        "user": {"id": user.pk, "name": user.get_full_name()},
        "tasks": [{"id": task.pk, "kind": task.kind, "kind_label": str(task.get_kind_display()),
                   "name": task.version.name, "form": form_for(task), "purpose": tasks.purpose(task),
                   "due_on": task.effective_due, "member": task.member_id} for task in due],
        "members": _members(user, {task.member_id for task in due}),
    }


class FieldConflict(Exception):
    """The record cannot be stored as it is, for a reason the person must decide about (nothing was stored)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Received:
    record: Visit | Talk
    duplicate: bool  # the record was stored before, by an earlier try of the same phone


MODELS = {"visit": Visit, "talk": Talk}


def _stored(actor, client_id: uuid.UUID) -> Received | None:
    """The record an earlier try stored under `client_id`, if any. An id taken by somebody else's record is an
    input error (phones make random ids; a clash means a client that copies them)."""
    for model in MODELS.values():
        found = model.objects.filter(client_id=client_id).first()
        if found:
            if found.recorded_by_id != actor.pk:
                raise ValidationError({"client_id": _("This id belongs to another record.")})
            return Received(found, duplicate=True)
    return None


def _member_in_scope(actor, member_id: int) -> Member:
    member = access.visible_members(actor).select_related("node").filter(pk=member_id).first()
    if member is None:
        raise FieldConflict("member_out_of_scope", _("This member is no longer in your organisations."))
    return member


def _open_task(actor, task_id: int, member: Member, kind: str) -> CareTask:
    task = programme_access.visible_tasks(actor).select_related("visit__recorded_by", "talk__recorded_by") \
        .filter(pk=task_id).first()
    if task is None or task.member_id != member.pk:
        raise ValidationError({"task": _("Choose an open task of this member.")})
    if task.status == TaskStatus.DONE:
        raise FieldConflict("task_done", _done_words(task))
    if task.status != TaskStatus.OPEN:
        raise FieldConflict("task_cancelled", _("This task was cancelled meanwhile."))
    if task.kind not in (records.VISIT_COMPLETES if kind == "visit" else records.TALK_COMPLETES):
        raise ValidationError({"task": _("This record cannot complete this task.")})
    return task


def _done_words(task: CareTask) -> str:
    record = task.visit or task.talk
    day = date_format(task.done_on, "m-d")
    if record and record.recorded_by:
        return _("%(name)s already completed this task on %(date)s.") % {
            "name": record.recorded_by.get_full_name(), "date": day}
    return _("This task was already completed on %(date)s.") % {"date": day}


def _happened(happened_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    if happened_at > now + CLOCK_SLACK:
        raise ValidationError({"happened_at": _("This time is in the future: check the phone's clock.")})
    return happened_at


def receive(actor, *, client_id: uuid.UUID, kind: str, member_id: int, happened_at: datetime.datetime,
            fields: dict, task_id: int | None = None, photos=()) -> Received:
    """Store a visit or talk recorded on a phone, once: the person is its visitor or participant, its date the
    phone's moment in the unit's time zone, its photos attached. The record, its photos, the task's completion
    and their audit entries are written in one transaction, or nothing is."""
    if kind not in MODELS:
        raise ValidationError({"kind": _("Choose a visit or a talk.")})
    earlier = _stored(actor, client_id)
    if earlier:
        return earlier
    member = _member_in_scope(actor, member_id)
    task = _open_task(actor, task_id, member, kind) if task_id else None
    happened_at = _happened(happened_at, timezone.now())
    day = timezone.localtime(happened_at, unit_zone()).date()
    common = {"tasks": [task] if task else [], "client_id": client_id, "happened_at": happened_at}
    try:
        with transaction.atomic():
            if kind == "visit":
                record = records.record_visit(actor, member, visited_on=day, visitors=[actor], **common, **fields)
                for photo in photos:
                    records.add_photo(actor, record, photo)
            else:
                record = records.record_talk(actor, member, held_on=day, participants=[actor], **common, **fields)
    except IntegrityError:  # a retry raced this one and stored the record first (client_id is unique)
        earlier = _stored(actor, client_id)
        if earlier is None:
            raise
        return earlier
    return Received(record, duplicate=False)
