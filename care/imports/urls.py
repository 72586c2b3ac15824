"""The import wizard, the organisation-tree import, sample files and export downloads of the portal, under
/imports/."""

from django.urls import path

from care.imports.portal import views

app_name = "imports"

urlpatterns = [
    path("", views.Wizard.as_view(), name="wizard"),
    path("tree/", views.TreeWizard.as_view(), name="tree"),
    path("sample/<slug:kind>.xlsx", views.sample, name="sample"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/columns/", views.Columns.as_view(), name="columns"),
    path("remembered/<int:pk>/forget/", views.ForgetColumn.as_view(), name="forget_column"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
