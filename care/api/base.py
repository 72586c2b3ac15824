"""What every API view shares: the audit source, authentication-first permissions, and scoped id fields."""

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from care.audit.models import Source
from care.audit.services import source

from .permissions import WritersMayChange


class ApiSourceMixin:
    """Everything the services record while handling an API request shows "api" as its source."""

    def dispatch(self, request, *args, **kwargs):
        with source(Source.API):
            return super().dispatch(request, *args, **kwargs)


class CareViewSet(ApiSourceMixin, viewsets.GenericViewSet):
    """Thin views: querysets come from care.access, changes go through care.services."""

    permission_classes = [IsAuthenticated, WritersMayChange]

    def validated(self, serializer_class, **kwargs) -> dict:
        """The request body checked by `serializer_class`, ready to pass to a service."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id accepted only if the requesting user may see the object: ids out of scope read as "does not
    exist", exactly like ids of another unit, so the answer reveals nothing."""

    def __init__(self, scope, **kwargs):
        self.scope = scope  # a care.access function: user -> queryset
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)
