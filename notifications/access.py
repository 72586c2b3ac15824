"""What each member of staff may see of the SMS records (the scope querysets every SMS page and API view starts
from). Unit admins see everything; others see what concerns members of their subtree and what was sent to
themselves."""

from django.db.models import Q

from care.registers import access
from carehub.accounts.models import Role
from notifications.models import Message, Notice, OptOut, SendWindow


def _is_admin(user) -> bool:
    return getattr(user, "role", None) == Role.ADMIN


def visible_messages(user):
    if not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    if _is_admin(user):
        return Message.objects.all()
    if access.root_path(user) is None:
        return Message.objects.filter(user=user)
    return Message.objects.filter(Q(member__in=access.visible_members(user)) | Q(user=user))


def visible_notices(user):
    if not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    if _is_admin(user):
        return Notice.objects.all()
    reached = Message.objects.filter(member__in=access.visible_members(user)).values("notice_id")
    return Notice.objects.filter(Q(created_by=user) | Q(pk__in=reached))


def scope_phones(user) -> Q:
    """Phone numbers (their own or their proxy's) of the members the user sees, as a condition on `phone`."""
    members = access.visible_members(user)
    return Q(phone__in=members.exclude(phone="").values("phone")) | Q(
        phone__in=members.exclude(proxy_phone="").values("proxy_phone"))


def visible_opt_outs(user):
    """Opt-outs are scoped like the members they concern. Staff of the whole unit see them all; staff of a subtree
    see those recorded for a member of their subtree, and those recorded by phone alone (a STOP reply, the
    carrier, unit-wide staff) on a phone a member of their subtree or their proxy uses. Never another subtree's
    member, note or recorder: an opt-out recorded for a member elsewhere stays hidden even on a shared phone."""
    path = access.root_path(user)
    if path is None:
        return OptOut.objects.none()
    if path == "":
        return OptOut.objects.all()
    return OptOut.objects.filter(Q(member__in=access.visible_members(user)) | Q(member__isnull=True)
                                 & scope_phones(user))


def visible_windows(user):
    """Members' own sending windows, of members in scope."""
    return SendWindow.objects.filter(member__in=access.visible_members(user))
