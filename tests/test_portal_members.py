"""Member pages: list with filters, live search, sorting and paging; profile and timeline; forms whose errors
come from services.members and show next to their fields, also live while the form is filled in."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from care.registers import timeline
from care.registers.models import Member
from care.registers.services import extra_fields, hardship, members

from . import test_portal_access as shared
from .test_portal_access import portal

# Fixtures shared by the portal tests.
media, register = shared.media, shared.register


def add_members(staff, count, node="east2", **data):
    with schema_context(staff.unit.schema_name):
        created = [members.create_member(staff.admin, node=staff.nodes[node], name=f"张{index:03d}", sex="f",
                                         birth_date=datetime.date(1940 + index % 50, 1, 1), **data)
                   for index in range(count)]
    connection.set_schema_to_public()
    return created


def names(response) -> list[str]:
    return [member.name for member in response.context["page"]]


class TestList:
    @pytest.mark.parametrize("query", ["王建", "wjg", "912345678"])
    def test_search_by_name_initials_or_phone(self, register, query):
        assert names(portal(register.staff).get("/registers/members/", {"q": query})) == ["王建国"]

    def test_live_search_answers_with_the_results_only(self, register):
        response = portal(register.staff).get("/registers/members/", {"q": "李"}, headers={"HX-Request": "true",
                                                                                         "HX-Target": "results"})
        body = response.content.decode()
        assert "<html" not in body and 'id="member-table"' in body and "李秀兰" in body and "王建国" not in body
        assert "HX-Target" in response["Vary"]

    def test_filters_status_node_and_extra_fields(self, register):
        client = portal(register.staff)
        with schema_context("alpha"):
            members.change_status(register.staff.admin, register.west_member, "retired")
            members.update_member(register.staff.admin, register.member, extra={"post": "书记"})
        connection.set_schema_to_public()
        assert names(client.get("/registers/members/", {"status": "retired"})) == ["李秀兰"]
        assert names(client.get("/registers/members/", {"node": register.staff.nodes["east"].pk})) == ["王建国"]
        assert names(client.get("/registers/members/", {"extra.post": "书记"})) == ["王建国"]
        assert names(client.get("/registers/members/", {"hardship": "elderly"})) == ["王建国"]
        body = client.get("/registers/members/").content.decode()
        assert 'name="cond1-field"' in body and ">职务</option>" in body  # unit-defined fields are offered as filters

    def test_names_sort_by_pinyin(self, alpha):
        """Code-point order would put 张 before 李 and 陈 last; readers expect 安, 陈, 李, 王, 张, 赵."""
        with schema_context("alpha"):
            for name in ["张三", "王五", "李四", "安娜", "赵六", "陈七"]:
                members.create_member(alpha.admin, node=alpha.nodes["west1"], name=name, sex="f",
                                      birth_date=datetime.date(1950, 1, 1))
        connection.set_schema_to_public()
        client = portal(alpha)
        listed = names(client.get("/registers/members/", {"node": alpha.nodes["west1"].pk, "sort": "name"}))
        assert listed == ["安娜", "陈七", "李四", "王五", "张三", "赵六"]
        backwards = names(client.get("/registers/members/", {"node": alpha.nodes["west1"].pk, "sort": "-name"}))
        assert backwards == listed[::-1]

    def test_sort_by_age_and_paginate_by_fifty(self, alpha):
        add_members(alpha, 55)
        client = portal(alpha)
        first = client.get("/registers/members/", {"sort": "-age"})
        assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 55
        assert names(first)[0] == "张000"  # born 1940: the oldest
        assert names(client.get("/registers/members/", {"sort": "age"}))[0] == "张049"
        assert len(client.get("/registers/members/", {"sort": "-age", "page": 2}).context["page"]) == 5

    def test_export_links_carry_the_current_filters(self, register):
        body = portal(register.staff).get("/registers/members/", {"q": "王", "status": "active", "page": "1"})
        html = body.content.decode()
        assert 'href="/imports/export/members.xlsx?q=%E7%8E%8B&amp;status=active"' in html
        assert 'href="/imports/export/members.csv?q=%E7%8E%8B&amp;status=active"' in html

    def test_queries_do_not_grow_with_the_rows_shown(self, alpha):
        client = portal(alpha)
        add_members(alpha, 3)
        client.get("/registers/members/")

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/registers/members/", {"sort": "joined"}).status_code == 200
            return len(captured)

        few = queries()
        add_members(alpha, 60, node="west1")
        assert queries() == few


class TestProfile:
    def test_details_extra_fields_and_timeline_newest_first(self, register):
        admin = register.staff.admin
        with schema_context("alpha"):
            members.update_member(admin, register.member, address="华北路1号", extra={"post": "委员"})
            members.transfer_member(admin, register.member, register.staff.nodes["east2"], note="搬家")
            hardship.review_entry(admin, register.entry, outcome="changed", level=2, note="行动更困难")
        connection.set_schema_to_public()
        response = portal(register.staff).get(f"/registers/members/{register.member.pk}/")
        body = response.content.decode()
        assert "职务" in body and "委员" in body and "华北路1号" in body
        titles = [item.title for item in response.context["timeline"]]
        assert titles[:2] == ["Hardship review: Changed", "Transferred from 东一支部 to 东二支部"]
        assert "Record changed" in titles and "Record created" in titles
        assert "Hardship entry opened: Elderly" in titles
        assert "Hardship entry opened: Serious illness or hospitalised" in titles
        assert "Status: — → Active" in titles
        assert "General</del> → <ins>Serious" in body

    def test_the_timeline_asks_every_registered_source(self, register):
        """The care apps add their items through care.registers.timeline, which the registers cannot import."""
        assert {source.__module__ for source in timeline.sources()} >= {"care.fund.timeline",
                                                                        "care.programme.timeline"}
        asked = []

        def source(member, user):
            asked.append((member.pk, user.pk))
            return [{"day": datetime.date(2001, 7, 1), "at": timezone.now(), "kind": "test", "title": "来自别处"}]

        timeline.register(source)
        try:
            response = portal(register.staff).get(f"/registers/members/{register.member.pk}/")
        finally:
            timeline.unregister(source)
        assert asked == [(register.member.pk, register.staff.admin.pk)]
        assert [item.title for item in response.context["timeline"]][-1] == "来自别处"  # the oldest
        assert source not in timeline.sources()


class TestForms:
    def post_new(self, client, staff, **data):
        values = {"node": staff.nodes["east1"].pk, "name": "赵德明", "sex": "m", "birth_date": "1948-02-29",
                  "joined_on": "1970-07-01", "phone": "13512345678", "uses_smartphone": "on"}
        return client.post("/registers/members/new/", {**values, **data})

    def test_create_shows_service_errors_next_to_fields(self, register):
        client = portal(register.staff)
        response = self.post_new(client, register.staff, phone="12345", joined_on="1955-01-01",
                                 **{"extra__post": "主任"})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors["phone"] == ["“12345” is not a valid phone number."]
        assert errors["joined_on"] == ["Members join at 18 or older; check the dates."]
        assert "is not one of" in errors["extra__post"][0]
        body = response.content.decode()
        assert 'id="err-phone" role="alert"><p>“12345” is not a valid phone number.</p>' in body
        response = self.post_new(client, register.staff, node="", phone="12345")
        assert set(response.context["form"].errors) == {"node", "phone"}  # all at once, not only the form's own
        response = self.post_new(client, register.staff, **{"extra__post": "委员"})
        with schema_context("alpha"):
            member = Member.objects.get(name="赵德明")
        assert response.status_code == 302 and response["Location"] == f"/registers/members/{member.pk}/"
        assert (member.phone, member.extra, member.uses_smartphone) == ("+8613512345678", {"post": "委员"}, True)

    def test_implausible_birth_dates_are_refused(self, register):
        client = portal(register.staff)
        for day in ("0001-01-01", "1899-12-31"):
            response = self.post_new(client, register.staff, birth_date=day, joined_on="")
            assert response.context["form"].errors["birth_date"] == [f"{day} is before 1900-01-01; check the year."]
        with schema_context("alpha"):
            assert not Member.objects.filter(name="赵德明").exists()
        response = self.post_new(client, register.staff, birth_date="1900-01-01", joined_on="")
        assert response.status_code == 302

    def test_extra_fields_are_rendered_by_type(self, register):
        with schema_context("alpha"):
            extra_fields.save_extra_field(register.staff.admin, key="dues", label="月党费", kind="number")
            extra_fields.save_extra_field(register.staff.admin, key="since", label="入职日期", kind="date")
        connection.set_schema_to_public()
        body = portal(register.staff).get("/registers/members/new/").content.decode()
        assert 'type="number" name="extra__dues"' in body
        assert 'type="date" name="extra__since"' in body
        assert '<select name="extra__post"' in body and '<option value="书记">书记</option>' in body

    def test_live_validation_of_the_changed_field(self, register):
        client = portal(register.staff)
        data = {"node": register.staff.nodes["east1"].pk, "name": "", "birth_date": "1950-03-02",
                "joined_on": "1960-01-01"}
        response = client.post("/registers/members/validate/", data, headers={"HX-Request": "true",
                                                                              "HX-Trigger-Name": "joined_on"})
        body = response.content.decode()
        assert ('<div class="field-error" id="err-joined_on" role="alert" hx-swap-oob="true">'
                "<p>Members join at 18 or older; check the dates.</p></div>") in body
        # The name is empty and untouched yet: no error there until it is changed or the form is sent.
        assert '<div class="field-error" id="err-name" role="alert" hx-swap-oob="true"></div>' in body
        response = client.post("/registers/members/validate/", {**data, "joined_on": "1975-07-01"},
                               headers={"HX-Trigger-Name": "joined_on"})
        assert '<div class="field-error" id="err-joined_on" role="alert" hx-swap-oob="true"></div>' in \
            response.content.decode()

    def test_edit_with_error_then_saved(self, register):
        client = portal(register.staff, register.staff.secretary)
        url = f"/registers/members/{register.member.pk}/edit/"
        form = client.get(url).context["form"]
        assert form["phone"].value() == "+8613912345678" and "node" not in form.fields
        data = {"name": "王建国", "sex": "m", "birth_date": "1950-03-02", "joined_on": "1975-07-01",
                "phone": "139-1234-5678", "address": "新地址", "birth_date_typo": ""}
        response = client.post(url, {**data, "birth_date": "1950-02-30"})
        assert response.context["form"].errors["birth_date"] == ["“1950-02-30” is not a real date (YYYY-MM-DD)."]
        assert client.post(url, data).status_code == 302
        with schema_context("alpha"):
            assert Member.objects.get(pk=register.member.pk).address == "新地址"

    def test_deceased_needs_the_date_of_death(self, register):
        client = portal(register.staff)
        url = f"/registers/members/{register.member.pk}/status/"
        response = client.post(url, {"status": "deceased"})
        assert response.context["form"].errors["died_on"] == ["Give the date of death."]
        assert client.post(url, {"status": "deceased", "died_on": "2026-01-02", "note": "病逝"}).status_code == 302
        with schema_context("alpha"):
            member = Member.objects.get(pk=register.member.pk)
            assert (member.status, member.died_on) == ("deceased", datetime.date(2026, 1, 2))

    def test_transfer_only_within_the_secretarys_subtree(self, register):
        client = portal(register.staff, register.staff.secretary)
        url = f"/registers/members/{register.member.pk}/transfer/"
        response = client.post(url, {"node": register.staff.nodes["west1"].pk})
        assert response.status_code == 200 and response.context["form"].errors["node"]
        assert client.post(url, {"node": register.staff.nodes["east2"].pk, "note": "调动"}).status_code == 302
        with schema_context("alpha"):
            assert Member.objects.get(pk=register.member.pk).node_id == register.staff.nodes["east2"].pk
