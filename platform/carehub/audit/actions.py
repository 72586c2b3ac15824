"""The audit trail's vocabulary: every action an app records is a named constant with a translated label.

Each app declares its actions in its own `actions.py`:

    MEMBER_CREATED = Action("registers.member.created", _("Member added"))

and passes the constant to `carehub.audit.services.record`. An `Action` is a `str` (what is stored and
filtered on), named `<app>.<object>.<what happened>`, so the trail reads the same whichever app wrote it, and
pages show `label_of(event.action)` instead of the stored name.
"""

from django.utils.functional import Promise

_actions: dict[str, "Action"] = {}


class Action(str):
    """A stored action name that knows its label. Declaring one registers it; names are unique."""

    label: Promise

    def __new__(cls, name: str, label: Promise) -> "Action":
        if name in _actions:
            raise ValueError(f"Audit action {name!r} is declared twice.")
        if name.count(".") < 2 or len(name) > 60:
            raise ValueError(f"Audit action {name!r} must read <app>.<object>.<what happened>, at most 60 long.")
        action = super().__new__(cls, name)
        action.label = label
        _actions[name] = action
        return action


def label_of(name: str) -> str:
    """The label of a stored action; the name itself for an action no app declares (never an error)."""
    action = _actions.get(name)
    return str(action.label) if action else name


def declared() -> dict[str, "Action"]:
    return dict(_actions)
