"""Registries of what other apps tell about a member on their profile, filled by the care apps.

The registers sit below the apps that add to a member's history (the care fund's assistance, the care
programme's visits, the SMS greetings), so they cannot import them; each app registers its sources at start-up
(AppConfig.ready), as tenants.presets does for presets.

- A timeline source is a function `(member, user) -> list[dict]`, each dict the fields of one timeline item
  (care.registers.portal.timeline.Item).
- A summary source is a function `(member, user) -> list[dict]`, each dict the fields of one fact of the profile's
  "care history" panel (care.registers.portal.timeline.Fact): the last visit, the assistance of the year, ...

Both show only what any user who may see the member may see, and ask a fixed number of queries whatever the length
of the history.
"""

from collections.abc import Callable

_sources: list[Callable] = []
_summaries: list[Callable] = []


def register(source: Callable) -> Callable:
    """Add a timeline source (usable as a decorator); registering the same one twice adds it once."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister(source: Callable) -> None:
    if source in _sources:
        _sources.remove(source)


def sources() -> list[Callable]:
    return list(_sources)


def register_summary(source: Callable) -> Callable:
    """Add a source of facts for the care history panel; registering the same one twice adds it once."""
    if source not in _summaries:
        _summaries.append(source)
    return source


def unregister_summary(source: Callable) -> None:
    if source in _summaries:
        _summaries.remove(source)


def summaries() -> list[Callable]:
    return list(_summaries)
