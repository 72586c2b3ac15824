"""The care programme's step of a new unit's checklist (care.registers.checklist): look through the preset rules."""

from django.utils.translation import gettext_lazy as _

from care.programme.services.rules import rules_reviewed
from care.registers.checklist import Step, register


def register_steps() -> None:
    register(Step("rules", _("Look through the care rules"),
                  _("Your unit starts with the usual visits, talks and greetings. Check that they suit you, "
                    "change what does not, and say so on the rules page."),
                  "programme:rules", rules_reviewed, order=30))
