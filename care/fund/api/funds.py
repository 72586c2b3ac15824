"""Funds: list with balances, set up (admins), post income and spending, transfer, close periods, and the
disclosure of a year or month."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.fund import access
from care.fund.api.base import FundViewSetBase
from care.fund.api.serializers import (
    ClosedPeriodSerializer,
    ClosePeriodSerializer,
    DisclosureSerializer,
    EntrySerializer,
    FundCreateSerializer,
    FundSerializer,
    FundWriteSerializer,
    PeriodQuerySerializer,
    PostingSerializer,
    TransferResultSerializer,
    TransferSerializer,
)
from care.fund.services import disclosure, funds, ledger, periods


@extend_schema_view(
    create=extend_schema(request=FundCreateSerializer, responses={201: FundSerializer}),
    partial_update=extend_schema(request=FundWriteSerializer, responses=FundSerializer),
)
class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FundViewSetBase):
    serializer_class = FundSerializer
    ordering_fields = ["name", "node__path"]
    ordering = ["node__path"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return ledger.with_balances(access.visible_funds(self.request.user))

    def _shown(self, fund, status=200):
        return Response(FundSerializer(self.get_queryset().get(pk=fund.pk)).data, status=status)

    def create(self, request):
        """Set up a fund for an organisation (unit admins); one fund per organisation."""
        data = self.validated(FundCreateSerializer)
        return self._shown(funds.create_fund(request.user, data.pop("node"), **data), HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Name, overdraft and second-approval threshold (unit admins). The currency never changes."""
        fund = self.get_object()
        return self._shown(funds.update_fund(request.user, fund, **self.validated(FundWriteSerializer)))

    @extend_schema(request=PostingSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"])
    def postings(self, request, pk=None):
        """Post income, or spending other than assistance, to this fund (admins and its treasurers)."""
        fund = self.get_object()
        entry = ledger.post_entry(request.user, fund, **self.validated(PostingSerializer))
        return Response(EntrySerializer(entry).data, status=HTTP_201_CREATED)

    @extend_schema(request=TransferSerializer, responses={201: TransferResultSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Move money from this fund to another: two linked entries, both or neither."""
        fund = self.get_object()
        data = self.validated(TransferSerializer)
        outgoing, incoming = ledger.transfer(request.user, fund, data.pop("target"), **data)
        return Response(TransferResultSerializer({"outgoing": outgoing, "incoming": incoming}).data,
                        status=HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=ClosedPeriodSerializer(many=True))
    @extend_schema(methods=["POST"], request=ClosePeriodSerializer, responses={201: ClosedPeriodSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def periods(self, request, pk=None):
        """The closed periods; POST closes a month (or a whole year) that has ended. Closing is final."""
        fund = self.get_object()
        if request.method == "POST":
            period = periods.close_period(request.user, fund, **self.validated(ClosePeriodSerializer))
            return Response(ClosedPeriodSerializer(period).data, status=HTTP_201_CREATED)
        closed = fund.closed_periods.select_related("closed_by")
        return Response(ClosedPeriodSerializer(closed, many=True).data)

    @extend_schema(parameters=[PeriodQuerySerializer], responses=DisclosureSerializer)
    @action(detail=True, filter_backends=[])
    def disclosure(self, request, pk=None):
        """The disclosure of a year (or a month): what the public page shows, names masked."""
        fund = self.get_object()
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = disclosure.build(fund, query.validated_data["year"], query.validated_data.get("month"))
        return Response(DisclosureSerializer(report).data)
