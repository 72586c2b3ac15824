"""Reports under /api/v1/reports/runs/: ask for a report (it renders in the background), follow its status,
download the PDF or the workbook. Anyone signed in with a scope may ask within it; runs outside one's scope, or
holding sensitive details one may not see, do not exist (404)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.status import HTTP_202_ACCEPTED

from care.reports.access import visible_runs
from care.reports.api.downloads import download_response
from care.reports.api.serializers import ReportRequestSerializer, ReportRunSerializer
from care.reports.services import runs as services
from carehub.api.base import CareViewSet


class ReportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CareViewSet):
    permission_classes = [IsAuthenticated]  # printing is reading: the service keeps requests within one's scope
    serializer_class = ReportRunSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["requested_at", "id"]
    ordering = ["-requested_at", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return visible_runs(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportRunSerializer})
    def create(self, request):
        """Ask for a report. It is queued at once (202) and rendered by a worker; poll the run for its status."""
        run = services.request_report(request.user, **self.validated(ReportRequestSerializer))
        return Response(ReportRunSerializer(run).data, status=HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes},
                   parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["pdf", "xlsx"])])
    @action(detail=True, methods=["get"], url_path=r"download/(?P<fmt>pdf|xlsx)", url_name="download")
    def download(self, request, pk=None, fmt=None):
        """The rendered PDF, or the tables as an .xlsx workbook (404 until the run is done)."""
        return download_response(request.user, self.get_object(), fmt)
