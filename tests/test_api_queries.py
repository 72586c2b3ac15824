"""The number of SQL queries per request must not grow with the page size or with an object's history."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care.registers.models import (
    Evidence,
    ExtraField,
    HardshipEntry,
    HardshipReview,
    Member,
    StaffScope,
    StatusChange,
    Transfer,
)
from care.registers.services import nodes
from carehub.accounts.models import Role, User

from .api_data import V1, media_fixture, new_member, session_api  # noqa: F401

MANY = 60
DAY = datetime.date(2026, 1, 10)
# Unit, session, account, scope, count, page (or a detail's prefetches): a fixed handful, whatever the size.
MOST_QUERIES = 8


def queries(api, path, params=None) -> int:
    """Statements sent, not counting django-tenants' `SET search_path` before each of them."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return sum(not query["sql"].startswith("SET search_path") for query in captured.captured_queries)


@pytest.fixture
def crowded(in_alpha):
    """MANY of everything, spread over subtrees and with relations the serializers show."""
    east1, west1 = in_alpha.nodes["east1"], in_alpha.nodes["west1"]
    people = Member.objects.bulk_create([Member(node=east1 if i % 2 else west1, name=f"成员{i}", sex="m")
                                         for i in range(MANY)])
    HardshipEntry.objects.bulk_create([
        HardshipEntry(member=person, category="elderly", reason="高龄", opened_on=DAY, review_due_on=DAY)
        for person in people])
    ExtraField.objects.bulk_create([ExtraField(key=f"f{i}", label=f"字段{i}", kind="text") for i in range(MANY)])
    users = User.objects.bulk_create([User(email=f"u{i}@alpha.test", role=Role.VIEWER) for i in range(MANY)])
    StaffScope.objects.bulk_create([StaffScope(user=user, node=east1) for user in users[::2]])
    for i in range(MANY):
        nodes.create_node(in_alpha.admin, parent=in_alpha.nodes["east2"], name=f"支部{i}")  # also audit events
    return in_alpha


@pytest.mark.parametrize("path", ["/members/", "/hardship/", "/hardship/due/", "/nodes/", "/extra-fields/",
                                  "/audit-events/", "/staff/"])
def test_lists_do_not_grow_with_the_page_size(crowded, path):
    api = session_api(crowded)
    api.get(V1 + path)  # warm up whatever a first request loads once
    small = queries(api, V1 + path, {"page_size": 5})
    large = queries(api, V1 + path, {"page_size": 50})
    assert small == large <= MOST_QUERIES


def test_filtered_member_list_does_not_grow_either(crowded):
    api = session_api(crowded)
    params = {"q": "成员", "status": ["active", "retired"], "hardship": "elderly", "node": crowded.nodes["east"].pk,
              "ordering": "-birth_date"}
    api.get(f"{V1}/members/", params)
    assert queries(api, f"{V1}/members/", {**params, "page_size": 5}) == queries(
        api, f"{V1}/members/", {**params, "page_size": 50})


def test_details_do_not_grow_with_history(in_alpha, media):
    api = session_api(in_alpha)
    quiet, busy = new_member(in_alpha), new_member(in_alpha, name="李四")
    east1, east2 = in_alpha.nodes["east1"], in_alpha.nodes["east2"]
    StatusChange.objects.bulk_create([StatusChange(member=busy, to_status="retired", effective_on=DAY,
                                                   by=in_alpha.admin) for _ in range(10)])
    Transfer.objects.bulk_create([Transfer(member=busy, from_node=east1, to_node=east2, effective_on=DAY,
                                           by=in_alpha.admin) for _ in range(10)])
    entries = HardshipEntry.objects.bulk_create([
        HardshipEntry(member=member, category="elderly", reason="高龄", opened_on=DAY, review_due_on=DAY)
        for member in (quiet, busy)])
    Evidence.objects.bulk_create([Evidence(entry=entries[1], file=f"alpha/e{i}.txt", uploaded_by=in_alpha.admin)
                                  for i in range(10)])
    HardshipReview.objects.bulk_create([HardshipReview(entry=entries[1], outcome="unchanged", reviewed_on=DAY,
                                                       reviewed_by=in_alpha.admin) for _ in range(10)])
    api.get(f"{V1}/members/{quiet.pk}/")
    assert queries(api, f"{V1}/members/{quiet.pk}/") == queries(api, f"{V1}/members/{busy.pk}/") <= MOST_QUERIES
    assert queries(api, f"{V1}/hardship/{entries[0].pk}/") == queries(
        api, f"{V1}/hardship/{entries[1].pk}/") <= MOST_QUERIES
