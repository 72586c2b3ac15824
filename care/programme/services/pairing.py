"""Pairing (结对帮扶): a partner looks after a member. A new partner ends the current pairing (history is kept),
and the member's open tasks follow: to the new partner, or back to the node's secretary when a pairing ends."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.programme.actions import MEMBER_PAIRED, MEMBER_UNPAIRED
from care.programme.models import CareTask, Pairing, TaskStatus
from care.programme.signals import tasks_assigned
from care.registers import access
from care.registers.models import Member, MemberStatus, Node, StaffScope
from carehub.accounts.models import Role, User
from carehub.audit.services import acting_user, record
from carehub.clock import unit_today


def secretary_for(node: Node) -> User | None:
    """The secretary account scoped nearest above (or at) the node, as generation assigns tasks."""
    ancestors = [int(pk) for pk in node.path.strip("/").split("/")]
    scopes = (StaffScope.objects.filter(node_id__in=ancestors, user__role=Role.SECRETARY, user__is_active=True)
              .select_related("user", "node").order_by("-node__depth", "user_id"))
    scope = scopes.first()
    return scope.user if scope else None


def current_partner(member: Member) -> Pairing | None:
    return member.pairings.filter(ended_on__isnull=True).select_related("partner").first()


def _reassign(member: Member, assignee: User | None) -> int:
    moved = CareTask.objects.filter(member=member, status=TaskStatus.OPEN).update(assignee=assignee)
    # Life-event tasks are told to their new assignee at once (by SMS); the others wait for the daily digest.
    tasks_assigned.send(sender=CareTask, tasks=CareTask.objects.filter(member=member, event__isnull=False))
    return moved


def assign_partner(actor, member: Member, partner: User, *, started_on=None, note: str = "") -> Pairing:
    access.require_write(actor, member.node)
    # Re-read: the scope must be the partner's as stored now, not as cached on the instance handed in.
    partner = User.objects.select_related("scope__node").filter(pk=partner.pk).first() or partner
    path = access.root_path(partner) if partner.is_active else None
    if path is None or not member.node.path.startswith(path):
        raise ValidationError({"partner": _("Choose an active staff account whose scope includes the member.")})
    if member.status in (MemberStatus.DECEASED, MemberStatus.MOVED_OUT):
        raise ValidationError(_("The member has died or moved out."))
    started_on = started_on or unit_today()
    with transaction.atomic():
        current = member.pairings.select_for_update().filter(ended_on__isnull=True).first()
        if current and current.partner_id == partner.pk:
            raise ValidationError({"partner": _("This is already the member's partner.")})
        if current:
            current.ended_on = started_on
            current.save(update_fields=["ended_on"])
        pairing = Pairing.objects.create(member=member, partner=partner, started_on=started_on, note=note.strip(),
                                         created_by=acting_user(actor))
        moved = _reassign(member, partner)
        record(actor, MEMBER_PAIRED, member, {"partner": [current.partner_id if current else None, partner.pk],
                                              "tasks_reassigned": [None, moved]})
    return pairing


def end_pairing(actor, member: Member, *, note: str = "") -> Pairing:
    access.require_write(actor, member.node)
    with transaction.atomic():
        current = member.pairings.select_for_update().filter(ended_on__isnull=True).first()
        if current is None:
            raise ValidationError(_("The member has no partner."))
        current.ended_on = unit_today()
        if note.strip():
            current.note = note.strip()
        current.save(update_fields=["ended_on", "note"])
        moved = _reassign(member, secretary_for(member.node))
        record(actor, MEMBER_UNPAIRED, member, {"partner": [current.partner_id, None],
                                                "tasks_reassigned": [None, moved]})
    return current
