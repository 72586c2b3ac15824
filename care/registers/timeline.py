"""Registry of the sources of a member's timeline beyond the registers' own records, filled by the care apps.

The registers sit below the apps that add to a member's history (the care fund's assistance, the care
programme's visits), so they cannot import them; each app registers its source at start-up (AppConfig.ready),
as tenants.presets does for presets. A source is a function `(member, user) -> list[dict]`, each dict the fields of
one timeline item (care.registers.portal.timeline.Item), showing only what any user who may see the member may see.
"""

from collections.abc import Callable

_sources: list[Callable] = []


def register(source: Callable) -> Callable:
    """Add a source (usable as a decorator); registering the same one twice adds it once."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister(source: Callable) -> None:
    if source in _sources:
        _sources.remove(source)


def sources() -> list[Callable]:
    return list(_sources)
