"""The reports page under /reports/."""

from django.urls import path

from care.reports.portal import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsPage.as_view(), name="page"),
    path("logo/", views.logo, name="logo"),
    path("<int:pk>/", views.run_row, name="run"),
    path("<int:pk>/<str:fmt>/", views.download, name="download"),
]
