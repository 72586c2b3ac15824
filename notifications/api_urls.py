"""The SMS API under /api/v1/sms/ (see notifications.api)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from notifications.api.contacts import LaddersView, MemberContactViewSet
from notifications.api.sending import MessageViewSet, NoticeViewSet, OptOutViewSet, StatsView
from notifications.api.texts import SettingsView, TemplateViewSet
from notifications.api.windows import SendWindowViewSet

app_name = "sms-api"

router = SimpleRouter()
router.register("templates", TemplateViewSet, basename="template")
router.register("notices", NoticeViewSet, basename="notice")
router.register("messages", MessageViewSet, basename="message")
router.register("opt-outs", OptOutViewSet, basename="opt-out")
router.register("windows", SendWindowViewSet, basename="window")
router.register("members", MemberContactViewSet, basename="member")

urlpatterns = [
    path("", include(router.urls)),
    path("stats/", StatsView.as_view(), name="stats"),
    path("settings/", SettingsView.as_view(), name="settings"),
    path("ladders/", LaddersView.as_view(), name="ladders"),
]
