"""A member's own sending window (API and portal) and the SMS panel of the member's page: opt-out in force,
window, and the links to record an opt-out or change the window; who may see and change which (roles,
subtrees, another unit, anonymous)."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from carehub.audit.models import AuditEvent
from notifications.models import Category, Message, SendWindow, Status
from notifications.services import hours, optouts, windows
from notifications.services import settings as sms_settings
from notifications.services.outbox import Row, queue_many

from .api_data import anonymous_api, assert_error, session_api
from .conftest import client_for, logged_in
from .sms_core_data import SHANGHAI
from .test_sms_api import P1, P2, P4, people_fixture  # noqa: F401 (fixture)

W = "/api/v1/sms/windows/"
NIGHT = {"send_from": "21:00", "send_until": "07:00"}


def own_window(people, member="one", start=21, end=7) -> SendWindow:
    with schema_context("alpha"):
        return windows.set_window(people.staff.admin, getattr(people, member), send_from=datetime.time(start),
                                  send_until=datetime.time(end))


def stored(member) -> tuple | None:
    with schema_context("alpha"):
        return SendWindow.objects.filter(member=member).values_list("send_from", "send_until").first()


class TestApi:
    def test_set_change_list_and_remove(self, people):
        api = session_api(people.staff, people.staff.secretary)
        response = api.post(W, {"member": people.one.pk, **NIGHT})
        assert response.status_code == 201, response.content
        window = response.json()
        assert (window["member"]["id"], window["send_from"], window["send_until"]) == (people.one.pk, "21:00:00",
                                                                                       "07:00:00")
        again = api.post(W, {"member": people.one.pk, "send_from": "13:00", "send_until": "17:00"}).json()
        assert again["id"] == window["id"]  # one window per member: replaced
        assert api.patch(f"{W}{window['id']}/", {"send_until": "18:30"}).json()["send_until"] == "18:30:00"
        assert [row["id"] for row in api.get(W, {"member": people.one.pk}).json()["results"]] == [window["id"]]
        assert api.get(W, {"member": people.two.pk}).json()["count"] == 0
        assert api.delete(f"{W}{window['id']}/").status_code == 204
        assert stored(people.one) is None
        with schema_context("alpha"):
            actions = list(AuditEvent.objects.filter(object_type="sendwindow").order_by("pk")
                           .values_list("action", flat=True))
        assert actions == ["sms.window.set", "sms.window.set", "sms.window.set", "sms.window.cleared"]

    def test_an_empty_or_malformed_window_is_refused(self, people):
        api = session_api(people.staff)
        error = assert_error(api.post(W, {"member": people.one.pk, "send_from": "09:00", "send_until": "09:00"}),
                             400)
        assert "send_until" in error["fields"]
        error = assert_error(api.post(W, {"member": people.one.pk, "send_from": "9 pm", "send_until": "07:00"}),
                             400, "invalid")
        assert "send_from" in error["fields"]
        assert stored(people.one) is None

    def test_roles_and_subtrees(self, people):
        window = own_window(people)
        west = own_window(people, "west", 14, 18)
        viewer = session_api(people.staff, people.staff.viewer)
        assert viewer.get(f"{W}{window.pk}/").status_code == 200
        assert_error(viewer.post(W, {"member": people.one.pk, **NIGHT}), 403)
        assert_error(viewer.delete(f"{W}{window.pk}/"), 403)
        sibling = session_api(people.staff, people.staff.sibling)
        assert [row["id"] for row in sibling.get(W).json()["results"]] == [west.pk]
        assert_error(sibling.get(f"{W}{window.pk}/"), 404, "not_found")
        assert_error(sibling.delete(f"{W}{window.pk}/"), 404, "not_found")
        error = assert_error(sibling.post(W, {"member": people.one.pk, **NIGHT}), 400)
        assert "member" in error["fields"]  # out of scope: does not exist
        assert stored(people.one) == (datetime.time(21), datetime.time(7))

    def test_another_unit_and_anonymous_reach_nothing(self, people, beta):
        window = own_window(people)
        other = session_api(beta)
        assert other.get(W).json()["count"] == 0
        assert_error(other.get(f"{W}{window.pk}/"), 404, "not_found")
        assert_error(other.delete(f"{W}{window.pk}/"), 404, "not_found")
        assert_error(other.patch(f"{W}{window.pk}/", {"send_until": "08:00"}), 404, "not_found")
        assert_error(other.post(W, {"member": people.one.pk, **NIGHT}), 400)  # no such member there
        assert_error(anonymous_api(people.staff).get(W), 401, "not_authenticated")
        assert_error(anonymous_api(people.staff).post(W, {"member": people.one.pk, **NIGHT}), 401)
        assert stored(people.one) == (datetime.time(21), datetime.time(7))

    def test_documented_in_the_schema(self, alpha):
        schema = anonymous_api(alpha).get("/api/schema/", {"format": "json"}).json()
        assert {"get", "post"} <= set(schema["paths"]["/api/v1/sms/windows/"])
        assert {"get", "patch", "delete"} <= set(schema["paths"]["/api/v1/sms/windows/{id}/"])


class TestPortal:
    def test_set_and_go_back_to_the_units_window(self, people):
        client = logged_in(people.staff, people.staff.secretary)
        page = client.get("/sms/windows/", {"member": people.one.pk}).content.decode()
        assert "09:00–20:00" in page and 'id="save-window"' in page and 'id="clear-window"' not in page
        response = client.post("/sms/windows/", {"member": people.one.pk, **NIGHT})
        assert response.status_code == 302 and response["Location"] == f"/sms/windows/?member={people.one.pk}"
        assert stored(people.one) == (datetime.time(21), datetime.time(7))
        page = client.get(response["Location"]).content.decode()
        assert "21:00–07:00" in page and 'id="clear-window"' in page
        assert "张一" in client.get("/sms/windows/").content.decode()  # listed among members with their own
        client.post("/sms/windows/", {"member": people.one.pk, "clear": "1"})
        assert stored(people.one) is None

    def test_errors_are_shown_next_to_the_fields(self, people):
        response = logged_in(people.staff).post("/sms/windows/", {"member": people.one.pk, "send_from": "10:00",
                                                                  "send_until": "10:00"})
        assert response.status_code == 200 and response.context["form"].errors["send_until"]
        assert stored(people.one) is None

    def test_who_reaches_what(self, people, beta):
        own_window(people)
        viewer = logged_in(people.staff, people.staff.viewer)
        page = viewer.get("/sms/windows/", {"member": people.one.pk}).content.decode()
        assert "21:00–07:00" in page and 'id="save-window"' not in page
        assert viewer.post("/sms/windows/", {"member": people.one.pk, "clear": "1"}).status_code == 403
        sibling = logged_in(people.staff, people.staff.sibling)
        assert sibling.get("/sms/windows/", {"member": people.one.pk}).status_code == 404
        assert "张一" not in sibling.get("/sms/windows/").content.decode()
        other = logged_in(beta)
        assert other.get("/sms/windows/", {"member": people.one.pk}).status_code == 404
        assert other.post("/sms/windows/", {"member": people.one.pk, "clear": "1"}).status_code == 404
        assert "张一" not in other.get("/sms/windows/").content.decode()
        anonymous = client_for(people.staff.host).get("/sms/windows/")
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
        assert stored(people.one) == (datetime.time(21), datetime.time(7))

    def test_reachable_from_the_sms_pages(self, people):
        page = logged_in(people.staff, people.staff.viewer).get("/sms/").content.decode()
        assert 'href="/sms/windows/"' in page


def member_page(client, member) -> str:
    client.cookies["django_language"] = "en"  # the unit's language is Chinese
    return client.get(f"/registers/members/{member.pk}/").content.decode()


class TestMemberPage:
    def test_the_sms_panel_links_to_a_prefilled_opt_out_and_the_window(self, people):
        client = logged_in(people.staff, people.staff.secretary)
        page = member_page(client, people.one)
        assert f'href="/sms/opt-outs/?member={people.one.pk}#record-opt-out"' in page
        assert f'href="/sms/windows/?member={people.one.pk}"' in page
        assert "No opt-out." in page and "The unit's window: 09:00–20:00." in page
        form = client.get("/sms/opt-outs/", {"member": people.one.pk}).context["form"]
        assert (form.initial["member"], form.initial["phone"]) == (people.one.pk, P1)

    def test_shows_the_opt_out_in_force_and_the_own_window(self, people):
        own_window(people, "proxied", 13, 17)
        with schema_context("alpha"):
            optouts.record_opt_out(people.staff.admin, phone=P4, scope="greetings", source="staff")
        page = member_page(logged_in(people.staff), people.proxied)
        # On the proxy's phone, where the member's messages go.
        assert "Greetings only · SMS and calls (138 0000 0004" in page
        assert "Own window: 13:00–17:00." in page
        declined = member_page(logged_in(people.staff), people.opted_out)
        assert "All messages · SMS and calls (138 0000 0007" in declined

    def test_readers_see_the_state_but_no_opt_out_button(self, people):
        page = member_page(logged_in(people.staff, people.staff.viewer), people.one)
        assert 'id="member-sms"' in page and 'id="record-sms-opt-out"' not in page


@pytest.mark.parametrize("start, end, inside, outside", [(21, 7, "23:30", "12:00"), (13, 17, "16:59", "17:00")])
def test_the_window_decides_when_messages_go(people, start, end, inside, outside):
    window = own_window(people, start=start, end=end)
    with schema_context("alpha"):
        current, own = hours.window_of(people.one)
    assert own == window and hours.contains(current, datetime.time.fromisoformat(inside))
    assert not hours.contains(current, datetime.time.fromisoformat(outside))


class TestReplanning:
    """Messages already queued follow a changed window: they were planned with the old one. Windows are set
    around the real time, since the services plan from it."""

    @pytest.fixture
    def base(self) -> datetime.datetime:
        return timezone.now()

    @staticmethod
    def hours(base, offset: float) -> datetime.time:
        """The unit-local time of day `offset` hours from `base`, to the minute."""
        moment = base.astimezone(SHANGHAI) + datetime.timedelta(hours=offset)
        return moment.time().replace(second=0, microsecond=0)

    @staticmethod
    def due(pk: int) -> datetime.datetime:
        return Message.objects.get(pk=pk).not_before

    @staticmethod
    def queue(*recipients) -> list[int]:
        rows = [Row(key=f"replan:{index}", category=Category.NOTICE, to=phone, body="通知", member_id=member_id)
                for index, (phone, member_id) in enumerate(recipients)]
        return queue_many(None, rows).created

    @staticmethod
    def last_change(object_type: str) -> dict:
        return AuditEvent.objects.filter(object_type=object_type).latest("pk").changes

    def test_a_changed_unit_window_moves_the_queued_messages(self, people, base):
        admin, hours = people.staff.admin, self.hours
        with schema_context("alpha"):
            sms_settings.update_settings(admin, send_from=hours(base, 2), send_until=hours(base, 4))  # quiet now
            waiting, sending, sent = self.queue((P1, None), (P2, None), (P4, None))
            start = self.due(waiting)
            assert start > timezone.now() and start.astimezone(SHANGHAI).time() == hours(base, 2)
            Message.objects.filter(pk=sending).update(status=Status.SENDING)
            Message.objects.filter(pk=sent).update(status=Status.SENT)

            before = timezone.now()
            sms_settings.update_settings(admin, send_from=hours(base, -1))  # widened: open now
            assert before <= self.due(waiting) <= timezone.now()
            assert self.last_change("smssettings")["replanned"] == [None, 1]

            sms_settings.update_settings(admin, send_from=hours(base, 3))  # narrowed: closed until then
            assert self.due(waiting) == start + datetime.timedelta(hours=1)
            assert self.due(sending) == self.due(sent) == start  # already handed to the sender: untouched

            sms_settings.update_settings(admin, max_segments=5)  # nothing the plan depends on
            assert "replanned" not in self.last_change("smssettings")

    def test_a_members_own_window_moves_only_their_messages(self, people, base):
        admin, hours = people.staff.admin, self.hours
        with schema_context("alpha"):
            sms_settings.update_settings(admin, send_from=hours(base, 2), send_until=hours(base, 4))  # quiet now
            own, other = self.queue((P1, people.one.pk), (P2, people.two.pk))
            start = self.due(own)

            windows.set_window(admin, people.one, send_from=hours(base, -1), send_until=hours(base, 1))  # open now
            assert self.due(own) <= timezone.now() and self.due(other) == start
            assert self.last_change("sendwindow")["replanned"] == [None, 1]

            windows.clear_window(admin, people.one)  # back to the unit's window, closed now
            assert self.due(own) == start
            assert self.last_change("sendwindow")["replanned"] == [None, 1]
