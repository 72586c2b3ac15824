"""Who may see and do what with the care funds. Builds on care.registers.access (scope = a node's subtree).

- Reading: funds kept by organisations in one's subtree, their ledgers and disclosures; applications of
  members in one's subtree. Outside it an object does not exist (404).
- Bookkeeping (post income and spending, transfers, reversals, pay approved applications, close periods,
  disclosure links): unit admins and treasurers, for funds kept within their subtree. A treasurer of a general
  branch cannot touch the committee's fund.
- Applying: admins and secretaries for members in their subtree, and any staff account for its own member.
- Verifying (the member's branch checks the facts): admins and secretaries whose subtree holds the member.
- Deciding (approve or reject): admins and secretaries whose subtree holds the deciding fund's organisation.
- Segregation of duties: nobody approves an application they drafted or submitted, nobody verifies, decides or
  pays an application for themselves (their linked member, or a member whose phone or proxy phone is theirs:
  a family phone means the same household), and a second approval comes from someone other than the first.
- Funds, cost sharing rules and staff-member links: unit admins.
Sensitive categories: applications stay visible (the treasurer must pay them) but their category reads
"hardship assistance" and their reason, notes and evidence are hidden without the sensitive permission.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from care.fund.models import ApplicationStatus as S
from care.fund.models import AssistanceApplication, Attachment, DisclosureLink, Fund, LedgerEntry
from care.registers import access
from care.registers.models import Member, Node
from carehub.accounts.models import Role

BOOKKEEPERS = {Role.ADMIN, Role.TREASURER}
DECIDERS = access.WRITERS  # admins and secretaries
ACTORS = BOOKKEEPERS | DECIDERS  # every role that may change anything in the fund


def covers(user, node: Node) -> bool:
    path = access.root_path(user)
    return path is not None and node.path.startswith(path)


def visible_funds(user):
    path = access.root_path(user)
    if path is None:
        return Fund.objects.none()
    return Fund.objects.filter(node__path__startswith=path)


def visible_entries(user):
    path = access.root_path(user)
    if path is None:
        return LedgerEntry.objects.none()
    return LedgerEntry.objects.filter(fund__node__path__startswith=path)


def visible_applications(user):
    """Applications of members in the user's subtree. The deciding fund sits on the member's line, so whoever
    covers the fund covers the member too."""
    path = access.root_path(user)
    if path is None:
        return AssistanceApplication.objects.none()
    return AssistanceApplication.objects.filter(member__node__path__startswith=path)


def visible_attachments(user):
    """Receipts of visible entries and evidence of visible applications (evidence of a sensitive category is
    for those who may see its details: see Sight)."""
    return Attachment.objects.filter(Q(entry__in=visible_entries(user)) |
                                     Q(application__in=visible_applications(user)))


def visible_links(user):
    """Disclosure links of visible funds."""
    return DisclosureLink.objects.filter(fund__in=visible_funds(user))


def may_keep_books(user, fund: Fund) -> bool:
    return getattr(user, "role", None) in BOOKKEEPERS and covers(user, fund.node)


def require_bookkeeper(user, *funds: Fund) -> None:
    if not all(may_keep_books(user, fund) for fund in funds):
        raise PermissionDenied(_("Only the unit's admins and the treasurers of this fund may post to it."))


def _own(user) -> Q | None:
    """Members the account counts as: its linked member, and members whose phone or proxy phone is the
    account's phone (a family phone means the same household)."""
    if not getattr(user, "pk", None):
        return None
    condition = Q(staff_account__user=user)
    if getattr(user, "phone", ""):
        condition |= Q(phone=user.phone) | Q(proxy_phone=user.phone)
    return condition


def own_member_ids(user) -> set[int]:
    condition = _own(user)
    return set(Member.objects.filter(condition).values_list("pk", flat=True)) if condition else set()


def is_own(user, member: Member) -> bool:
    condition = _own(user)
    return condition is not None and Member.objects.filter(condition, pk=member.pk).exists()


@dataclass(frozen=True)
class Sight:
    """What one user may see of applications of sensitive categories, worked out once (for a whole list)."""

    sensitive: bool
    own: frozenset

    def details(self, application: AssistanceApplication) -> bool:
        return not application.is_sensitive or self.sensitive or application.member_id in self.own


def sight_of(user) -> Sight:
    return Sight(access.can_see_sensitive(user), frozenset(own_member_ids(user)))


def may_apply(user, member: Member) -> bool:
    writer = getattr(user, "role", None) in DECIDERS and covers(user, member.node)
    return writer or is_own(user, member)


def may_verify(user, application: AssistanceApplication) -> bool:
    return (getattr(user, "role", None) in DECIDERS and covers(user, application.member.node)
            and not is_own(user, application.member))


def conflict(user, application: AssistanceApplication) -> str | None:
    """Why `user` may not decide this application, or None."""
    if is_own(user, application.member):
        return _("Nobody decides on an application for themselves or their household.")
    if user.pk in (application.created_by_id, application.submitted_by_id):
        return _("Nobody approves an application they drafted or submitted.")
    return None


def may_decide(user, application: AssistanceApplication) -> bool:
    return (getattr(user, "role", None) in DECIDERS and covers(user, application.fund.node)
            and conflict(user, application) is None)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_admin(user) -> None:
    access.require_admin(user)


def awaiting(user, applications):
    """Of `applications`, those waiting for a step the user may take (the inbox). Mirrors the rules above as
    one query: drafts to submit, submissions to verify, verified ones to decide, approved ones to pay."""
    path, role, own = access.root_path(user), getattr(user, "role", None), own_member_ids(user)
    if path is None:
        return applications.none()
    others = ~Q(member_id__in=own)
    waiting = Q(status=S.DRAFT, member_id__in=own)
    if role in DECIDERS:
        members_here = Q(member__node__path__startswith=path)
        waiting |= Q(status=S.DRAFT) & members_here
        waiting |= Q(status=S.SUBMITTED) & members_here & others
        deciding = (Q(status__in=[S.VERIFIED, S.SECOND_APPROVAL], fund__node__path__startswith=path) & others
                    & ~Q(created_by=user) & ~Q(submitted_by=user) & ~Q(status=S.SECOND_APPROVAL, approved_by=user))
        waiting |= deciding
    if role in BOOKKEEPERS:
        waiting |= Q(status=S.APPROVED, fund__node__path__startswith=path) & others
    return applications.filter(waiting)
