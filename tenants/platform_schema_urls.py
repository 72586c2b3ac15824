"""What the platform API's OpenAPI schema documents: its endpoints at their public paths."""

from django.urls import include, path

urlpatterns = [path("api/v1/platform/", include("tenants.api_urls"))]
