from django.urls import path

from . import views

urlpatterns = [
    path("", views.console, name="home"),
    path("units/new/", views.onboard, name="onboard"),
    path("units/<slug:slug>/<str:action>/", views.change_status, name="unit_status"),
]
