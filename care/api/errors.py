"""One error format for the whole API: {"error": {"code": ..., "message": ..., "fields": {name: [messages]}}}.

Services raise Django's ValidationError and PermissionDenied (they serve the portal too); here they become the
same JSON as DRF's own errors, so a client handles one shape whatever failed. Messages are translated by the
services (gettext) and by DRF, in the language the unit's locale middleware activated.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEYS = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}


def as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound()  # never echo "No Member matches the given query."
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as dotted names ("extra.rank", "choices.0"), the form the services use."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = enumerate(detail)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix: [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        if value:
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def error_body(exc: exceptions.APIException) -> dict:
    """The `error` object for an API exception."""
    if not isinstance(exc.detail, dict | list):
        return {"code": getattr(exc.detail, "code", None) or exc.default_code, "message": str(exc.detail),
                "fields": {}}
    fields = flatten(exc.detail if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail})
    general = [message for key in NON_FIELD_KEYS for message in fields.pop(key, [])]
    return {"code": exc.default_code, "message": " ".join(general) or str(exc.default_detail), "fields": fields}


def exception_handler(exc, context):
    """DRF's handler does the status, WWW-Authenticate, Retry-After and transaction rollback; we set the body."""
    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"error": error_body(exc)}
    return response
