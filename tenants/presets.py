"""Registry of the preset care programme per unit kind, filled by the care apps and applied at onboarding.

A preset is a function taking the new unit; it runs inside the unit's schema and the onboarding transaction,
so a failing preset leaves no unit behind.
"""

from collections import defaultdict
from collections.abc import Callable

ALL_KINDS = "*"
_presets: dict[str, list[Callable]] = defaultdict(list)


def register(*kinds: str):
    """Decorator: `@register("school")`, or `@register()` for every kind."""

    def decorator(function: Callable) -> Callable:
        for kind in kinds or (ALL_KINDS,):
            _presets[kind].append(function)
        return function

    return decorator


def unregister(function: Callable) -> None:
    for functions in _presets.values():
        if function in functions:
            functions.remove(function)


def presets_for(kind: str) -> list[Callable]:
    return [*_presets[ALL_KINDS], *_presets[kind]]


def apply_presets(unit) -> list[str]:
    """Run every preset for the unit's kind; returns their names for the onboarding report."""
    applied = []
    for preset in presets_for(unit.kind):
        preset(unit)
        applied.append(preset.__name__)
    return applied
