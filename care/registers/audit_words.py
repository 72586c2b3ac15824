"""How values of the care apps' audit records read in words, where the registers' audit pages cannot tell from a
model field: a rule's audience, a greeting's template, a cost-sharing rule's shares, a report's kind.

The audit pages live in the registers, below the apps that write those records; each app registers its words
from its AppConfig.ready() (as care.registers.timeline does for a member's history). A function takes the stored
value (never empty) and returns the text to show."""

from collections.abc import Callable

_words: dict[tuple[str, str], Callable[[object], str]] = {}


def register(object_type: str, key: str, words: Callable[[object], str]) -> None:
    """`words(value)` for the key `key` of records of `object_type` ("*": of any object type)."""
    _words[(object_type, key)] = words


def words_for(object_type: str, key: str) -> Callable[[object], str] | None:
    return _words.get((object_type, key)) or _words.get(("*", key))
