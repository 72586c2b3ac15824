"""The ledger: entries of the funds in scope with filters and each one's running balance, reversals, and
attachments (receipts), which are served only through here."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED

from care.fund import access
from care.fund.api.base import FundViewSetBase
from care.fund.api.serializers import (
    AttachmentSerializer,
    EntryDetailSerializer,
    EntrySerializer,
    FileUploadSerializer,
    ReverseSerializer,
)
from care.fund.filters import EntryFilter
from care.fund.models import Attachment
from care.fund.services import ledger


def file_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, FundViewSetBase):
    filterset_class = EntryFilter
    ordering_fields = ["id", "booked_on", "amount"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        entries = access.visible_entries(self.request.user).select_related("fund", "member", "created_by",
                                                                            "reversal")
        return entries.prefetch_related("attachments__uploaded_by") if self.action == "retrieve" else entries

    def get_serializer_class(self):
        return EntryDetailSerializer if self.action == "retrieve" else EntrySerializer

    @extend_schema(request=ReverseSerializer, responses={201: EntrySerializer(many=True)})
    @action(detail=True, methods=["post"], pagination_class=None)  # all the reversing entries, never a page
    def reverse(self, request, pk=None):
        """Reverse the entry (with the other half of a transfer, or every share of a payment)."""
        reversals = ledger.reverse(request.user, self.get_object(), **self.validated(ReverseSerializer))
        return Response(EntrySerializer(reversals, many=True).data, status=HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": FileUploadSerializer}, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        """Attach a receipt or voucher (multipart/form-data). Attachments are never removed."""
        entry = self.get_object()
        access.require_bookkeeper(request.user, entry.fund)  # 403 before the upload is even looked at
        data = self.validated(FileUploadSerializer)
        attachment = ledger.attach(request.user, entry, data["file"], data.get("description", ""))
        return Response(AttachmentSerializer(attachment).data, status=HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, url_path=r"attachments/(?P<attachment_id>\d+)", url_name="attachment-file")
    def attachment_file(self, request, pk=None, attachment_id=None):
        """Download an attachment; access is checked like the entry's."""
        return file_response(get_object_or_404(self.get_object().attachments.all(), pk=attachment_id))
