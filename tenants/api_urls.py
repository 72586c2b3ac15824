"""The operator REST API, with its own OpenAPI schema and docs (the units' API is documented at their hosts)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from tenants.api import views as api

PROTECTED = {"authentication_classes": api.PlatformView.authentication_classes,
             "permission_classes": api.PlatformView.permission_classes}

app_name = "platform_api"
urlpatterns = [
    path("units/", api.UnitList.as_view(), name="units"),
    path("units/<slug:slug>/suspend/", api.SUSPEND, name="suspend"),
    path("units/<slug:slug>/resume/", api.RESUME, name="resume"),
    path("units/<slug:slug>/archive/", api.ARCHIVE, name="archive"),
    path("units/<slug:slug>/usage/", api.UnitUsage.as_view(), name="unit_usage"),
    path("usage/", api.PlatformUsage.as_view(), name="usage"),
    path("schema/", SpectacularAPIView.as_view(urlconf="tenants.platform_schema_urls",
                                               custom_settings={"TITLE": "Carehub platform API",
                                                                "SCHEMA_PATH_PREFIX": r"/api/v1/platform"},
                                               **PROTECTED),
         name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="platform_api:schema", **PROTECTED), name="docs"),
]
