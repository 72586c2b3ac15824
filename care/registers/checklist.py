"""Registry of the steps of a new unit's getting-started checklist, filled by the apps that own them.

The dashboard (care.reports) shows the checklist to a unit's admins until every step is done; each step tracks
itself from the unit's data (a fund exists, SMS settings were saved, ...), so nobody ticks anything off by hand
except where no data can tell. The apps that know a step sit on both sides of the dashboard (the registers and the
fund below it, SMS above it), so it cannot ask them all: each registers its steps at start-up (AppConfig.ready, from
its `getting_started` module), as the timeline (care.registers.timeline) and tenants.presets are filled.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class Step:
    """One step: `is_done()` runs in the unit's schema and answers from its data (one cheap query); `url_name`
    is the page where the step is done; `order` places it in the list (the registers' steps first)."""

    key: str
    title: Promise
    text: Promise
    url_name: str
    is_done: Callable[[], bool]
    order: int

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_steps: dict[str, Step] = {}


def register(step: Step) -> Step:
    """Add a step; registering a key again replaces the step (ready() may run more than once)."""
    _steps[step.key] = step
    return step


def unregister(key: str) -> None:
    _steps.pop(key, None)


def steps() -> list[Step]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.key))


@dataclass(frozen=True)
class Progress:
    step: Step
    done: bool


def progress() -> list[Progress]:
    """Every step with whether the current unit has done it."""
    return [Progress(step, bool(step.is_done())) for step in steps()]
