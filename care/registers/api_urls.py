"""REST API of the registers: /api/v1/..., the OpenAPI schema at /api/schema/ and its docs at /api/docs/.

Included by carehub.urls_tenant at "api/", so every URL here belongs to one unit (its host picks the schema).
Unknown URLs under /api/ answer 404 in the API's error format (carehub.api.errors.ApiErrorMiddleware).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from care.registers.api.account import MeView, TokenView
from care.registers.api.audit import AuditEventViewSet
from care.registers.api.extra_fields import ExtraFieldViewSet
from care.registers.api.hardship import HardshipViewSet
from care.registers.api.members import MemberViewSet
from care.registers.api.nodes import NodeViewSet
from care.registers.api.staff import StaffViewSet

app_name = "api"

router = SimpleRouter()
router.register("nodes", NodeViewSet, basename="node")
router.register("members", MemberViewSet, basename="member")
router.register("hardship", HardshipViewSet, basename="hardship")
router.register("extra-fields", ExtraFieldViewSet, basename="extra-field")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("staff", StaffViewSet, basename="staff")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/me/", MeView.as_view(), name="me"),
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
