"""Life events of members (hospitalised, bereavement, job change, ...), recorded from the member profile. The
rules for the event's kind create their tasks at once, when the event commits; the daily job catches any that a
failure left out. The death of a member also marks them deceased and cancels what no longer applies."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.programme.actions import LIFE_EVENT_RECORDED
from care.programme.models import LifeEvent, LifeEventKind
from care.programme.services.records import past_day
from care.programme.services.runs import cancel_for_gone_members, generate_for_event, on_commit_in_unit
from care.registers import access
from care.registers.models import Member, MemberStatus
from care.registers.services import members
from carehub.audit.services import acting_user, created


def record_life_event(actor, member: Member, *, kind: str, occurred_on, note: str = "") -> LifeEvent:
    access.require_write(actor, member.node)
    errors: dict = {}
    if kind not in LifeEventKind.values:
        errors["kind"] = _("Choose what happened.")
    occurred_on = past_day(occurred_on, "occurred_on", errors)
    if kind != LifeEventKind.DEATH and member.status == MemberStatus.DECEASED:
        errors["kind"] = _("The member has died.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = LifeEvent.objects.create(member=member, kind=kind, occurred_on=occurred_on, note=note.strip(),
                                         recorded_by=acting_user(actor))
        created(actor, LIFE_EVENT_RECORDED, event, ["member", "kind", "occurred_on", "note"])
        if kind == LifeEventKind.DEATH and member.status != MemberStatus.DECEASED:
            member = members.change_status(actor, member, MemberStatus.DECEASED, effective_on=occurred_on,
                                           died_on=occurred_on, note=event.note)
            cancel_for_gone_members(actor, [member])
        on_commit_in_unit(generate_for_event, event.pk)
    return event
