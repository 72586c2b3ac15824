"""Helpers for platform tests: the console's host, an operator signed in there, and a unit of one's own."""

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from carehub.accounts.models import User
from tenants.services.onboarding import onboard_unit

CONSOLE = settings.CAREHUB_BASE_DOMAIN


def operator() -> User:
    with schema_context("public"):  # a request before may have left the connection in a unit's schema
        return User.objects.get(email="operator@carehub.test")


def console_client() -> Client:
    """An operator signed in at the console (the two-factor step is tested on its own)."""
    client = Client(HTTP_HOST=CONSOLE)
    with schema_context("public"):  # the session lives in the public schema
        client.force_login(operator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(name="gamma")
def gamma_fixture(db):
    """A fresh unit that a test may suspend, move or delete (alpha and beta are shared)."""
    return onboard_unit(None, slug="gamma", name="Gamma", kind="other", admin_email="first@gamma.test").unit
