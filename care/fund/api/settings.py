"""What a unit sets up around its funds: cost sharing rules and staff-member links (unit admins), and the
public disclosure links (admins and the fund's treasurers)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from care.fund import access
from care.fund.api.base import FundViewSetBase
from care.fund.api.serializers import (
    CostShareRuleSerializer,
    DisclosureLinkCreateSerializer,
    DisclosureLinkSerializer,
    MemberAccountCreateSerializer,
    MemberAccountSerializer,
)
from care.fund.models import CostShareRule, MemberAccount
from care.fund.services import disclosure, funds
from carehub.accounts.models import User
from carehub.api.permissions import AdminsMayChange, AdminsOnly


@extend_schema_view(create=extend_schema(request=CostShareRuleSerializer, responses={201: CostShareRuleSerializer}))
class CostShareRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FundViewSetBase):
    """Payments of a category shared between levels by percentage. POST creates or replaces the category's
    rule. Read by everyone, changed by unit admins."""

    serializer_class = CostShareRuleSerializer
    permission_classes = [IsAuthenticated, AdminsMayChange]
    queryset = CostShareRule.objects.all()
    pagination_class = None
    filter_backends = []
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request):
        data = self.validated(CostShareRuleSerializer)
        legs = [{"level": leg["level"], "percent": str(leg["percent"])} for leg in data["legs"]]
        rule = funds.save_rule(request.user, category=data.get("category", ""), legs=legs)
        return Response(CostShareRuleSerializer(rule).data, status=HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        funds.delete_rule(request.user, self.get_object())
        return Response(status=HTTP_204_NO_CONTENT)


@extend_schema_view(create=extend_schema(request=MemberAccountCreateSerializer,
                                         responses={201: MemberAccountSerializer}))
class MemberAccountViewSet(mixins.ListModelMixin, FundViewSetBase):
    """Staff accounts that are themselves members: nobody verifies, decides or pays their own application."""

    serializer_class = MemberAccountSerializer
    permission_classes = [IsAuthenticated, AdminsOnly]
    queryset = MemberAccount.objects.select_related("member").order_by("pk")
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request):
        data = self.validated(MemberAccountCreateSerializer)
        user = get_object_or_404(User, pk=data["user"])
        link = funds.link_member(request.user, user, data["member"])
        return Response(MemberAccountSerializer(link).data, status=HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        funds.unlink_member(request.user, self.get_object())
        return Response(status=HTTP_204_NO_CONTENT)


@extend_schema_view(create=extend_schema(request=DisclosureLinkCreateSerializer,
                                         responses={201: DisclosureLinkSerializer}))
class DisclosureLinkViewSet(mixins.ListModelMixin, FundViewSetBase):
    """Links to a fund's public disclosure of a year or month, opened without logging in until revoked."""

    serializer_class = DisclosureLinkSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return access.visible_links(self.request.user).select_related("fund")

    def create(self, request):
        data = self.validated(DisclosureLinkCreateSerializer)
        link = disclosure.create_link(request.user, data.pop("fund"), **data)
        return Response(self.get_serializer(link).data, status=HTTP_201_CREATED)

    @extend_schema(request=None, responses=DisclosureLinkSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """The link stops working at once (the page answers 404)."""
        link = disclosure.revoke_link(request.user, self.get_object())
        return Response(self.get_serializer(link).data)
