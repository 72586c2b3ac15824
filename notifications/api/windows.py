"""Members' own sending windows (a night-shift worker, a member who sleeps in the afternoon): read within one's
scope, set and removed by those who may change the member. Without one, the unit's window applies."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from carehub.api.base import CareViewSet
from notifications.access import visible_windows
from notifications.api.serializers import SendWindowSerializer, SendWindowUpdateSerializer, SendWindowWriteSerializer
from notifications.models import SendWindow
from notifications.services import windows


class SendWindowFilter(django_filters.FilterSet):
    member = django_filters.NumberFilter(field_name="member_id")

    class Meta:
        model = SendWindow
        fields = ["member"]


class SendWindowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    """POST sets a member's window (replacing any); PATCH changes it; DELETE goes back to the unit's window."""

    serializer_class = SendWindowSerializer
    filterset_class = SendWindowFilter
    ordering_fields = ["id"]
    ordering = ["id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return visible_windows(self.request.user).select_related("member")

    @extend_schema(request=SendWindowWriteSerializer, responses={201: SendWindowSerializer})
    def create(self, request):
        data = self.validated(SendWindowWriteSerializer)
        window = windows.set_window(request.user, data["member"], send_from=data["send_from"],
                                    send_until=data["send_until"])
        return Response(SendWindowSerializer(window).data, status=HTTP_201_CREATED)

    @extend_schema(request=SendWindowUpdateSerializer, responses=SendWindowSerializer)
    def partial_update(self, request, pk=None):
        window = self.get_object()
        data = self.validated(SendWindowUpdateSerializer)
        window = windows.set_window(request.user, window.member, send_from=data.get("send_from", window.send_from),
                                    send_until=data.get("send_until", window.send_until))
        return Response(SendWindowSerializer(window).data)

    def destroy(self, request, pk=None):
        windows.clear_window(request.user, self.get_object().member)
        return Response(status=HTTP_204_NO_CONTENT)
