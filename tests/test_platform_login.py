"""Operators sign in to the console with a password and a TOTP code; repeated failures lock the account out."""

import pyotp
import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tenants.models import OperatorDevice
from tenants.portal import two_factor

from .conftest import PASSWORD, client_for, logged_in
from .platform_data import CONSOLE, operator

pytestmark = pytest.mark.django_db
EMAIL = "operator@carehub.test"


@pytest.fixture(autouse=True)
def clean_lockout():
    cache.delete(two_factor._key(EMAIL))
    with translation.override("en"):
        yield
    cache.delete(two_factor._key(EMAIL))


def console():
    """The console's login in English: the messages below are matched in English."""
    client = client_for(CONSOLE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def password_step(client, password=PASSWORD):
    return client.post("/accounts/login/", {"username": EMAIL, "password": password})


def test_enrolment_then_login_with_a_code(db):
    client = console()
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert client.get("/").status_code == 302  # not signed in yet: the password alone is not enough
    page = client.get("/accounts/two-factor/")
    assert b"<svg" in page.content and b"totp-secret" in page.content  # QR code and key for enrolment
    device = OperatorDevice.objects.get(user=operator())
    assert device.confirmed_at is None
    assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 200
    code = pyotp.TOTP(device.secret).now()
    assert client.post("/accounts/two-factor/", {"code": code})["Location"] == "/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed_at is not None

    again = console()
    password_step(again)
    assert b"<svg" not in again.get("/accounts/two-factor/").content  # enrolled: no QR code any more
    assert again.post("/accounts/two-factor/", {"code": code}).status_code == 200  # a code works only once
    assert again.get("/").status_code == 302


def test_wrong_passwords_lock_the_account_out(db):
    client = console()
    for _ in range(two_factor.MAX_FAILURES):
        assert password_step(client, "wrong-password-123").status_code == 200
    response = password_step(client)  # even the right password is refused now
    assert response.status_code == 200 and b"Too many failed attempts" in response.content
    assert "operator_2fa_pending" not in client.session


def test_wrong_codes_lock_the_account_out(db):
    client = console()
    password_step(client)
    device = OperatorDevice.objects.get_or_create(user=operator(), defaults={"secret": pyotp.random_base32()})[0]
    for _ in range(two_factor.MAX_FAILURES):
        client.post("/accounts/two-factor/", {"code": "123456"})
    response = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).now()})
    assert b"Too many failed attempts" in response.content
    assert client.get("/").status_code == 302


def test_unit_staff_cannot_sign_in_at_the_console(alpha):
    client = console()
    response = client.post("/accounts/login/", {"username": alpha.admin.email, "password": PASSWORD})
    assert response.status_code == 200 and "operator_2fa_pending" not in client.session
    # A unit's session means nothing at the console, nor does its login page ask for a code.
    assert logged_in(alpha).get("/").status_code == 200
    assert client_for(alpha.host).post("/accounts/login/", {"username": alpha.admin.email,
                                                            "password": PASSWORD}).status_code == 302
