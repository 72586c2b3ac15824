"""What the portal views share: service errors shown on form fields or as messages, pagination and HTMX fragments.
Form actions are carehub.portal.actions.FormActionView."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst

PAGE_SIZE = 50


def show_errors(form, exc: ValidationError, names: dict | None = None) -> None:
    """Put a service's ValidationError next to the fields it names; errors of unknown fields go above the form.

    `names` maps the service's keys to the form's when they differ (extra fields are `extra.<key>` there).
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = (names or {}).get(key, key)
        if field.startswith("extra."):
            field = extra_name(field.removeprefix("extra."))
        form.add_error(field if field in form.fields else None, errors)


def extra_name(key: str) -> str:
    """The form field of a unit-defined extra field (a dot in an HTML id would break CSS selectors)."""
    return f"extra__{key}"


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def wants_fragment(request, target: str) -> bool:
    """An HTMX request that replaces only `#target` (history restores ask for the whole page)."""
    return request.headers.get("HX-Target") == target and "HX-History-Restore-Request" not in request.headers


def vary_on_htmx(response):
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def label_of(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def forget_built_fields(filterset) -> None:
    """Drop form fields already built on the filterset's filters, so the per-request changes made after this
    (choices and organisations within the user's scope, widgets) take effect. The filters are copies of the
    class-level ones, and those may hold a field built elsewhere: the API schema generator builds them, and the
    copies would then show every category and every organisation whatever the user's scope."""
    for filter_ in filterset.filters.values():
        filter_.__dict__.pop("_field", None)


def flash_error(request, exc: ValidationError) -> None:
    """A service's refusal as a message on the next page (for actions that are buttons, not forms)."""
    messages.error(request, " ".join(exc.messages))
