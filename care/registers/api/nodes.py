"""The organisation tree: nodes in the user's subtree only."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from care.registers import access
from care.registers.api.serializers import NodeCreateSerializer, NodeMoveSerializer, NodeSerializer, NodeWriteSerializer
from care.registers.models import Node, NodeKind
from care.registers.services import nodes
from carehub.api.base import CareViewSet


def _visible_nodes(request):
    return access.visible_nodes(request.user)


class NodeFilter(django_filters.FilterSet):
    parent = django_filters.ModelChoiceFilter(queryset=_visible_nodes, help_text="Direct children of this node.")
    kind = django_filters.ChoiceFilter(choices=NodeKind.choices)
    depth = django_filters.NumberFilter()
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                       help_text="Part of the organisation's name.")

    class Meta:
        model = Node
        fields = ["parent", "kind", "depth", "search"]


@extend_schema_view(
    create=extend_schema(request=NodeCreateSerializer, responses={201: NodeSerializer}),
    partial_update=extend_schema(request=NodeWriteSerializer, responses=NodeSerializer),
)
class NodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = NodeSerializer
    filterset_class = NodeFilter
    ordering_fields = ["path", "name", "depth"]
    ordering = ["path"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return access.visible_nodes(self.request.user)

    def create(self, request):
        node = nodes.create_node(request.user, **self.validated(NodeCreateSerializer))
        return Response(NodeSerializer(node).data, status=HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        node = self.get_object()
        node = nodes.update_node(request.user, node, **self.validated(NodeWriteSerializer, partial=True))
        return Response(NodeSerializer(node).data)

    def destroy(self, request, pk=None):
        nodes.delete_node(request.user, self.get_object())
        return Response(status=HTTP_204_NO_CONTENT)

    @extend_schema(request=NodeMoveSerializer, responses=NodeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the node and its whole subtree under another parent."""
        node = self.get_object()
        node = nodes.move_node(request.user, node, self.validated(NodeMoveSerializer)["parent"])
        return Response(NodeSerializer(node).data)
