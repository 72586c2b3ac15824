"""OpenAPI generation. The schema is the API's contract (tests/test_api_schema_contract.py checks every operation
against it), so it says what the API really does:

- every operation documents the error answers it can give, in the common format;
- a response field shown from a model column is nullable where the column is, and takes "" where the column may
  be blank (DRF drops both for read-only fields, and named choice components never carry a blank);
- request bodies take no other fields than those listed (carehub.api.base.DeclaredInputMixin refuses the rest);
- times are local wall-clock times ("09:00:00"), not RFC 3339 times with an offset as `format: time` would say.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.drainage import has_override
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from carehub.api.base import BODY_METHODS
from carehub.api.errors import ErrorSerializer

ERRORS = {
    "400": "Invalid input (`fields` names each bad field), an unknown query parameter or body field, or a body "
           "that cannot be parsed.",
    "401": "Not signed in, or the token is not valid in this unit.",
    "403": "Signed in, but the role may not do this.",
    "404": "No such object within your scope, or no such page.",
    "413": "The request body is too large.",
    "415": "The body is not JSON (or, for uploads, not multipart/form-data).",
    "429": "Too many attempts; retry after the Retry-After header's seconds.",
}
LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"
META_KEYS = ("readOnly", "writeOnly", "nullable", "description", "title", "default")
# The member filter's parameters named after the unit's own fields (care.registers.filters.extra_filters).
EXTRA_FILTER = OpenApiParameter(
    "extra.{key}", str, description="Filter by a unit-defined field: `extra.<key>=value`; for numbers and dates "
    "also `extra.<key>__gte` and `extra.<key>__lte`, for texts `extra.<key>__contains`, and for any field "
    "`extra.<key>__empty=true` (left empty) or `false` (filled in). A key the unit has not defined, or a value of "
    "the wrong type, is refused (400).")


class CareAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERRORS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400"]  # every operation checks its query parameters, and bodies where it takes one
        if not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path or self._is_list_view():  # an object out of scope, or a page past the end
            codes.append("404")
        if self.method in BODY_METHODS:
            codes += ["413", "415"]
        if self.view.throttle_classes:
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and getattr(field, "read_only", False):
            follow_column(field)
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ChoiceField) and field.allow_blank and has_override(field, "field"):
            schema = or_blank(schema)
        return schema


def column_of(field) -> models.Field | None:
    """The model column a serializer field shows directly, if any."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None
    return column if column.concrete and not column.many_to_many else None  # not a relation's other side


def follow_column(field) -> None:
    """A read-only field may show whatever its column holds: null where the column is nullable, "" where a text
    column may be blank."""
    column = column_of(field)
    if column is None:
        return
    if column.null:
        field.allow_null = True
    if column.blank and isinstance(column, models.CharField | models.TextField) and hasattr(field, "allow_blank"):
        field.allow_blank = True


def or_blank(schema: dict) -> dict:
    """A named choice component (a $ref) that may also be ""."""
    schema = dict(schema)
    meta = {key: schema.pop(key) for key in META_KEYS if key in schema}
    choices = schema["allOf"][0] if list(schema) == ["allOf"] and len(schema["allOf"]) == 1 else schema
    return {"oneOf": [choices, {"type": "string", "enum": [""]}], **meta}


def tighten(result, generator, request, public):
    """Postprocessing hook (SPECTACULAR_SETTINGS): request bodies are closed objects, times are local times."""
    components = result.get("components", {}).get("schemas", {})
    bodies = [operation["requestBody"] for path in result["paths"].values() for operation in path.values()
              if isinstance(operation, dict) and "requestBody" in operation]
    for name in _referenced(bodies, components):
        if "properties" in components[name]:
            components[name].setdefault("additionalProperties", False)
    _local_times(result)
    return result


def _referenced(node, components: dict, found: set | None = None) -> set[str]:
    """Names of the components `node` refers to, directly or through other components."""
    found = set() if found is None else found
    if isinstance(node, dict):
        name = node.get("$ref", "").rpartition("/")[2]
        if name in components and name not in found:
            found.add(name)
            _referenced(components[name], components, found)
        for value in node.values():
            _referenced(value, components, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, components, found)
    return found


def _local_times(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = LOCAL_TIME
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)
