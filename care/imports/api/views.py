"""The import and export API, under /api/v1/imports/.

    POST preview/  multipart `kind`, `file`, optional `columns` -> 200 the report; nothing is written
    POST commit/   multipart `kind`, `file`, optional `columns` -> 201 the report, or 400 in the common error
                   format when the file or any row is bad (fields "rows.<row>.<column>"), and then nothing is
                   written
    `kind` "tree" imports organisations (by path, or by name and parent); rows already in the register answer
    "exists". `columns` is a JSON object {header as in the file: field, or "" for not imported} for columns
    whose header is not known (the report's `columns` lists each column with its field and how it was decided);
    a committed file's `columns` are remembered for the unit's next files.
    GET  <id>/     the report of an import, to whoever uploaded it
    GET  export/members/?format=xlsx|csv&<the member list's filters>     -> the file
    GET  export/hardship/?format=xlsx|csv&<the hardship ledger's filters> -> the file
"""

import json

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
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
from carehub.api.base import ApiSourceMixin, ScopedPrimaryKeyField
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
    columns = serializers.CharField(required=False, help_text=(
        'A JSON object: {"header as in the file": "field", ...}, the field "" for a column not imported. Fields '
        "are those of the report's columns (name, sex, node, status, extra.<key>, ...; for a tree path, name, "
        "parent, kind, secretary, contact). Remembered for the unit's next files once a file is committed."))
    node = ScopedPrimaryKeyField(access.visible_nodes, required=False, help_text=(
        "Members files only: the organisation of every row, for a file without an organisation column."))

    def validate_file(self, upload):
        check_upload(upload, SPREADSHEET, field=None)  # refused before it is read into memory
        return upload

    def validate_columns(self, text):
        try:
            columns = json.loads(text)
        except ValueError:
            columns = None
        if not isinstance(columns, dict) or not all(
                isinstance(header, str) and isinstance(target, str | None) for header, target in columns.items()):
            raise serializers.ValidationError(_("Give a JSON object of column headers and fields."))
        return columns


class RowErrorSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The column's header as the file writes it.")
    message = serializers.CharField()


class RowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as the spreadsheet shows it (the header is row 1).")
    name = serializers.CharField()
    detail = serializers.CharField(help_text="The member's organisation, the entry's category or the "
                                             "organisation's parent, as written.")
    result = serializers.ChoiceField(["create", "created", "exists", "error"], help_text=(
        "exists: an organisation already in the register, left as it is."))
    note = serializers.CharField(help_text="For an organisation: its kind, and the organisations its path adds.")
    errors = RowErrorSerializer(many=True)


class ColumnSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The header as the file writes it.")
    field = serializers.CharField(allow_null=True, help_text="The field it is imported into; null: not imported.")
    label = serializers.CharField(help_text="The field's name.")
    how = serializers.ChoiceField(["recognised", "remembered", "chosen", "unknown", "duplicate"], help_text=(
        "recognised: a known header; remembered: as chosen for an earlier file of the unit; chosen: as the request's "
        "columns say; unknown: not imported until a field is chosen; duplicate: another column holds its field."))
    examples = serializers.ListField(child=serializers.CharField(), help_text="The first cells of the column.")


class ReportSerializer(serializers.Serializer):
    kind = ImportKindField()
    filename = serializers.CharField()
    committed = serializers.BooleanField()
    created = serializers.IntegerField()
    batch = serializers.IntegerField(allow_null=True, help_text="The import's id, once committed.")
    total = serializers.IntegerField(help_text="Rows read (blank rows are skipped).")
    invalid = serializers.IntegerField(help_text="Rows with errors.")
    planned = serializers.IntegerField(help_text="Records the commit creates (for a tree, with the organisations "
                                                 "paths add).")
    problems = serializers.ListField(child=serializers.CharField(), help_text="Why the whole file cannot be read.")
    columns = ColumnSerializer(many=True)
    ignored_columns = serializers.ListField(child=serializers.CharField(), help_text="Columns not imported.")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Required fields no column holds.")
    node = serializers.CharField(help_text="The organisation chosen for every row, by name; empty when the rows "
                                 "name theirs.")
    needs_choices = serializers.BooleanField(help_text="Some column is unknown or doubled, or a required field "
                                                       "missing: choose with `columns`.")
    rows = RowSerializer(many=True)


class ImportView(ApiSourceMixin, APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, WritersMayChange]

    def upload(self, request) -> dict:
        serializer = UploadSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class PreviewView(ImportView):
    """Check a file: each row's outcome, with the column and reason of every error. Nothing is written."""

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses=ReportSerializer)
    def post(self, request):
        data = self.upload(request)
        return Response(imports.preview_import(request.user, data["file"], data["kind"], columns=data.get("columns"),
                                               node=data.get("node")).as_dict())


class CommitView(ImportView):
    """Import a file: every row, or nothing at all when any row is bad."""

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ReportSerializer})
    def post(self, request):
        """A bad file or bad rows answer 400 in the common error format, each row error as the field
        `rows.<row>.<column>`; then nothing was written."""
        data = self.upload(request)
        report = imports.commit_import(request.user, data["file"], data["kind"], columns=data.get("columns"),
                                       node=data.get("node"))
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
