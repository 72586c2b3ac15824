"""The greetings a rule can send, by the names people know them by.

A rule (and each greeting it plans) keeps only the key of a message template; the templates and their names
belong to the SMS app, above the programme, which plugs its catalogue in here from its AppConfig.ready()
(notifications.services.templates: greeting_choices and name_of). Pages of the programme show a greeting's
name through this module and never its key."""

from collections.abc import Callable

# Until the SMS app plugs in (or without it): no greetings to choose, and a key stands for itself.
_catalogue: dict[str, Callable] = {"choices": list, "name_of": str}


def provide(*, choices: Callable[[], list[tuple[str, str]]], name_of: Callable[[str], str]) -> None:
    """The SMS app's catalogue: `choices()` -> [(key, name)] of every greeting, `name_of(key)` -> its name."""
    _catalogue.update(choices=choices, name_of=name_of)


def choices() -> list[tuple[str, str]]:
    return _catalogue["choices"]()


def name_of(key: str) -> str:
    """The greeting's name ("" for none)."""
    return _catalogue["name_of"](key) if key else ""
