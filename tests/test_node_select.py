"""Organisation choices are the indented tree with a search box (carehub.portal.widgets.NodeSelect), on every
portal page that asks for an organisation."""

import re

from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.functional import Promise
from django_tenants.utils import schema_context

from care.fund.models import Fund
from care.registers import access
from carehub.portal.widgets import NodeSelect

from .test_portal_access import media, portal, register  # noqa: F401  (fixtures)

INDENT = NodeSelect.INDENT


def options(html: str) -> list[tuple[str, str, str]]:
    """(value, data-depth, label) of each option."""
    found = re.findall(r'<option value="([^"]*)"(?: data-depth="(\d+)")?[^>]*>([^<]*)</option>', html)
    return [(value, depth, label) for value, depth, label in found]


def field_html(user, **kwargs) -> str:
    field = forms.ModelChoiceField(queryset=access.visible_nodes(user), widget=NodeSelect, **kwargs)
    return field.widget.render("node", None)


def test_options_are_indented_by_depth_and_marked_for_search(in_alpha):
    with translation.override("en"):
        html = field_html(in_alpha.admin, empty_label="All organisations")
    assert re.search(r'<select name="node" data-tree-search="Find an organisation"', html)
    n = in_alpha.nodes
    assert options(html) == [
        ("", "", "All organisations"),
        (str(n["root"].pk), "0", "Alpha 区委"),
        (str(n["east"].pk), "1", INDENT + "东区总支"),
        (str(n["east1"].pk), "2", INDENT * 2 + "东一支部"),
        (str(n["east2"].pk), "2", INDENT * 2 + "东二支部"),
        (str(n["west"].pk), "1", INDENT + "西区总支"),
        (str(n["west1"].pk), "2", INDENT * 2 + "西一支部"),
    ]


def test_a_secretarys_own_organisation_starts_at_the_left_edge(in_alpha):
    html = field_html(in_alpha.secretary, empty_label=None)
    assert [(depth, label) for _value, depth, label in options(html)] == [
        ("0", "东区总支"), ("1", INDENT + "东一支部"), ("1", INDENT + "东二支部")]


def test_the_search_label_is_translated_when_shown():
    assert isinstance(NodeSelect().attrs["data-tree-search"], Promise)


def test_the_choices_are_read_once(in_alpha):
    field = forms.ModelChoiceField(queryset=access.visible_nodes(in_alpha.admin), widget=NodeSelect)
    with CaptureQueriesContext(connection) as captured:
        field.widget.render("node", None)
    reads = [query["sql"] for query in captured if "registers_node" in query["sql"]]
    assert len(reads) == 1 and "COUNT(" not in reads[0]  # no count before the rows


def test_the_chosen_option_stays_selected(in_alpha):
    east1 = in_alpha.nodes["east1"]
    field = forms.ModelChoiceField(queryset=access.visible_nodes(in_alpha.admin), widget=NodeSelect)
    html = field.widget.render("node", east1.pk)
    chosen = re.findall(r'<option value="(\d+)"[^>]*\bselected\b[^>]*>([^<]*)<', html)
    assert chosen == [(str(east1.pk), INDENT * 2 + "东一支部")]


def pages(r) -> dict[str, str]:
    """Portal pages asking for an organisation: path -> the select's name."""
    m, n = r.member.pk, r.staff.nodes["east1"].pk
    return {
        "/registers/members/": "node",  # the member list's filter
        "/registers/members/new/": "node",
        f"/registers/members/{m}/transfer/": "node",
        "/registers/hardship/": "node",
        f"/registers/tree/{n}/": "parent",  # moving an organisation
        "/registers/settings/staff/invite/": "node",
        f"/registers/settings/staff/{r.staff.secretary.pk}/": "node",
        "/fund/new/": "node",
        "/programme/rules/new/": "node",  # a rule's audience
        "/programme/commendations/": "node",
        "/reports/": "node",
        "/sms/notices/new/": "node",  # a notice's audience
    }


def test_every_organisation_choice_is_the_searchable_tree(register):  # noqa: F811
    client = portal(register.staff)
    for path, name in pages(register).items():
        response = client.get(path)
        assert response.status_code == 200, path
        select = re.search(rf'<select name="{name}"[^>]*>', response.content.decode())
        assert select and "data-tree-search=" in select.group(0), path


def test_the_fund_form_offers_organisations_without_a_fund_as_a_tree(register):  # noqa: F811
    with schema_context(register.staff.unit.schema_name):
        Fund.objects.create(node=register.staff.nodes["east"], name="东区基金")
    connection.set_schema_to_public()
    response = portal(register.staff).get("/fund/new/")
    labels = [label for _value, _depth, label in options(response.content.decode().split('name="node"', 1)[1]
                                                             .split("</select>", 1)[0])]
    assert INDENT + "东区总支" not in labels and INDENT * 2 + "东一支部" in labels
