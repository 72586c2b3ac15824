"""Filtering by the unit's own fields with a picker: a field chosen by its label, an operator in words that fits
its kind, and a value input of that kind. Nobody types `key__gte=value`; links in that machine form still work
and show as the picker's rows; the exports and SMS notices take the same rows."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from care.registers.filters import Condition, conditions_of, picked_conditions
from care.registers.services import extra_fields, members

from . import test_portal_access as shared
from .test_portal_access import portal

media, register = shared.media, shared.register
LIST = "/registers/members/"


@pytest.fixture(name="fields")
def fields_fixture(register):
    """Three more fields of every kind; 王建国 holds values, 李秀兰 none."""
    admin = register.staff.admin
    with schema_context("alpha"):
        extra_fields.save_extra_field(admin, key="dues", label="月党费", kind="number")
        extra_fields.save_extra_field(admin, key="since", label="入职日期", kind="date")
        extra_fields.save_extra_field(admin, key="skill", label="特长", kind="text")
        members.update_member(admin, register.member, extra={"post": "书记", "dues": 35, "since": "1990-05-01",
                                                              "skill": "书法和绘画"})
    connection.set_schema_to_public()
    return register


def names(response) -> list[str]:
    return sorted(member.name for member in response.context["page"])


def row(number, field, op="", value="", was=None) -> dict:
    return {f"cond{number}-field": field, f"cond{number}-op": op, f"cond{number}-value": value,
            f"cond{number}-was": field if was is None else was}


@pytest.mark.parametrize(("conditions", "expected"), [
    (row(1, "dues", "gte", "30"), ["王建国"]),
    (row(1, "dues", "lte", "30"), []),
    (row(1, "dues", "eq", "35"), ["王建国"]),
    (row(1, "since", "gte", "1990-05-01"), ["王建国"]),
    (row(1, "since", "lte", "1990-04-30"), []),
    (row(1, "skill", "contains", "书法"), ["王建国"]),
    (row(1, "post", "eq", "委员"), []),
    (row(1, "post", "empty"), ["李秀兰"]),
    (row(1, "post", "filled"), ["王建国"]),
    ({**row(1, "dues", "gte", "30"), **row(2, "skill", "contains", "绘画")}, ["王建国"]),
    ({**row(1, "dues", "gte", "30"), **row(2, "skill", "contains", "唱歌")}, []),
    (row(1, "dues", "gte", ""), ["李秀兰", "王建国"]),  # not complete: no condition yet
    (row(1, "dues", "gte", "30", was="skill"), ["李秀兰", "王建国"]),  # the value was typed for another field
])
def test_the_picker_filters_the_list(fields, conditions, expected):
    assert names(portal(fields.staff).get(LIST, conditions)) == expected


@pytest.mark.parametrize(("machine", "expected"), [
    ({"extra.dues__gte": "30"}, ["王建国"]), ({"extra.skill__contains": "书法"}, ["王建国"]),
    ({"extra.post__empty": "true"}, ["李秀兰"]), ({"extra.post__empty": "false"}, ["王建国"]),
    ({"extra.post": "书记"}, ["王建国"]),
])
def test_links_in_the_machine_form_still_work(fields, machine, expected):
    assert names(portal(fields.staff).get(LIST, machine)) == expected


def test_the_page_offers_fields_by_label_and_operators_in_words(fields):
    body = portal(fields.staff).get(LIST).content.decode()
    assert 'name="cond1-field"' in body and "月党费" in body and "特长" in body
    assert "__gte" not in body and "extra." not in body and 'name="cond1-op"' not in body  # no field chosen yet


def test_a_link_in_the_machine_form_shows_as_a_row_with_inputs_of_its_kind(fields):
    response = portal(fields.staff).get(LIST, {"extra.since__gte": "1990-01-01"})
    body = response.content.decode()
    assert '<option value="since" selected>入职日期</option>' in body
    assert '<option value="gte" selected>is on or after</option>' in body
    assert 'type="date" name="cond1-value" value="1990-01-01"' in body
    assert 'name="cond2-field"' in body  # and an empty row to add another condition
    assert "extra.since" not in body.split('id="results"')[0].split("<form")[1]  # the form posts rows only


@pytest.mark.parametrize(("field", "input_", "operators"), [
    ("post", '<select name="cond1-value"', ["is", "is empty", "is filled in"]),
    ("dues", 'type="number" name="cond1-value"', ["equals", "is at least", "is at most", "is empty"]),
    ("since", 'type="date" name="cond1-value"', ["is on", "is on or after", "is on or before"]),
    ("skill", 'type="text" name="cond1-value"', ["is", "contains", "is empty"]),
])
def test_choosing_a_field_redraws_the_row_with_what_fits_it(fields, field, input_, operators):
    response = portal(fields.staff).get("/registers/members/conditions/", {"cond1-field": field},
                                        headers={"HX-Request": "true", "HX-Target": "extra-conditions"})
    body = response.content.decode()
    assert body.startswith('<fieldset id="extra-conditions"') and input_ in body
    assert all(f">{words}</option>" in body for words in operators)
    assert 'for="id_cond1-op"' in body and 'for="id_cond1-value"' in body  # labelled


def test_is_empty_needs_no_value_and_a_rule_audience_only_compares(fields):
    client = portal(fields.staff)
    body = client.get("/registers/members/conditions/", {"cond1-field": "post", "cond1-op": "empty"}).content.decode()
    assert 'name="cond1-value"' not in body
    body = client.get("/registers/members/conditions/", {"compare": "1", "cond1-field": "skill"}).content.decode()
    assert ">contains</option>" not in body and ">is empty</option>" not in body and ">is</option>" in body


def test_a_wrong_value_is_shown_on_its_row(fields):
    body = portal(fields.staff).get(LIST, row(1, "dues", "gte", "abc")).content.decode()
    first_row = body.split('id="condition-1"')[1].split('id="condition-2"')[0]
    assert "Enter a number." in first_row


def test_the_export_takes_the_rows(fields):
    from .test_exports import read_csv

    response = portal(fields.staff).get("/imports/export/members.csv", row(1, "dues", "gte", "30"))
    assert [line[0] for line in read_csv(response.content)[1:]] == ["王建国"]


def test_rows_and_parameters_are_one_language():
    conditions = [Condition("dues", "gte", "30"), Condition("post", "empty", ""), Condition("skill", "filled", "")]
    params = dict(condition.param for condition in conditions)
    assert params == {"extra.dues__gte": "30", "extra.post__empty": "true", "extra.skill__empty": "false"}
    assert conditions_of(params) == conditions
    assert picked_conditions({**row(1, "dues", "gte", "30"), **row(2, "post", "empty"),
                              **row(3, "skill", "filled")}) == conditions


def test_an_sms_notice_takes_the_rows(fields):
    client = portal(fields.staff)
    assert 'name="cond1-field"' in client.get("/sms/notices/new/").content.decode()
    notice = {"body": "{member name}同志：开会。", **row(1, "dues", "gte", "30")}
    response = client.post("/sms/notices/prepare/", notice)
    assert response.context["audience"].members == 1
