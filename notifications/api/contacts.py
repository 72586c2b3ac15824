"""How members are reached: a member's contact plan (read within one's scope, set by those who may change the
member), the ladders their messages climbed (read-only), and how far each purpose's messages climb (read by
all, set by unit admins)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from care.registers import access
from carehub.api.base import ApiSourceMixin, CareViewSet
from carehub.api.permissions import AdminsMayChange
from notifications.api.serializers import (
    LADDER_ENDS_REQUEST,
    ContactPlanSerializer,
    ContactPlanWriteSerializer,
    LadderSerializer,
    ReachSerializer,
)
from notifications.services import contacts

LATEST_REACHES = 50


class MemberContactViewSet(CareViewSet):
    """A member's contact plan and ladders, by the member's id (404 for members outside one's scope)."""

    serializer_class = ContactPlanSerializer
    filter_backends = []
    pagination_class = None  # one member's latest ladders, not pages of a list

    def get_queryset(self):
        return access.visible_members(self.request.user).select_related("node")

    @extend_schema(methods=["GET"], responses=ContactPlanSerializer)
    @extend_schema(methods=["PUT"], request=ContactPlanWriteSerializer, responses=ContactPlanSerializer)
    @action(detail=True, methods=["get", "put"], url_path="contact-plan")
    def contact_plan(self, request, pk=None):
        """The member's preferred channel and whether they read an SMS (a member without a plan prefers SMS and
        reads it), with their proxy. PUT replaces both."""
        member = self.get_object()
        if request.method == "GET":
            return Response(ContactPlanSerializer(contacts.plan_of(member)).data)
        access.require_write(request.user, member.node)  # refused before the body is judged
        data = self.validated(ContactPlanWriteSerializer)
        return Response(ContactPlanSerializer(contacts.set_contact_plan(request.user, member, **data)).data)

    @extend_schema(responses=ReachSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reaches(self, request, pk=None):
        """The latest ladders of channels the member's messages climbed (at most 50, latest first), each with
        the rungs tried: channel, phone, when, and what it came to."""
        reaches = contacts.named(list(contacts.reaches_of_member(self.get_object())[:LATEST_REACHES]))
        return Response(ReachSerializer(reaches, many=True).data)


class LaddersView(ApiSourceMixin, APIView):
    permission_classes = [*APIView.permission_classes, AdminsMayChange]

    @extend_schema(responses=LadderSerializer(many=True))
    def get(self, request):
        """Every purpose whose ladder the unit sets, with how far its messages climb now and by default."""
        return Response(LadderSerializer(contacts.purposes(), many=True).data)

    @extend_schema(request={"application/json": LADDER_ENDS_REQUEST}, responses=LadderSerializer(many=True))
    def put(self, request):
        """Set how far purposes' messages climb: {purpose: end}; ladders already climbing keep their steps."""
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError([_("Send an object of purposes and ends.")])
        return Response(LadderSerializer(contacts.set_ladders(request.user, dict(request.data)), many=True).data)
