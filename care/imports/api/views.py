"""The import and export API, under /api/v1/imports/.

    POST preview/  multipart `kind`, `file` -> 200 the report; nothing is written
    POST commit/   multipart `kind`, `file` -> 201 the report, or 400 in the common error format when the file or
                   any row is bad (fields "rows.<row>.<column>"), and then nothing is written
    GET  <id>/     the report of an import, to whoever uploaded it
    GET  export/members/?format=xlsx|csv&<the member list's filters>     -> the file
    GET  export/hardship/?format=xlsx|csv&<the hardship ledger's filters> -> the file
"""

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_201_CREATED, HTTP_400_BAD_REQUEST
from rest_framework.views import APIView

from care.imports.services import exports, imports
from care.registers import access
from care.registers.api.permissions import WritersMayChange
from care.registers.filters import HardshipFilter, MemberFilter
from care.registers.models import ImportKind
from carehub.api.base import ApiSourceMixin
from carehub.api.schema import EXTRA_FILTER
from carehub.uploads import SPREADSHEET, check_upload


# A named component: a plain "kind" enum would collide with the tree's and the extra fields' kinds.
@extend_schema_field({"type": "string", "enum": ImportKind.values}, component_name="ImportKind")
class ImportKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(ImportKind.choices, **kwargs)


class UploadSerializer(serializers.Serializer):
    kind = ImportKindField()
    file = serializers.FileField(help_text="An .xlsx workbook or a CSV file in UTF-8 or GBK; row 1 names the columns.")

    def validate_file(self, upload):
        check_upload(upload, SPREADSHEET, field=None)  # refused before it is read into memory
        return upload


class RowErrorSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The column's header as the file writes it.")
    message = serializers.CharField()


class RowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as the spreadsheet shows it (the header is row 1).")
    name = serializers.CharField()
    detail = serializers.CharField(help_text="The member's organisation, or the entry's category, as written.")
    result = serializers.ChoiceField(["create", "created", "error"])
    errors = RowErrorSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    kind = ImportKindField()
    filename = serializers.CharField()
    committed = serializers.BooleanField()
    created = serializers.IntegerField()
    batch = serializers.IntegerField(allow_null=True, help_text="The import's id, once committed.")
    total = serializers.IntegerField(help_text="Rows read (blank rows are skipped).")
    invalid = serializers.IntegerField(help_text="Rows with errors.")
    problems = serializers.ListField(child=serializers.CharField(), help_text="Why the whole file cannot be read.")
    ignored_columns = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)


class ImportView(ApiSourceMixin, APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, WritersMayChange]

    def upload(self, request) -> dict:
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class PreviewView(ImportView):
    """Check a file: each row's outcome, with the column and reason of every error. Nothing is written."""

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses=ReportSerializer)
    def post(self, request):
        data = self.upload(request)
        return Response(imports.preview_import(request.user, data["file"], data["kind"]).as_dict())


class CommitView(ImportView):
    """Import a file: every row, or nothing at all when any row is bad."""

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ReportSerializer})
    def post(self, request):
        """A bad file or bad rows answer 400 in the common error format, each row error as the field
        `rows.<row>.<column>`; then nothing was written."""
        data = self.upload(request)
        report = imports.commit_import(request.user, data["file"], data["kind"])
        if report.committed:
            return Response(report.as_dict(), status=HTTP_201_CREATED)
        fields = {f"rows.{row.row}.{column}": [message] for row in report.error_rows
                  for column, message in row.errors.items()}
        count = len(report.error_rows)
        message = " ".join(report.problems) or ngettext(
            "Nothing was imported: %(count)d row has errors.", "Nothing was imported: %(count)d rows have errors.",
            count) % {"count": count}
        code = "invalid_file" if report.problems else "invalid_rows"
        return Response({"error": {"code": code, "message": message, "fields": fields}},
                        status=HTTP_400_BAD_REQUEST)


class BatchView(ApiSourceMixin, APIView):
    """The report of an import, to whoever uploaded the file."""

    @extend_schema(responses=ReportSerializer)
    def get(self, request, pk):
        batch = get_object_or_404(access.own_import_batches(request.user), pk=pk)
        return Response(batch.report)


class FileFormatNegotiation(BaseContentNegotiation):
    """Here `?format=` chooses the exported file's format, not DRF's renderer; answers that are not the file
    (errors) are JSON."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def filter_parameters(filterset) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, many=isinstance(each, django_filters.MultipleChoiceFilter),
                             description=str(each.label or ""))
            for name, each in filterset.base_filters.items()]


FORMAT = OpenApiParameter("format", str, enum=list(exports.CONTENT_TYPES), default="xlsx")
FILE = {(200, content_type): OpenApiTypes.BINARY for content_type in exports.CONTENT_TYPES.values()}


class ExportView(ApiSourceMixin, APIView):
    """A filtered list as a file, restricted to what the caller may see."""

    content_negotiation_class = FileFormatNegotiation
    kind = ""

    def get(self, request):
        fmt = request.query_params.get("format", "xlsx")
        filename, content = exports.EXPORTS[self.kind](request.user, request.query_params, fmt)
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema(parameters=[FORMAT, *filter_parameters(MemberFilter), EXTRA_FILTER], responses=FILE,
               description="The member list as a file; takes the filters of GET /api/v1/members/.")
class MemberExportView(ExportView):
    kind = "members"


@extend_schema(parameters=[FORMAT, *filter_parameters(HardshipFilter)], responses=FILE,
               description="The hardship ledger as a file; takes the filters of GET /api/v1/hardship/.")
class HardshipExportView(ExportView):
    kind = "hardship"
