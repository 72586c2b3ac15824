"""The hardship ledger. Entries of sensitive categories are simply absent for roles that may not see them, and
every read of one's details goes through services.hardship.view_entry, which records it in the audit trail."""

import posixpath

import django_filters
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.registers import access
from care.registers.api.serializers import (
    DueQuerySerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    HardshipChangesSerializer,
    HardshipEntryCreateSerializer,
    HardshipEntryDetailSerializer,
    HardshipEntrySerializer,
    HardshipReviewRequestSerializer,
    HardshipReviewSerializer,
)
from care.registers.filters import HardshipFilter, SubtreeFilter
from care.registers.models import Evidence, HardshipReview
from care.registers.services import hardship
from carehub.api.base import CareViewSet


class HardshipEntryFilter(HardshipFilter):
    # field_name only tells the schema generator that this is the member's node (an id); the filter works on paths.
    node = SubtreeFilter(label=HardshipFilter.base_filters["node"].label, path_field="member__node__path",
                         field_name="member__node")
    member = django_filters.NumberFilter(field_name="member_id", help_text="Entries of one member.")

    class Meta(HardshipFilter.Meta):
        fields = [*HardshipFilter.Meta.fields, "member"]


@extend_schema_view(
    create=extend_schema(request=HardshipEntryCreateSerializer, responses={201: HardshipEntryDetailSerializer}),
)
class HardshipViewSet(mixins.ListModelMixin, CareViewSet):
    filterset_class = HardshipEntryFilter
    ordering_fields = ["id", "review_due_on", "opened_on", "level", "category", "member__name"]
    ordering = ["review_due_on", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        entries = access.visible_hardship(self.request.user).select_related("member")
        if self.action in ("list", "due"):
            return entries
        return entries.prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
            Prefetch("reviews", queryset=HardshipReview.objects.select_related("reviewed_by")),
        )

    def get_serializer_class(self):
        return HardshipEntryDetailSerializer if self.action == "retrieve" else HardshipEntrySerializer

    def viewed_entry(self):
        """The entry for reading its details; reading a sensitive one is recorded."""
        return hardship.view_entry(self.request.user, self.get_object())

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.viewed_entry()).data)

    def create(self, request):
        data = self.validated(HardshipEntryCreateSerializer)
        entry = hardship.open_entry(request.user, data.pop("member"), **data)
        detail = HardshipEntryDetailSerializer(self.get_queryset().get(pk=entry.pk),
                                               context=self.get_serializer_context())
        return Response(detail.data, status=HTTP_201_CREATED)

    @extend_schema(parameters=[DueQuerySerializer], responses=HardshipEntrySerializer(many=True))
    @action(detail=False)
    def due(self, request):
        """Open entries whose half-yearly review is due, most overdue first; the list filters apply too."""
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = hardship.due_for_review(request.user, query.validated_data.get("on"))
        page = self.paginate_queryset(self.filter_queryset(entries))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=HardshipReviewRequestSerializer, responses={201: HardshipReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Record the review: unchanged, changed (with the new values) or closed; schedules the next one."""
        entry = self.get_object()
        review = hardship.review_entry(request.user, entry, **self.validated(HardshipReviewRequestSerializer))
        return Response(HardshipReviewSerializer(review).data, status=HTTP_201_CREATED)

    @extend_schema(responses=HardshipChangesSerializer)
    @action(detail=True)
    def changes(self, request, pk=None):
        """What changed since the last review, to decide the next one."""
        return Response({"changes": hardship.changes_since_last_review(self.viewed_entry())})

    @extend_schema(request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        """Attach a file (multipart/form-data) as evidence."""
        entry = self.get_object()
        data = self.validated(EvidenceUploadSerializer)
        evidence = hardship.attach_evidence(request.user, entry, data["file"], data.get("description", ""))
        return Response(EvidenceSerializer(evidence, context=self.get_serializer_context()).data,
                        status=HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path=r"evidence/(?P<evidence_id>\d+)", url_name="evidence-file")
    def evidence_file(self, request, pk=None, evidence_id=None):
        """Download an evidence file. Access is checked like the entry's details; there is no public URL."""
        evidence = get_object_or_404(self.viewed_entry().evidence.all(), pk=evidence_id)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=posixpath.basename(evidence.file.name))
        response["Cache-Control"] = "private, no-store"
        return response
