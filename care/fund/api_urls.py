"""The fund API under /api/v1/fund/ (see care.fund.api)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from care.fund.api.applications import ApplicationViewSet
from care.fund.api.entries import EntryViewSet
from care.fund.api.funds import FundViewSet
from care.fund.api.settings import CostShareRuleViewSet, DisclosureLinkViewSet, MemberAccountViewSet

app_name = "fund-api"

router = SimpleRouter()
router.register("funds", FundViewSet, basename="fund")
router.register("entries", EntryViewSet, basename="entry")
router.register("applications", ApplicationViewSet, basename="application")
router.register("cost-sharing", CostShareRuleViewSet, basename="cost-sharing")
router.register("member-accounts", MemberAccountViewSet, basename="member-account")
router.register("disclosure-links", DisclosureLinkViewSet, basename="disclosure-link")

urlpatterns = [path("", include(router.urls))]
