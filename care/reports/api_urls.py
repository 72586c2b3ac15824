"""The reports API under /api/v1/reports/ (see care.reports.api)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from care.reports.api.views import ReportRunViewSet

app_name = "reports-api"

router = SimpleRouter()
router.register("runs", ReportRunViewSet, basename="run")

urlpatterns = [path("", include(router.urls))]
