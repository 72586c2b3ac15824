"""One error format for the whole API: {"error": {"code": ..., "message": ..., "fields": {name: [messages]}}}.

Services raise Django's ValidationError and PermissionDenied (they serve the portal too); here they become the
same JSON as DRF's own errors, so a client handles one shape whatever failed. Messages are translated by the
services (gettext) and by DRF, in the language the unit's locale middleware activated.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEYS = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY}
API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound()  # never echo "No Member matches the given query."
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):  # the body passed DATA_UPLOAD_MAX_MEMORY_SIZE
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):  # too many form fields or files, a malformed multipart body
        return exceptions.ParseError()
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


# The error an answer's status stands for, when Django rather than DRF answered (see ApiErrorMiddleware).
ERROR_OF_STATUS = {
    400: exceptions.ParseError,
    401: exceptions.NotAuthenticated,
    403: exceptions.PermissionDenied,
    404: exceptions.NotFound,
    406: exceptions.NotAcceptable,
    413: RequestTooLarge,
    429: exceptions.Throttled,
}


class ServerError(exceptions.APIException):
    default_code = "server_error"


def error_of_status(status_code: int, method: str) -> exceptions.APIException:
    if status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        return exceptions.MethodNotAllowed(method)
    error = ERROR_OF_STATUS.get(status_code) or (ServerError if status_code >= 500 else exceptions.ParseError)
    return error()


class ApiErrorMiddleware:
    """Every error under /api/ has the API's error body, also when Django answered rather than a DRF view: the
    URL resolver's 404, an unhandled exception's 500 (after Django has logged and reported it), the 400 of a
    suspicious request, an archived unit's 404. Outermost, so that it sees what the other middleware answer; the
    message is in the language the locale middleware chose for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path_info.startswith(API_PREFIX)
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        with translation.override(getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE):
            body = {"error": error_body(error_of_status(response.status_code, request.method))}
        answer = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        for header, value in response.items():  # security headers, Allow, Vary, Retry-After ...
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer


class ErrorDetailSerializer(serializers.Serializer):
    # Documents carehub.api.errors. "fields" is built in get_fields: as a class attribute it would shadow
    # Serializer.fields.
    def get_fields(self):
        return {
            "code": serializers.CharField(help_text="Machine-readable: invalid, not_authenticated, not_found, ..."),
            "message": serializers.CharField(help_text="Translated into the unit's language."),
            "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                            help_text='Messages per field; nested fields dotted ("extra.rank").'),
        }


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
