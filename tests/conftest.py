"""Test set-up: a real PostgreSQL test database per xdist worker, migrated by our `migrate` (which also builds
the template schema), and two units, alpha and beta, onboarded once per session and shared read-only.

Tests run inside a transaction that is rolled back; PostgreSQL's DDL is transactional, so tests may even
create and drop schemas and leave nothing behind.
"""

from dataclasses import dataclass, replace

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from care.registers.models import Node, NodeKind, StaffScope
from care.registers.services.nodes import create_node
from carehub.accounts.models import Role, User
from tenants.models import Unit
from tenants.services.onboarding import onboard_unit

from .workers import worker  # noqa: F401 (a real Celery worker, for tests that import nothing else)

PASSWORD = "Sufficiently-long-2026"


def pytest_configure(config):
    # Hashing with PBKDF2 dominates a suite that logs in often; the algorithm is Django's, not ours.
    # PBKDF2 stays known for the browser tests' user, whose password a separate server process checks.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@dataclass
class Staff:
    """A unit with a small tree and staff of every kind.

    root (committee) ─┬─ east (general branch) ─┬─ east1 (branch)
                      │                         └─ east2 (branch)
                      └─ west (general branch) ─── west1 (branch)
    secretary: east's subtree; sibling: west's subtree (sees nothing of east); viewer: whole unit, read-only;
    sensitive_viewer: whole unit, read-only, may see sensitive categories.
    """

    unit: Unit
    admin: User
    secretary: User
    sibling: User
    viewer: User
    sensitive_viewer: User
    nodes: dict

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
        User.objects.create(email=f"browser@{slug}.test", role=Role.ADMIN,
                            password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
        root = create_node(admin, parent=None, name=name, kind=NodeKind.COMMITTEE)
        east = create_node(admin, parent=root, name="东区总支", kind=NodeKind.GENERAL_BRANCH)
        west = create_node(admin, parent=root, name="西区总支", kind=NodeKind.GENERAL_BRANCH)
        nodes = {"root": root, "east": east, "west": west,
                 "east1": create_node(admin, parent=east, name="东一支部"),
                 "east2": create_node(admin, parent=east, name="东二支部"),
                 "west1": create_node(admin, parent=west, name="西一支部")}

        def staff(local, role, node=None, sensitive=False):
            user = User.objects.create_user(f"{local}@{slug}.test", PASSWORD, role=role, full_name=local)
            StaffScope.objects.create(user=user, node=node, can_view_sensitive=sensitive)
            return user

        return Staff(
            result.unit, admin,
            secretary=staff("secretary", Role.SECRETARY, east),
            sibling=staff("sibling", Role.SECRETARY, west),
            viewer=staff("viewer", Role.VIEWER),
            sensitive_viewer=staff("sensitive", Role.VIEWER, sensitive=True),
            nodes=nodes,
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        alpha = _staff_for("alpha", "Alpha 区委", "district")
        beta = _staff_for("beta", "Beta 学校党委", "school")
        User.objects.create_superuser("operator@carehub.test", PASSWORD, full_name="Operator")
    return {"alpha": alpha, "beta": beta}


def _fresh(staff: Staff) -> Staff:
    """The session's staff with the unit and nodes re-read, so a test's changes never leak into the next."""
    unit = Unit.objects.get(pk=staff.unit.pk)
    with schema_context(unit.schema_name):
        nodes = {key: Node.objects.get(pk=node.pk) for key, node in staff.nodes.items()}
    return replace(staff, unit=unit, nodes=nodes)


@pytest.fixture
def alpha(django_db_setup, db) -> Staff:
    return _fresh(django_db_setup["alpha"])


@pytest.fixture
def beta(django_db_setup, db) -> Staff:
    return _fresh(django_db_setup["beta"])


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    """Requests through the tenant middleware leave the connection on the unit's schema; reset it."""
    yield
    connection.set_schema_to_public()


@pytest.fixture
def in_alpha(alpha):
    """Run the test body inside alpha's schema."""
    with schema_context("alpha"):
        yield alpha


def client_for(host: str) -> Client:
    return Client(HTTP_HOST=host)


def logged_in(staff: Staff, user: User | None = None) -> Client:
    client = client_for(staff.host)
    with schema_context(staff.unit.schema_name):  # the session is stored in the unit's own schema
        assert client.login(email=(user or staff.admin).email, password=PASSWORD)
    return client
