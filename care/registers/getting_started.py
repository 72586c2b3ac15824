"""The registers' steps of a new unit's checklist (care.registers.checklist): the organisation tree, the members,
and the staff."""

from django.utils.translation import gettext_lazy as _

from care.registers.checklist import Step, register
from care.registers.models import Member, Node
from carehub.accounts.models import User
from tenants.services.support import SUPPORT_EMAIL


def tree_is_built() -> bool:
    # The top organisation alone is not a tree yet: members belong to the branches below it.
    return Node.objects.filter(parent__isnull=False).exists()


def members_are_in() -> bool:
    return Member.objects.exists()


def staff_are_invited() -> bool:
    # The first admin is there from onboarding, and the support account is the platform's, not the unit's staff.
    return User.objects.exclude(email=SUPPORT_EMAIL).count() > 1


def register_steps() -> None:
    register(Step("tree", _("Build the organisation tree"),
                  _("Add the branches below your organisation, or import the whole tree from a spreadsheet."),
                  "portal:tree", tree_is_built, order=10))
    register(Step("members", _("Import the members"),
                  _("Bring in your member register from Excel, or add members one by one."),
                  "imports:wizard", members_are_in, order=20))
    register(Step("staff", _("Invite your colleagues"),
                  _("Give each secretary, treasurer and helper an account for their own organisation."),
                  "portal:settings_invite", staff_are_invited, order=60))
