"""Commendations (表彰), by year, of members or organisations. Commending a member is also a life event, so the
unit's must-talk rule for commendations creates its talk."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.programme.actions import COMMENDATION_CREATED
from care.programme.models import Commendation, LifeEventKind
from care.programme.services.events import record_life_event
from care.programme.services.records import past_day
from care.registers import access
from care.registers.models import Member, Node
from carehub.audit.services import acting_user, created
from carehub.clock import unit_today

FIELDS = ["year", "title", "member", "node", "awarded_on", "note"]


def record_commendation(actor, *, title: str, member: Member | None = None, node: Node | None = None,
                        awarded_on=None, year: int | None = None, note: str = "") -> Commendation:
    if (member is None) == (node is None):
        raise ValidationError({"member": _("Commend either a member or an organisation.")})
    access.require_write(actor, member.node if member else node)
    errors: dict = {}
    awarded_on = past_day(awarded_on or unit_today(), "awarded_on", errors)
    if not title.strip():
        errors["title"] = _("Give the title of the award.")
    year = int(year or (awarded_on.year if awarded_on else unit_today().year))
    if awarded_on and not year - 1 <= awarded_on.year <= year + 1:
        errors["year"] = _("The award year and the date do not match.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        commendation = Commendation.objects.create(year=year, title=title.strip(), member=member, node=node,
                                                   awarded_on=awarded_on, note=note.strip(),
                                                   recorded_by=acting_user(actor))
        created(actor, COMMENDATION_CREATED, commendation, FIELDS)
        if member is not None:
            record_life_event(actor, member, kind=LifeEventKind.COMMENDATION, occurred_on=awarded_on,
                              note=commendation.title)
    return commendation
