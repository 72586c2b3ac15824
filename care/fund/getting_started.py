"""The care fund's step of a new unit's checklist (care.registers.checklist): set up a fund."""

from django.utils.translation import gettext_lazy as _

from care.fund.models import Fund
from care.registers.checklist import Step, register


def register_steps() -> None:
    register(Step("fund", _("Set up a care fund"),
                  _("Open the books of your care fund: the organisation that keeps it, its name, and when a second "
                    "approver is needed."),
                  "fund:fund_new", Fund.objects.exists, order=50))
