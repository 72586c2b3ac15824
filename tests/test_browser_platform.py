"""The operator console in a real browser against a real server process: password, then a TOTP code (enrolment
on the first login, the code computed with pyotp from the key the page shows), onboarding a unit through the form,
finding it in the list, suspending it.

The operator is committed from another connection (the server never sees the test's transaction) and removed
afterwards with the unit the browser created, its schema included."""

import pyotp
import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django_tenants.utils import schema_context

from carehub.accounts.models import User
from tenants.models import Domain, OperatorDevice, Unit, UnitEvent

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_registers import committed as committed_in_alpha

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
EMAIL = "browser-operator@carehub.test"
SLUG = "browser-onboarded"
NAME = "浏览器测试学校党委"


def committed(function):
    """Commit at once from a connection of its own (test_browser_registers.committed), in the public schema."""
    def in_public():
        with schema_context("public"):
            return function()

    return committed_in_alpha(in_public)


def purge() -> None:
    unit = Unit.objects.filter(slug=SLUG).first()
    if unit is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(unit.schema_name)} CASCADE")
        UnitEvent.objects.filter(unit=unit).delete()
        Domain.objects.filter(tenant=unit).delete()
        Unit.objects.filter(pk=unit.pk).delete()  # not unit.delete(): that is django-tenants' schema handling
    OperatorDevice.objects.filter(user__email=EMAIL).delete()
    with connection.cursor() as cursor:  # the ORM's cascade would look for unit-only tables (staff scopes)
        cursor.execute("DELETE FROM accounts_user WHERE email = %s", [EMAIL])


@pytest.fixture
def operator_account(django_db_setup):
    # PBKDF2: the server process does not know the tests' fast hasher.
    committed(lambda: User.objects.create(email=EMAIL, full_name="浏览器运营", is_staff=True, is_superuser=True,
                                          password=make_password(PASSWORD, hasher="pbkdf2_sha256")))
    yield
    committed(purge)


def test_operator_signs_in_with_totp_onboards_and_suspends_a_unit(operator_account, server, browser):  # noqa: F811
    console = f"http://localhost:{server}"
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": "django_language", "value": "en", "url": console}])
    page = context.new_page()
    page.goto(console + "/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(console + "/accounts/two-factor/")

    # First login: enrol. The QR code is there, and its key, from which an authenticator computes the codes.
    assert page.locator("#totp-qr svg").count() == 1
    secret = page.inner_text("#totp-secret").strip()
    page.fill("input[name=code]", "000000")
    page.click("#two-factor-form button[type=submit]")
    assert "not valid" in page.inner_text("main")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("#two-factor-form button[type=submit]")
    page.wait_for_url(console + "/")
    assert page.inner_text("h1") == "Units"

    page.click("nav >> text=Onboard a unit")
    page.fill("input[name=name]", NAME)
    page.fill("input[name=slug]", SLUG)
    page.select_option("select[name=kind]", "school")
    page.fill("input[name=admin_name]", "王建华")
    page.fill("input[name=admin_email]", "first-admin@browser.test")
    page.select_option("select[name=language]", "zh-hans")
    page.click("main form button[type=submit]")
    invitation = page.inner_text("#invitation-url")
    assert invitation.startswith(f"http://{SLUG}.localhost:{server}/accounts/invite/")
    assert page.get_attribute("#invitation-url", "href") == invitation  # a link to click, not text to select
    assert "The link works once, until 20" in page.inner_text("#invitation-expiry")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console)
    page.click("#copy-invitation")
    page.locator("#copy-invitation", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == invitation
    assert NAME in page.inner_text("h1")
    assert page.inner_text("#first-admin") == "First admin: 王建华 (first-admin@browser.test)"

    page.click("text=Back to the units")
    page.wait_for_url(console + "/")
    row = page.locator(f"#unit-{SLUG}")
    assert NAME in row.inner_text() and "School" in row.inner_text() and "Active" in row.inner_text()
    row.locator("button", has_text="Suspend").click()
    page.wait_for_url(console + "/")
    row = page.locator(f"#unit-{SLUG}")
    assert "Suspended" in row.inner_text() and row.locator("button", has_text="Resume").count() == 1
    context.close()

    unit, events = committed(lambda: (
        Unit.objects.get(slug=SLUG),
        list(UnitEvent.objects.filter(unit__slug=SLUG).order_by("at", "pk").values_list("action", "source",
                                                                                         "actor__email"))))
    assert unit.status == "suspended" and unit.kind == "school"
    assert events == [("created", "console", EMAIL), ("suspended", "console", EMAIL)]
