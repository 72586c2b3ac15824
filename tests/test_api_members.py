"""The member register through the API: create, change, status and transfers, the list's filters, ordering and
pagination, validation errors in the common format, and the audit trail's "api" source."""

import pytest
from django_tenants.utils import schema_context

from care.registers.models import Member
from care.registers.services import extra_fields
from carehub.audit.models import AuditEvent

from .api_data import V1, assert_error, new_member, session_api

MEMBERS = f"{V1}/members/"
VALID = {"name": "王建国", "sex": "m", "birth_date": "1950-03-02", "joined_on": "1975-07-01",
         "phone": "139-1234-5678"}


def create(staff, user=None, **data):
    return session_api(staff, user).post(MEMBERS, {"node": staff.nodes["east1"].pk, **VALID, **data})


class TestCreate:
    def test_creates_through_the_service_and_audits_as_api(self, alpha):
        response = create(alpha, alpha.secretary, extra={})
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["phone"] == "+8613912345678" and body["node"] == {"id": alpha.nodes["east1"].pk,
                                                                       "name": "东一支部"}
        assert [change["to_status"] for change in body["status_changes"]] == ["active"]
        with schema_context("alpha"):
            event = AuditEvent.objects.get(object_type="member", object_id=str(body["id"]))
        assert (event.action, event.source, event.actor_id) == ("registers.member.created", "api", alpha.secretary.pk)

    @pytest.mark.parametrize("data,field", [
        ({"name": " "}, "name"),
        ({"sex": "x"}, "sex"),
        ({"phone": "12345"}, "phone"),
        ({"birth_date": "1950-02-30"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "0001-01-01"}, "birth_date"),  # before 1900: a typing mistake
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"died_on": "2999-01-01"}, "died_on"),
        ({"joined_on": "1960-01-01"}, "joined_on"),  # aged 9
        ({"lunar_birth_month": 13}, "lunar_birth_month"),
        ({"proxy_phone": "abc"}, "proxy_phone"),
        ({"node": 999999}, "node"),
        ({"extra": "rank"}, "extra"),
    ])
    def test_bad_values_name_their_field(self, alpha, data, field):
        error = assert_error(create(alpha, **data), 400, "invalid")
        assert field in error["fields"]
        with schema_context("alpha"):
            assert not Member.objects.exists()

    def test_missing_fields_are_reported_together(self, alpha):
        error = assert_error(session_api(alpha).post(MEMBERS, {}), 400, "invalid")
        assert set(error["fields"]) == {"node", "name", "sex"}
        assert error["fields"]["name"] == ["This field is required."]

    def test_extra_field_errors_are_dotted(self, alpha):
        with schema_context("alpha"):
            extra_fields.save_extra_field(alpha.admin, key="rank", label="职级", kind="choice",
                                          choices=["正科", "副科"])
            extra_fields.save_extra_field(alpha.admin, key="since", label="任职", kind="date")
        error = assert_error(create(alpha, extra={"rank": "处级", "since": "yesterday", "x": 1}), 400)
        assert set(error["fields"]) == {"extra.rank", "extra.since", "extra.x"}

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e999", "1" * 16, True])
    def test_extra_numbers_the_database_cannot_hold_are_refused(self, alpha, value):
        with schema_context("alpha"):
            extra_fields.save_extra_field(alpha.admin, key="dues", label="党费", kind="number")
        error = assert_error(create(alpha, extra={"dues": value}), 400, "invalid")
        assert list(error["fields"]) == ["extra.dues"]
        assert create(alpha, extra={"dues": "-12.5"}).json()["extra"] == {"dues": -12.5}

    def test_messages_follow_the_units_language(self, alpha):
        api = session_api(alpha, language=None)  # no cookie: the unit's language, Simplified Chinese
        error = assert_error(api.post(MEMBERS, {"node": alpha.nodes["east1"].pk, "sex": "m", "phone": "12345"}), 400)
        assert error["message"] == "无效的输入。"
        assert error["fields"]["name"] == ["该字段是必填项。"]


class TestChanges:
    @pytest.fixture
    def member(self, in_alpha):
        return new_member(in_alpha)

    def test_partial_update_records_before_and_after(self, alpha, member):
        response = session_api(alpha, alpha.secretary).patch(f"{MEMBERS}{member.pk}/", {"address": "红旗街道"})
        assert response.status_code == 200 and response.json()["address"] == "红旗街道"
        event = AuditEvent.objects.get(object_id=str(member.pk), action="registers.member.updated")
        assert (event.changes, event.source) == ({"address": ["", "红旗街道"]}, "api")

    def test_update_validates_against_the_stored_values(self, alpha, member):
        error = assert_error(session_api(alpha).patch(f"{MEMBERS}{member.pk}/", {"joined_on": "1955-01-01"}), 400)
        assert list(error["fields"]) == ["joined_on"]  # born 1950: too young then

    def test_node_changes_only_by_transfer(self, alpha, member):
        session_api(alpha).patch(f"{MEMBERS}{member.pk}/", {"node": alpha.nodes["west1"].pk})
        assert Member.objects.get(pk=member.pk).node_id == alpha.nodes["east1"].pk

    def test_status_changes_keep_history(self, alpha, member):
        api = session_api(alpha, alpha.secretary)
        error = assert_error(api.post(f"{MEMBERS}{member.pk}/status/", {"status": "deceased"}), 400)
        assert list(error["fields"]) == ["died_on"]
        assert api.post(f"{MEMBERS}{member.pk}/status/", {"status": "retired", "effective_on": "2020-01-01"}
                        ).status_code == 200
        body = api.post(f"{MEMBERS}{member.pk}/status/", {"status": "deceased", "died_on": "2026-01-05"}).json()
        assert (body["status"], body["died_on"]) == ("deceased", "2026-01-05")
        assert [c["to_status"] for c in body["status_changes"]] == ["deceased", "active", "retired"]  # by date
        assert AuditEvent.objects.filter(object_id=str(member.pk), action="registers.member.status_changed",
                                         source="api").count() == 2

    def test_same_status_twice_is_refused(self, alpha, member):
        error = assert_error(session_api(alpha).post(f"{MEMBERS}{member.pk}/status/", {"status": "active"}), 400)
        assert list(error["fields"]) == ["status"]

    def test_transfer_within_scope_keeps_history(self, alpha, member):
        api = session_api(alpha, alpha.secretary)
        body = api.post(f"{MEMBERS}{member.pk}/transfer/", {"node": alpha.nodes["east2"].pk, "note": "调动"}).json()
        assert body["node"]["name"] == "东二支部"
        assert body["transfers"][0]["from_node"]["name"] == "东一支部" and body["transfers"][0]["note"] == "调动"
        error = assert_error(api.post(f"{MEMBERS}{member.pk}/transfer/", {"node": alpha.nodes["west1"].pk}), 400)
        assert list(error["fields"]) == ["node"]  # out of scope reads as unknown
        error = assert_error(api.post(f"{MEMBERS}{member.pk}/transfer/", {"node": alpha.nodes["east2"].pk}), 400)
        assert error["fields"] == {"node": ["The member already belongs there."]}

    def test_put_and_delete_are_not_offered(self, alpha, member):
        api = session_api(alpha)
        assert_error(api.client.put(f"{MEMBERS}{member.pk}/", {}, content_type="application/json"), 405,
                     "method_not_allowed")
        assert_error(api.delete(f"{MEMBERS}{member.pk}/"), 405, "method_not_allowed")


class TestList:
    @pytest.fixture
    def people(self, in_alpha):
        extra_fields.save_extra_field(in_alpha.admin, key="rank", label="职级", kind="number")
        return {
            "wang": new_member(in_alpha, extra={"rank": 3}),
            "li": new_member(in_alpha, node="east2", name="李秀英", sex="f", birth_date="1980-05-01",
                             joined_on="2005-07-01", phone="13800001111", extra={"rank": 5}),
            "zhao": new_member(in_alpha, node="west1", name="赵六", phone="", uses_smartphone=False,
                               birth_date="1940-01-01"),
        }

    def names(self, api, **params) -> list[str]:
        response = api.get(MEMBERS, params)
        assert response.status_code == 200, response.content
        return [member["name"] for member in response.json()["results"]]

    def found(self, api, **params) -> set[str]:
        return set(self.names(api, **params))

    def test_filters(self, alpha, people):
        api = session_api(alpha)
        assert self.found(api, q="wjg") == {"王建国"}
        assert self.found(api, q="00001111") == {"李秀英"}
        assert self.found(api, q="秀") == {"李秀英"}
        assert self.found(api, node=alpha.nodes["east"].pk) == {"李秀英", "王建国"}
        assert self.found(api, sex="f") == {"李秀英"}
        assert self.found(api, uses_smartphone="false") == {"赵六"}
        assert self.found(api, age_min=60) == {"王建国", "赵六"}
        assert self.found(api, **{"extra.rank__gte": 4}) == {"李秀英"}
        assert self.found(api, status=["active", "retired"]) == {"李秀英", "王建国", "赵六"}

    def test_bad_filter_values_are_400(self, alpha, people):
        error = assert_error(session_api(alpha).get(MEMBERS, {"status": "asleep", "age_min": "old"}), 400)
        assert set(error["fields"]) == {"status", "age_min"}

    def test_ordering(self, alpha, people):
        api = session_api(alpha)
        assert self.names(api, ordering="-birth_date") == ["李秀英", "王建国", "赵六"]
        assert self.names(api, ordering="-id") == ["赵六", "李秀英", "王建国"]

    def test_pagination(self, alpha, people):
        api = session_api(alpha)
        body = api.get(MEMBERS, {"page_size": 2, "ordering": "id"}).json()
        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
        assert [m["name"] for m in api.get(MEMBERS, {"page_size": 2, "page": 2, "ordering": "id"}).json()
                ["results"]] == ["赵六"]
        assert_error(api.get(MEMBERS, {"page": 9}), 404, "not_found")

    def test_page_size_is_capped_at_200(self, in_alpha):
        Member.objects.bulk_create([Member(node=in_alpha.nodes["east1"], name=f"成员{i:03}", sex="m")
                                    for i in range(205)])
        assert len(session_api(in_alpha).get(MEMBERS, {"page_size": 1000}).json()["results"]) == 200
