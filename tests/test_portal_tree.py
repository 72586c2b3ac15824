"""The organisation tree pages: counts in one query, and the node forms with the services' errors inline."""

import re

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from care.registers.models import Node
from care.registers.services import members, nodes

from . import test_portal_access as shared
from .test_portal_access import portal

# Fixtures shared by the portal tests.
media, register = shared.media, shared.register


def test_tree_shows_counts_per_node_and_subtree(register):
    response = portal(register.staff).get("/registers/tree/")
    body = response.content.decode()
    east1 = register.staff.nodes["east1"]
    assert f'id="node-{east1.pk}"' in body
    by_pk = {node.pk: node for node in response.context["rows"]}
    assert (by_pk[east1.pk].members_here, by_pk[east1.pk].members_total) == (1, 1)
    east = register.staff.nodes["east"]
    assert (by_pk[east.pk].members_here, by_pk[east.pk].members_total) == (0, 1)
    assert by_pk[register.staff.nodes["root"].pk].members_total == 2


def test_secretary_sees_only_their_subtree_as_roots(register):
    rows = portal(register.staff, register.staff.secretary).get("/registers/tree/").context["rows"]
    assert [(row.name, row.level) for row in rows] == [("东区总支", 0), ("东一支部", 1), ("东一第二小组", 2),
                                                      ("东二支部", 1)]


def test_add_a_node_with_an_inline_error_first(register):
    client = portal(register.staff, register.staff.secretary)
    east = register.staff.nodes["east"]
    response = client.post(f"/registers/tree/{east.pk}/add/", {"name": " ", "kind": "branch"})
    assert response.status_code == 200
    assert "The organisation needs a name." in response.content.decode()
    response = client.post(f"/registers/tree/{east.pk}/add/", {"name": "东三支部", "kind": "branch"})
    assert response.status_code == 302
    with schema_context("alpha"):
        assert Node.objects.get(name="东三支部").parent_id == east.pk


def test_a_second_organisation_of_the_same_name_is_refused_inline(register):
    client = portal(register.staff, register.staff.secretary)
    east = register.staff.nodes["east"]
    response = client.post(f"/registers/tree/{east.pk}/add/", {"name": "东一支部", "kind": "branch"})
    assert response.status_code == 200
    assert "“东区总支” already has an organisation named “东一支部”." in response.content.decode()
    with schema_context("alpha"):
        assert Node.objects.filter(name="东一支部").count() == 1


def test_only_admins_add_top_level_organisations(register):
    assert portal(register.staff, register.staff.secretary).get("/registers/tree/add/").status_code == 403
    response = portal(register.staff).post("/registers/tree/add/", {"name": "新党委", "kind": "committee"})
    assert response.status_code == 302


def test_edit_move_and_delete(register):
    client = portal(register.staff)
    node = register.node
    assert client.post(f"/registers/tree/{node.pk}/", {"name": "改名小组", "kind": "branch",
                                                       "secretary": "张书记"}).status_code == 302
    west = register.staff.nodes["west"]
    assert client.post(f"/registers/tree/{node.pk}/move/", {"parent": west.pk}).status_code == 302
    with schema_context("alpha"):
        moved = Node.objects.get(pk=node.pk)
        assert (moved.name, moved.secretary, moved.parent_id) == ("改名小组", "张书记", west.pk)
        assert moved.path.startswith(west.path)
    assert client.post(f"/registers/tree/{node.pk}/delete/").status_code == 302
    with schema_context("alpha"):
        assert not Node.objects.filter(pk=node.pk).exists()


def test_what_was_done_is_named_in_the_message(register):
    client = portal(register.staff)
    east = register.staff.nodes["east"]

    def flashed(response) -> str:
        """The newest message (they wait, one after the other, for a page that shows them)."""
        return [str(message) for message in get_messages(response.wsgi_request)][-1]

    assert flashed(client.post(f"/registers/tree/{east.pk}/add/", {"name": "东三支部", "kind": "branch"})) == \
        "“东三支部” was added."
    node = register.node
    assert flashed(client.post(f"/registers/tree/{node.pk}/", {"name": node.name, "kind": "branch"})) == "Saved."
    assert flashed(client.post(f"/registers/tree/{node.pk}/move/", {"parent": east.pk})) == \
        f"“{node.name}” was moved with everything below it."
    assert flashed(client.post(f"/registers/tree/{node.pk}/delete/")) == f"“{node.name}” was deleted."


def test_move_below_itself_is_not_offered(register):
    client = portal(register.staff)
    east = register.staff.nodes["east"]
    page = client.get(f"/registers/tree/{east.pk}/")
    offered = {node.pk for node in page.context["move_form"].fields["parent"].queryset}
    assert register.staff.nodes["east1"].pk not in offered and register.staff.nodes["west"].pk in offered
    response = client.post(f"/registers/tree/{east.pk}/move/", {"parent": register.staff.nodes["east1"].pk})
    assert response.status_code == 200 and response.context["move_form"].errors["parent"]


def test_deleting_a_node_with_members_shows_why_not(register):
    east1 = register.staff.nodes["east1"]
    response = portal(register.staff).post(f"/registers/tree/{east1.pk}/delete/")
    assert response.status_code == 200
    assert "Move its members and sub-organisations elsewhere first." in response.content.decode()
    with schema_context("alpha"):
        assert Node.objects.filter(pk=east1.pk).exists()


def test_tree_queries_stay_the_same_however_deep_and_wide(alpha):
    client = portal(alpha)
    client.get("/registers/tree/")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/registers/tree/").status_code == 200
        return len(captured)

    before = queries()
    assert before <= 10  # session, unit, user, scope, the organisations, the counts: none per organisation
    with schema_context("alpha"):
        parent = alpha.nodes["east1"]
        for depth in range(4):  # a chain four levels deeper, each with a few leaves
            parent = nodes.create_node(alpha.admin, parent=parent, name=f"第{depth}层")
            for leaf in range(5):
                node = nodes.create_node(alpha.admin, parent=parent, name=f"第{depth}层小组{leaf}")
                members.create_member(alpha.admin, node=node, name=f"成员{depth}{leaf}", sex="f")
    connection.set_schema_to_public()
    assert queries() == before


def test_tree_opens_two_levels_and_offers_a_search(alpha):
    body = portal(alpha).get("/registers/tree/").content.decode()
    assert 'data-tree-filter="#tree"' in body and 'aria-label="Find an organisation"' in body
    root, east = alpha.nodes["root"], alpha.nodes["east"]
    with schema_context("alpha"):
        below = nodes.create_node(alpha.admin, parent=alpha.nodes["east1"], name="东一第一小组")
    connection.set_schema_to_public()
    body = portal(alpha).get("/registers/tree/").content.decode()

    def opened(node):
        row = rf'id="node-{node.pk}" data-name="[^"]*"><div class="branch">.*?</div>\s*<details( open)?>'
        found = re.search(row, body, re.S)
        return found.group(1) == " open"

    assert opened(root) and opened(east)  # levels 0 and 1
    assert not opened(alpha.nodes["east1"])  # level 2: closed until clicked or searched
    assert f'id="node-{below.pk}" data-name="东一第一小组"><div class="leaf">' in body
    # The branches close where they end: every <details> and <li> opened is closed again.
    tree = body.split('id="tree"', 1)[1]
    assert tree.count("<details") == tree.count("</details>") and tree.count("<li") == tree.count("</li>")
