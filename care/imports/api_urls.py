"""The import and export API, under /api/v1/imports/ (see care.imports.api.views)."""

from django.urls import path

from care.imports.api import views as api

app_name = "imports-api"

urlpatterns = [
    path("preview/", api.PreviewView.as_view(), name="preview"),
    path("commit/", api.CommitView.as_view(), name="commit"),
    path("<int:pk>/", api.BatchView.as_view(), name="batch"),
    path("export/members/", api.MemberExportView.as_view(), name="export-members"),
    path("export/hardship/", api.HardshipExportView.as_view(), name="export-hardship"),
]
