"""What every API view shares: the audit source, input checked against the operation's declaration,
authentication-first permissions, and scoped id fields."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django_filters import RangeFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiRequest
from rest_framework import exceptions, serializers, viewsets

from carehub.audit.models import Source
from carehub.audit.services import source

# Taken by every operation: DRF's renderer override (?format=json).
STANDARD_QUERY_PARAMETERS = {"format"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
NESTED = serializers.BaseSerializer | serializers.ListField  # fields whose values are checked field by field too


class DeclaredInputMixin:
    """Refuses query parameters and body fields that the operation does not declare, rather than ignoring them:
    a mistyped filter would silently widen a list, a mistyped field silently change nothing. The declaration is
    the one the OpenAPI schema is generated from (drf-spectacular's annotations, the filter set, the paginator),
    so what the API accepts and what its schema says cannot drift apart. Read-only fields are refused too (the
    request schemas leave them out): a client that sends one means to change it, and must learn that it cannot."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions and throttling come first
        if getattr(self, request.method.lower(), None) is None:
            return  # no such operation: dispatch answers 405
        operation = operation_schema(self)
        names, prefixes = declared_query_parameters(self, operation)
        errors = {name: [_("Unknown parameter.")] for name in request.query_params
                  if name not in names and not name.startswith(prefixes)}
        if request.method in BODY_METHODS:
            undeclared = undeclared_fields(declared_request(operation, request), request.data)
            errors.update({name: [reason] for name, reason in undeclared.items()})
        if errors:
            raise exceptions.ValidationError(errors)


def operation_schema(view):
    """drf-spectacular's schema of the operation `view` is handling, as the generator would see it."""
    action = view.action if isinstance(view, viewsets.ViewSetMixin) else None  # other views may use the name otherwise
    handler = getattr(view, action or view.request.method.lower(), None)
    schema = (getattr(handler, "kwargs", {}).get("schema") or type(view.schema))()
    schema.view, schema.method = view, view.request.method
    return schema


def declared_query_parameters(view, operation) -> tuple[set[str], tuple[str, ...]]:
    """Names the operation takes, and prefixes of pattern names such as `extra.{key}`."""
    names = set(STANDARD_QUERY_PARAMETERS)
    for parameter in operation.get_override_parameters():
        if isinstance(parameter, OpenApiParameter):
            if parameter.location == OpenApiParameter.QUERY:
                names.add(parameter.name)
        elif is_serializer(parameter):
            names.update(force_instance(parameter).fields)
    if view.request.method == "GET" and getattr(view, "detail", None) is False:  # a list: filters and pages
        for backend in getattr(view, "filter_backends", []):
            names.update(filter_parameters(backend(), view))
        if paginator := getattr(view, "paginator", None):
            names.update(parameter["name"] for parameter in paginator.get_schema_operation_parameters(view))
    patterns = {name for name in names if "{" in name}
    return names - patterns, tuple(name.split("{")[0] for name in patterns)


def filter_parameters(backend, view) -> list[str]:
    """The query parameters a filter backend reads, named as drf-spectacular documents them (a range filter is
    `<name>_<suffix>` for each bound)."""
    if not isinstance(backend, DjangoFilterBackend):
        return [parameter["name"] for parameter in backend.get_schema_operation_parameters(view)]
    filterset = backend.get_filterset_class(view, view.get_queryset())
    names = []
    for name, filter_ in (filterset.base_filters.items() if filterset else ()):
        if isinstance(filter_, RangeFilter):
            names += [f"{name}_{suffix}" if suffix else name for suffix in filter_.field_class.widget.suffixes]
        else:
            names.append(name)
    return names


def declared_request(operation, request):
    """The serializer declared for this request's body (per media type where several are), else None."""
    declared = operation.get_request_serializer()
    if isinstance(declared, dict):
        declared = declared.get(request.content_type.split(";")[0].strip())
    if isinstance(declared, OpenApiRequest):
        declared = declared.request
    return force_instance(declared) if is_serializer(declared) else declared


def undeclared_fields(declared, data, prefix: str = "") -> dict[str, str]:
    """The keys of `data` that `declared` does not take, by dotted name (nested serializers included), each with
    the reason. A body declared as nothing takes no fields; a free-form body (a plain schema) takes any."""
    if declared is None:
        return {f"{prefix}{key}": _("Unknown field.") for key in data} if isinstance(data, Mapping) else {}
    if isinstance(declared, serializers.ListSerializer | serializers.ListField):  # a list of objects
        if not isinstance(data, list) or not is_serializer(declared.child):
            return {}
        return {name: reason for index, item in enumerate(data)
                for name, reason in undeclared_fields(declared.child, item, f"{prefix}{index}.").items()}
    if not isinstance(declared, serializers.Serializer) or not isinstance(data, Mapping):
        return {}
    fields = declared.fields
    undeclared = {f"{prefix}{key}": _("Unknown field.") if key not in fields else _("This field cannot be changed.")
                  for key in data if key not in fields or fields[key].read_only}
    for name, field in fields.items():
        if name in data and not field.read_only and isinstance(field, NESTED):
            undeclared.update(undeclared_fields(field, data[name], f"{prefix}{name}."))
    return undeclared


class ApiSourceMixin(DeclaredInputMixin):
    """Everything the services record while handling an API request shows "api" as its source. Every view of the
    units' API derives from this mixin, and so also refuses undeclared input."""

    def dispatch(self, request, *args, **kwargs):
        with source(Source.API):
            return super().dispatch(request, *args, **kwargs)


class CareViewSet(ApiSourceMixin, viewsets.GenericViewSet):
    """Thin views: querysets come from the app's access module, changes go through its services."""

    lookup_value_regex = r"\d+"  # ids are integers: /opt-outs/abc/end/ is an unknown URL (404), never a 500

    def validated(self, serializer_class, **kwargs) -> dict:
        """The request body checked by `serializer_class`, ready to pass to a service."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id accepted only if the requesting user may see the object: ids out of scope read as "does not
    exist", exactly like ids of another unit, so the answer reveals nothing."""

    def __init__(self, scope, **kwargs):
        self.scope = scope  # a care.registers.access function: user -> queryset
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)
