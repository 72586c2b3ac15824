"""Text lengths checked against the model's own column sizes, so that a service refuses with a message what the
database would refuse with an error (a 500, or an import whose preview said "create" failing at commit)."""

from django.utils.translation import gettext as _


def check_lengths(model, values: dict, errors: dict) -> None:
    """Add an error for each text in `values` longer than its field's max_length; fields with an error keep it."""
    for name, value in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None) if isinstance(value, str) else None
        if limit is not None and len(value) > limit and name not in errors:
            errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
