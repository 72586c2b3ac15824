"""The import wizard and export downloads of the portal, under /imports/."""

from django.urls import path

from care.imports.portal import views

app_name = "imports"

urlpatterns = [
    path("", views.Wizard.as_view(), name="wizard"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
