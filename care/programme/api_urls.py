"""The care programme's REST API, under /api/v1/programme/ (see care.programme.api)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from care.programme.api.field import FieldRecordView, FieldSnapshotView
from care.programme.api.records import (
    CommendationViewSet,
    CoverageView,
    LifeEventViewSet,
    PairingViewSet,
    TalkViewSet,
    VisitViewSet,
)
from care.programme.api.rules import OccasionView, RuleViewSet, RunView, SettingsView
from care.programme.api.work import GreetingViewSet, TaskViewSet

app_name = "programme-api"

router = SimpleRouter()
router.register("rules", RuleViewSet, basename="rule")
router.register("tasks", TaskViewSet, basename="task")
router.register("greetings", GreetingViewSet, basename="greeting")
router.register("visits", VisitViewSet, basename="visit")
router.register("talks", TalkViewSet, basename="talk")
router.register("life-events", LifeEventViewSet, basename="life-event")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("commendations", CommendationViewSet, basename="commendation")

urlpatterns = [
    path("", include(router.urls)),
    path("occasions/", OccasionView.as_view(), name="occasions"),
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("settings/", SettingsView.as_view(), name="settings"),
    path("run/", RunView.as_view(), name="run"),
    path("field/", FieldSnapshotView.as_view(), name="field"),
    path("field/records/", FieldRecordView.as_view(), name="field-records"),
]
