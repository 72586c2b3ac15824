"""Assistance applications: the list (`?inbox=true`: those waiting for the caller), the detail with its steps and
the actions the caller may take, and one endpoint per workflow action."""

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.fund import access
from care.fund.api.base import FundViewSetBase
from care.fund.api.entries import file_response
from care.fund.api.serializers import (
    ApplicationCreateSerializer,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    ApproveSerializer,
    AttachmentSerializer,
    EntrySerializer,
    FileUploadSerializer,
    NoteSerializer,
    PaySerializer,
    RejectSerializer,
)
from care.fund.filters import ApplicationFilter
from care.fund.services import applications, payments


class InboxFilter(ApplicationFilter):
    inbox = django_filters.BooleanFilter(method="filter_inbox",
                                         help_text="true: only applications waiting for a step you may take.")

    class Meta(ApplicationFilter.Meta):
        fields = [*ApplicationFilter.Meta.fields, "inbox"]

    def filter_inbox(self, queryset, name, value):
        return access.awaiting(self.request.user, queryset) if value else queryset


@extend_schema_view(
    create=extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationDetailSerializer}),
    partial_update=extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationDetailSerializer),
)
class ApplicationViewSet(mixins.ListModelMixin, FundViewSetBase):
    filterset_class = InboxFilter
    ordering_fields = ["id", "created_at", "updated_at", "amount_requested", "status"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return access.visible_applications(self.request.user).select_related("member", "fund")

    def get_serializer_class(self):
        return ApplicationSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "sight": access.sight_of(self.request.user)}

    def _detail(self, application, status=200):
        """The application as the caller sees it now, with the actions open to them."""
        application = self.get_queryset().select_related("member__node", "fund__node").prefetch_related(
            "steps__actor").get(pk=application.pk)
        context = {**self.get_serializer_context(),
                   "actions": applications.allowed_actions(self.request.user, application)}
        return Response(ApplicationDetailSerializer(application, context=context).data, status=status)

    @extend_schema(responses=ApplicationDetailSerializer)
    def retrieve(self, request, pk=None):
        """One application; opening one of a sensitive category is recorded in the audit trail."""
        application = self.get_object()
        applications.view_application(request.user, application)
        return self._detail(application)

    def create(self, request):
        """Apply for a member (their branch's secretaries, the unit's admins, or a staff account for its own
        member); `submit` sends it on at once."""
        data = self.validated(ApplicationCreateSerializer)
        application = applications.create_application(request.user, data.pop("member"), **data)
        return self._detail(application, HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Change a draft."""
        application = self.get_object()
        applications.update_draft(request.user, application, **self.validated(ApplicationUpdateSerializer))
        return self._detail(application)

    @extend_schema(request=NoteSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft to the member's branch."""
        application = self.get_object()
        return self._detail(applications.submit(request.user, application, **self.validated(NoteSerializer)))

    @extend_schema(request=NoteSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The member's branch has checked the facts."""
        application = self.get_object()
        return self._detail(applications.verify(request.user, application, **self.validated(NoteSerializer)))

    @extend_schema(request=ApproveSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve an amount; above the fund's threshold it waits for a second, different approver."""
        application = self.get_object()
        return self._detail(applications.approve(request.user, application, **self.validated(ApproveSerializer)))

    @extend_schema(request=RejectSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject with a reason."""
        application = self.get_object()
        return self._detail(applications.reject(request.user, application, **self.validated(RejectSerializer)))

    @extend_schema(request=PaySerializer, responses={201: EntrySerializer(many=True)})
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Pay (at most the approved amount): one assistance entry per paying fund, shared by the cost sharing
        rule of the category if there is one."""
        application = self.get_object()
        data = self.validated(PaySerializer)
        entries = payments.pay(request.user, application, booked_on=data.pop("paid_on", None), **data)
        return Response(EntrySerializer(entries, many=True).data, status=HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": FileUploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        """Attach evidence (multipart/form-data) while the application is open."""
        application = self.get_object()
        data = self.validated(FileUploadSerializer)
        attachment = applications.attach_evidence(request.user, application, data["file"],
                                                  data.get("description", ""))
        return Response(AttachmentSerializer(attachment).data, status=HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path=r"evidence/(?P<attachment_id>\d+)", url_name="evidence-file")
    def evidence_file(self, request, pk=None, attachment_id=None):
        """Download evidence; for a sensitive category only with the permission to see it (recorded)."""
        application = self.get_object()
        if not applications.view_application(request.user, application):
            raise Http404  # the list of its evidence is empty to them too
        return file_response(get_object_or_404(application.attachments.all(), pk=attachment_id))
