"""The organisation tree through the API: create within scope, edit, move a subtree, delete empty leaves."""

import pytest

from care.registers.models import Node
from carehub.audit.models import AuditEvent

from .api_data import V1, assert_error, new_member, session_api

NODES = f"{V1}/nodes/"


def test_secretary_creates_below_their_node(in_alpha):
    response = session_api(in_alpha, in_alpha.secretary).post(
        NODES, {"parent": in_alpha.nodes["east"].pk, "name": "东三支部", "secretary": "张三", "contact": "13900000000"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["depth"], body["parent"]) == ("branch", 2, in_alpha.nodes["east"].pk)
    assert body["path"] == f"{in_alpha.nodes['east'].path}{body['id']}/"
    event = AuditEvent.objects.get(object_type="node", object_id=str(body["id"]))
    assert (event.action, event.source, event.actor_id) == ("registers.node.created", "api", in_alpha.secretary.pk)


def test_only_admins_create_roots(alpha):
    body = {"parent": None, "name": "新党委", "kind": "committee"}
    assert_error(session_api(alpha, alpha.secretary).post(NODES, body), 403, "permission_denied")
    assert session_api(alpha).post(NODES, body).json()["depth"] == 0


@pytest.mark.parametrize("data,field", [
    ({"name": ""}, "name"),
    ({"kind": "club"}, "kind"),
    ({"parent": "east"}, "parent"),
    ({"secretary": "张" * 51}, "secretary"),
])
def test_bad_values_name_their_field(alpha, data, field):
    error = assert_error(session_api(alpha).post(NODES, {"parent": alpha.nodes["east"].pk, "name": "x", **data}),
                         400, "invalid")
    assert list(error["fields"]) == [field]


def test_sibling_names_are_unique(alpha):
    api = session_api(alpha)
    error = assert_error(api.post(NODES, {"parent": alpha.nodes["east"].pk, "name": "东二支部"}), 400, "invalid")
    assert error["fields"] == {"name": ["“东区总支” already has an organisation named “东二支部”."]}
    error = assert_error(api.patch(f"{NODES}{alpha.nodes['east1'].pk}/", {"name": "东二支部"}), 400, "invalid")
    assert list(error["fields"]) == ["name"]
    twin = api.post(NODES, {"parent": alpha.nodes["west"].pk, "name": "东二支部"})  # another parent: fine
    assert twin.status_code == 201
    error = assert_error(api.post(f"{NODES}{twin.json()['id']}/move/", {"parent": alpha.nodes["east"].pk}), 400)
    assert list(error["fields"]) == ["parent"]


def test_update(in_alpha):
    api = session_api(in_alpha, in_alpha.secretary)
    response = api.patch(f"{NODES}{in_alpha.nodes['east1'].pk}/", {"secretary": "李四"})
    assert response.json()["secretary"] == "李四" and response.json()["name"] == "东一支部"
    event = AuditEvent.objects.get(action="registers.node.updated", object_type="node")
    assert event.changes == {"secretary": ["", "李四"]}


def test_move_takes_the_subtree_along(in_alpha):
    east, west = in_alpha.nodes["east"], in_alpha.nodes["west"]
    response = session_api(in_alpha).post(f"{NODES}{east.pk}/move/", {"parent": west.pk})
    assert response.status_code == 200 and response.json()["parent"] == west.pk
    assert Node.objects.get(pk=in_alpha.nodes["east1"].pk).path.startswith(Node.objects.get(pk=west.pk).path)
    error = assert_error(session_api(in_alpha).post(f"{NODES}{west.pk}/move/", {"parent": east.pk}), 400)
    assert list(error["fields"]) == ["parent"]  # below itself


def test_secretary_cannot_move_out_of_their_subtree(alpha):
    response = session_api(alpha, alpha.secretary).post(f"{NODES}{alpha.nodes['east1'].pk}/move/",
                                                         {"parent": alpha.nodes["west"].pk})
    assert list(assert_error(response, 400)["fields"]) == ["parent"]


def test_only_empty_leaves_are_deleted(in_alpha):
    api = session_api(in_alpha)
    new_member(in_alpha, node="east2")
    for key in ("east", "east2"):
        error = assert_error(api.delete(f"{NODES}{in_alpha.nodes[key].pk}/"), 400, "invalid")
        assert error["message"] == "Move its members and sub-organisations elsewhere first." and not error["fields"]
    assert api.delete(f"{NODES}{in_alpha.nodes['west1'].pk}/").status_code == 204
    assert not Node.objects.filter(pk=in_alpha.nodes["west1"].pk).exists()


def test_filters_and_ordering(alpha):
    api = session_api(alpha)
    children = api.get(NODES, {"parent": alpha.nodes["east"].pk}).json()["results"]
    assert {node["name"] for node in children} == {"东一支部", "东二支部"}
    assert api.get(NODES, {"kind": "general_branch"}).json()["count"] == 2
    assert [n["depth"] for n in api.get(NODES, {"ordering": "-depth"}).json()["results"]][:3] == [2, 2, 2]
    assert_error(api.get(NODES, {"kind": "club"}), 400, "invalid")


def test_parent_filter_outside_scope_reads_as_unknown(alpha):
    error = assert_error(session_api(alpha, alpha.sibling).get(NODES, {"parent": alpha.nodes["east"].pk}), 400)
    assert list(error["fields"]) == ["parent"]
