"""What people call the purposes of message templates: the built-in ones by a name in code, an occasion of the
calendar as "<occasion> greeting"; a unit's own purposes carry the name it gave them (Template.name). Nobody reads
or types a template's key."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.programme.calendar import OCCASIONS_BY_KEY

BUILT_IN_NAMES = {
    "birthday": gettext_lazy("Birthday greeting"),
    "political_birthday": gettext_lazy("Political birthday greeting"),
    "political_birthday_round": gettext_lazy("Greeting for a round Party anniversary (50, 60 years …)"),
    "spring_festival": gettext_lazy("Spring Festival greeting"),
    "double_ninth": gettext_lazy("Double Ninth greeting"),
    "nurses_day": gettext_lazy("Nurses' Day greeting"),
    "physicians_day": gettext_lazy("Physicians' Day greeting"),
    "greeting": gettext_lazy("Greeting for any other occasion"),
    "visit_notice": gettext_lazy("Visit notice"),
    "fund_notice": gettext_lazy("Care fund payment notice"),
    "staff_digest": gettext_lazy("Daily task reminder to staff"),
    "task_assigned": gettext_lazy("New task announced to staff"),
}


def built_in_name(key: str) -> str:
    """The name of a purpose the unit has not named: built in, an occasion's greeting, else its key in words."""
    if key in BUILT_IN_NAMES:
        return str(BUILT_IN_NAMES[key])
    if key in OCCASIONS_BY_KEY:
        return _("%(occasion)s greeting") % {"occasion": OCCASIONS_BY_KEY[key].label}
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


# The ladder of channels is set per purpose: these two, and each notice template by its name.
LADDER_PURPOSES = {"greetings": gettext_lazy("Every greeting"), "notices": gettext_lazy("A notice typed by staff")}


def ladder_purpose_name(purpose: str) -> str:
    return str(LADDER_PURPOSES[purpose]) if purpose in LADDER_PURPOSES else built_in_name(purpose)
