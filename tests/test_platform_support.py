"""Support access: only with a unit admin's time-limited consent, one-time links, everything audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from carehub.audit.models import AuditEvent
from tenants.actions import CONSENT_GRANTED, SUPPORT_ENTERED
from tenants.models import SupportConsent, UnitEvent
from tenants.services import support

from .conftest import client_for, logged_in
from .platform_data import console_client, operator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_no_consent_no_entry(alpha):
    with pytest.raises(ValidationError, match="not allowed"):
        support.issue_pass(operator(), alpha.unit)
    response = console_client().post(f"/units/{alpha.unit.slug}/support/")
    assert response["Location"] == f"/units/{alpha.unit.slug}/"


def test_only_the_units_admin_can_consent(alpha):
    with schema_context("alpha"), pytest.raises(PermissionDenied):
        support.grant_consent(alpha.secretary, alpha.unit)
    assert logged_in(alpha, alpha.viewer).post("/support/grant/").status_code == 403
    assert not SupportConsent.objects.filter(unit=alpha.unit).exists()


def test_consent_entry_audit_and_revocation(alpha, beta):
    assert logged_in(alpha).post("/support/grant/", {"reason": "导入问题"}).status_code == 302
    consent = support.active_consent(alpha.unit)
    assert consent.granted_by == alpha.admin.email
    link = console_client().post(f"/units/{alpha.unit.slug}/support/")["Location"]
    assert "://alpha.localhost" in link and "/support/enter/" in link
    # The link works at its unit only, once.
    assert client_for(beta.host).get(path_of(link)).status_code == 403
    support_client = client_for(alpha.host)
    assert support_client.get(path_of(link)).status_code == 302
    assert support_client.get("/").status_code == 200
    assert support_client.get(path_of(link)).status_code == 403
    assert support_client.session.get_expiry_date() <= consent.expires_at + timedelta(seconds=1)
    with schema_context("alpha"):
        actions = list(AuditEvent.objects.filter(object_type="supportconsent").values_list("action", flat=True))
        assert sorted(actions) == sorted([CONSENT_GRANTED, SUPPORT_ENTERED])
        entry = AuditEvent.objects.get(action=SUPPORT_ENTERED)
        assert entry.changes["operator"] == [None, operator().email]
    assert alpha.unit.events.filter(action=UnitEvent.Action.SUPPORT_ENTERED).exists()
    # Support reads but does not write.
    assert support_client.post("/support/grant/").status_code == 403
    # The admin ends it: the support session stops working at once.
    logged_in(alpha).post("/support/revoke/")
    assert support_client.get("/")["Location"].startswith("/accounts/login/")
    with pytest.raises(ValidationError):
        support.issue_pass(operator(), alpha.unit)


def test_expired_consent_is_no_consent(alpha):
    with schema_context("alpha"):
        consent = support.grant_consent(alpha.admin, alpha.unit)
    link = support.issue_pass(operator(), alpha.unit)
    SupportConsent.objects.filter(pk=consent.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for(alpha.host).get(path_of(link)).status_code == 403
    with pytest.raises(ValidationError):
        support.issue_pass(operator(), alpha.unit)
