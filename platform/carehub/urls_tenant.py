"""URLs of a unit's portal at {slug}.{base domain}."""

from django.urls import include, path

from care.programme.portal import field
from care.reports.portal import home as care_views

urlpatterns = [
    path("", care_views.dashboard, name="home"),
    # At the root, as browsers want them: the worker's scope is the folder it is served from.
    path("sw.js", field.service_worker, name="service_worker"),
    path("manifest.webmanifest", field.manifest, name="manifest"),
    path("accounts/", include("carehub.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registers/", include("care.registers.urls")),
    path("imports/", include("care.imports.urls")),
    path("programme/", include("care.programme.urls")),
    path("fund/", include("care.fund.urls")),
    path("sms/", include("notifications.urls")),
    path("reports/", include("care.reports.urls")),
    path("support/", include("tenants.portal_urls")),
    path("hooks/", include("notifications.webhook_urls")),
    path("api/v1/sms/", include("notifications.api_urls")),
    path("api/v1/reports/", include("care.reports.api_urls")),
    path("api/v1/imports/", include("care.imports.api_urls")),
    path("api/v1/programme/", include("care.programme.api_urls")),
    path("api/v1/fund/", include("care.fund.api_urls")),
    path("api/", include("care.registers.api_urls")),
]
