"""Shapes of the reports API."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from care.fund.api.serializers import named_choice
from care.registers import access
from care.registers.api.serializers import NodeRefSerializer
from care.reports.models import ReportKind, ReportRun, RunStatus
from care.reports.services.periods import KINDS
from carehub.api.base import ScopedPrimaryKeyField

ReportKindField = named_choice(ReportKind.choices, "ReportKind")
ReportStatusField = named_choice(RunStatus.choices, "ReportStatus")
ReportPeriodField = named_choice([(kind, str(label)) for kind, label in KINDS.items()], "ReportPeriod")

class ReportRequestSerializer(serializers.Serializer):
    kind = ReportKindField()
    period = ReportPeriodField(help_text="month, quarter, half, year or custom.")
    year = serializers.IntegerField(required=False, help_text="For every period but custom.")
    number = serializers.IntegerField(required=False, help_text="The month (1-12), quarter (1-4) or half (1-2).")
    starts_on = serializers.DateField(required=False, help_text="Custom periods: the first day.")
    ends_on = serializers.DateField(required=False, help_text="Custom periods: the last day.")
    node = ScopedPrimaryKeyField(access.visible_nodes, required=False, allow_null=True,
                                 help_text="The organisation whose subtree the report covers; default: your scope.")


class ReportRunSerializer(serializers.ModelSerializer):
    node = NodeRefSerializer(read_only=True)
    requested_by = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()
    kind = ReportKindField(read_only=True)
    status = ReportStatusField(read_only=True)

    class Meta:
        model = ReportRun
        fields = ["id", "kind", "node", "period", "status", "error", "requested_by", "requested_at", "finished_at",
                  "pages", "sha256", "totals", "downloads"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_requested_by(self, run) -> str:
        return run.requested_by.get_full_name() if run.requested_by else ""

    @extend_schema_field({"type": "object", "properties": {"kind": {"type": "string"}, "starts_on": {
        "type": "string", "format": "date"}, "ends_on": {"type": "string", "format": "date"}, "label": {
        "type": "string"}}})
    def get_period(self, run) -> dict:
        return {key: run.params.get(key) for key in ("starts_on", "ends_on", "label")} | {
            "kind": run.params.get("period")}

    @extend_schema_field({"type": "object", "properties": {"pdf": {"type": "string"}, "xlsx": {"type": "string"}}})
    def get_downloads(self, run) -> dict:
        if run.status != RunStatus.DONE:
            return {}
        return {fmt: reverse("reports-api:run-download", args=[run.pk, fmt]) for fmt in ("pdf", "xlsx")}
