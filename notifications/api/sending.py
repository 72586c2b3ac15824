"""Notices (prepare, then send), the outbox with each message's status and error, opt-outs, and the monthly
delivery statistics. Everyone reads within their scope; admins and secretaries send and record opt-outs."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED
from rest_framework.views import APIView

from care.registers.models import Member
from carehub.api.base import ApiSourceMixin, CareViewSet
from notifications.access import visible_messages, visible_notices, visible_opt_outs
from notifications.api.serializers import (
    AudienceSerializer,
    MessageSerializer,
    MonthSerializer,
    NoticeRequestSerializer,
    NoticeSendSerializer,
    NoticeSerializer,
    OptOutCreateSerializer,
    OptOutSerializer,
)
from notifications.models import Category, Channel, Message, OptOut, OptOutChannel, OptOutScope, OptOutSource, Status
from notifications.services import notices, optouts
from notifications.services.stats import monthly_stats


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    serializer_class = NoticeSerializer
    filter_backends = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return visible_notices(self.request.user).select_related("created_by").order_by("-created_at")

    def _audience(self, data):
        body = notices.text_of(data.get("body", ""), data.get("template", ""))
        return body, data.get("filters") or {}

    @extend_schema(request=NoticeRequestSerializer, responses=AudienceSerializer)
    @action(detail=False, methods=["post"])
    def prepare(self, request):
        """How many messages a notice would send to the members the filters match (after removing the deceased,
        moved-away, phoneless and opted-out, one message per shared phone) and their cost in segments."""
        data = self.validated(NoticeRequestSerializer)
        body, filters = self._audience(data)
        return Response(AudienceSerializer(AudienceSerializer.of(notices.prepare(
            request.user, filters=filters, body=body, template_key=data.get("template", ""),
            channel=data.get("channel") or Channel.SMS))).data)

    @extend_schema(request=NoticeSendSerializer, responses={201: NoticeSerializer})
    @action(detail=False, methods=["post"])
    def send(self, request):
        """Queue the notice, confirming `expected` (the count prepare gave); refused if it changed since."""
        data = self.validated(NoticeSendSerializer)
        body, filters = self._audience(data)
        notice = notices.send_notice(request.user, filters=filters, body=body, expected=data["expected"],
                                     template_key=data.get("template", ""), channel=data.get("channel") or Channel.SMS)
        return Response(NoticeSerializer(notice).data, status=HTTP_201_CREATED)


class MessageFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    created = django_filters.DateFromToRangeFilter(field_name="created_at__date",
                                                   help_text="created_after=2026-11-01&created_before=2026-11-30 "
                                                             "(unit time)")
    member = django_filters.NumberFilter(field_name="member_id")
    notice = django_filters.NumberFilter(field_name="notice_id")
    to = django_filters.CharFilter(field_name="to", lookup_expr="endswith", help_text="The phone's last digits.")

    class Meta:
        model = Message
        fields = ["status", "category", "channel", "created", "member", "notice", "to"]


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    """The outbox: every message with its status and, when it failed or was not sent, the error."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    ordering_fields = ["created_at", "not_before", "sent_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return visible_messages(self.request.user).select_related("member", "user")


class OptOutFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(field_name="ended_at", lookup_expr="isnull",
                                           help_text="true: in force; false: ended.")
    phone = django_filters.CharFilter(field_name="phone", lookup_expr="endswith")
    member = django_filters.NumberFilter(field_name="member_id")
    scope = django_filters.ChoiceFilter(choices=OptOutScope.choices)
    channel = django_filters.ChoiceFilter(choices=OptOutChannel.choices)

    class Meta:
        model = OptOut
        fields = ["current", "phone", "member", "scope", "channel"]


class OptOutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    """Refusals by phone number: recorded here when given by phone or in person; SMS replies and carriers add
    theirs. A phone has at most one opt-out in force."""

    serializer_class = OptOutSerializer
    filterset_class = OptOutFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return visible_opt_outs(self.request.user).select_related("member", "created_by")

    @extend_schema(request=OptOutCreateSerializer, responses={201: OptOutSerializer})
    def create(self, request):
        data = self.validated(OptOutCreateSerializer)
        member: Member | None = data.get("member")
        phone = data.get("phone") or (member.proxy_phone or member.phone if member else "")
        opt_out = optouts.record_opt_out(request.user, phone=phone, scope=data["scope"], source=OptOutSource.STAFF,
                                         member=member, note=data.get("note", ""),
                                         channel=data.get("channel", OptOutChannel.ALL))
        return Response(OptOutSerializer(opt_out).data, status=HTTP_201_CREATED)

    @extend_schema(request=None, responses=OptOutSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """The recipient accepts messages again from now on."""
        opt_out = optouts.end_opt_out(request.user, self.get_object())
        return Response(OptOutSerializer(opt_out).data)


class StatsView(ApiSourceMixin, APIView):
    @extend_schema(responses=MonthSerializer(many=True))
    def get(self, request):
        """Per month, latest first: sent, delivered, undelivered, failed, not sent, waiting and segments, of the
        messages you may see (unit admins: the whole unit)."""
        return Response(MonthSerializer(monthly_stats(visible_messages(request.user)), many=True).data)
