"""URLs at the base domain: the platform operators' console."""

from django.urls import include, path

urlpatterns = [
    path("", include("tenants.urls")),
    path("billing/", include("billing.urls")),
    path("api/v1/platform/", include("tenants.api_urls")),
    path("accounts/", include("tenants.sign_in_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
