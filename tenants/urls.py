from django.urls import path

from tenants.portal import console as views

urlpatterns = [
    path("", views.console, name="home"),
    path("units/new/", views.onboard, name="onboard"),
    path("usage/", views.platform_usage, name="platform_usage"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("units/<slug:slug>/", views.unit_detail, name="unit_detail"),
    path("units/<slug:slug>/rename/", views.rename, name="unit_rename"),
    path("units/<slug:slug>/address/", views.change_address, name="unit_address"),
    path("units/<slug:slug>/invitation/", views.resend_invitation, name="unit_invitation"),
    path("units/<slug:slug>/export/", views.export, name="unit_export"),
    path("units/<slug:slug>/deletion/<str:step>/", views.deletion, name="unit_deletion"),
    path("units/<slug:slug>/support/", views.enter_support, name="unit_support"),
    path("units/<slug:slug>/<str:action>/", views.change_status, name="unit_status"),
]
