"""What of the care programme a user sees: the records of the members they may see (care.registers.access: a
node's subtree). Outside it a record does not exist (404). Changing a member's records needs write access to the
member's node (care.registers.access.require_write); rules and programme settings, which configure the whole
unit, are read by all staff and changed by unit admins only."""

from django.db.models import Q

from care.programme.models import CareTask, Commendation, Greeting, LifeEvent, Pairing, Talk, Visit, VisitPhoto
from care.registers import access


def visible_tasks(user):
    return CareTask.objects.filter(member__in=access.visible_members(user))


def visible_greetings(user):
    return Greeting.objects.filter(member__in=access.visible_members(user))


def visible_visits(user):
    return Visit.objects.filter(member__in=access.visible_members(user))


def visible_photos(user):
    """Photos of visible visits: they are served only after this check, never as public media."""
    return VisitPhoto.objects.filter(visit__member__in=access.visible_members(user))


def visible_talks(user):
    """Talks of visible members; their confidential notes need more (services.records.can_read_notes)."""
    return Talk.objects.filter(member__in=access.visible_members(user))


def visible_life_events(user):
    return LifeEvent.objects.filter(member__in=access.visible_members(user))


def visible_pairings(user):
    return Pairing.objects.filter(member__in=access.visible_members(user))


def visible_commendations(user):
    """Of members, and of organisations, within the user's scope."""
    return Commendation.objects.filter(Q(member__in=access.visible_members(user)) |
                                       Q(node__in=access.visible_nodes(user)))
