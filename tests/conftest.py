"""Test set-up: a real PostgreSQL test database per xdist worker, migrated by our `migrate` (which also builds
the template schema), and two units, alpha and beta, onboarded once per session and shared read-only.

Tests run inside a transaction that is rolled back; PostgreSQL's DDL is transactional, so tests may even
create and drop schemas and leave nothing behind.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from carehub.accounts.models import Role, User
from tenants.models import Unit
from tenants.services import onboard_unit

PASSWORD = "Sufficiently-long-2026"


def pytest_configure(config):
    # Hashing with PBKDF2 dominates a suite that logs in often; the algorithm is Django's, not ours.
    # PBKDF2 stays known for the browser tests' user, whose password a separate server process checks.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@dataclass
class Staff:
    unit: Unit
    admin: User
    secretary: User

    @property
    def host(self) -> str:
        return f"{self.unit.slug}.{settings.CAREHUB_BASE_DOMAIN}"


def _staff_for(slug: str, name: str, kind: str) -> Staff:
    result = onboard_unit(None, slug=slug, name=name, kind=kind, admin_email=f"admin@{slug}.test")
    with schema_context(result.unit.schema_name):
        admin = User.objects.get(email=f"admin@{slug}.test")
        admin.set_password(PASSWORD)
        admin.is_active = True
        admin.full_name = f"{name} admin"
        admin.save()
        secretary = User.objects.create_user(f"secretary@{slug}.test", PASSWORD, role=Role.SECRETARY)
        User.objects.create(email=f"browser@{slug}.test", role=Role.ADMIN,
                            password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    return Staff(result.unit, admin, secretary)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        alpha = _staff_for("alpha", "Alpha 区委", "district")
        beta = _staff_for("beta", "Beta 学校党委", "school")
        User.objects.create_superuser("operator@carehub.test", PASSWORD, full_name="Operator")
    return {"alpha": alpha, "beta": beta}


@pytest.fixture
def alpha(django_db_setup, db) -> Staff:
    return django_db_setup["alpha"]


@pytest.fixture
def beta(django_db_setup, db) -> Staff:
    return django_db_setup["beta"]


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    """Requests through the tenant middleware leave the connection on the unit's schema; reset it."""
    yield
    connection.set_schema_to_public()


def client_for(host: str) -> Client:
    return Client(HTTP_HOST=host)


def logged_in(staff: Staff, user: User | None = None) -> Client:
    client = client_for(staff.host)
    with schema_context(staff.unit.schema_name):  # the session is stored in the unit's own schema
        assert client.login(email=(user or staff.admin).email, password=PASSWORD)
    return client
