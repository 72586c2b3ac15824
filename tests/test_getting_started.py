"""A new unit's first hour: the getting-started checklist on the dashboard ticks itself off from the unit's data,
step by step, and the empty pages say what to do next with a link."""

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from care.fund.services.funds import create_fund
from care.programme.actions import RULES_REVIEWED
from care.programme.models import Rule
from care.programme.services import rules
from care.registers import checklist
from care.registers.models import NodeKind, StaffScope
from care.registers.services import members, nodes, staff
from carehub.accounts.models import Role, User
from carehub.audit.models import AuditEvent
from notifications.actions import SETTINGS_CONFIRMED
from notifications.services.settings import update_settings
from tenants.services.onboarding import onboard_unit

from .conftest import PASSWORD

STEPS = ["tree", "members", "rules", "sms", "fund", "staff"]


@dataclass
class NewUnit:
    schema: str
    admin: User
    client: Client

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, path
        return response.content.decode()

    def steps(self) -> dict[str, bool]:
        """The checklist as the dashboard shows it: step key -> done; {} when it is not shown."""
        body = self.page("/")
        return {key: state == "done" for key, state in re.findall(r'id="step-(\w+)" class="(done|todo)"', body)}

    def run(self, function):
        with schema_context(self.schema):
            result = function()
        connection.set_schema_to_public()
        return result


@pytest.fixture
def new_unit(db) -> NewUnit:
    """A district just onboarded, as its first admin finds it after accepting the invitation: nothing but the
    preset rules."""
    result = onboard_unit(None, slug="firsthour", name="新区党委", kind="district", admin_email="first@firsthour.test")
    with schema_context("firsthour"):
        admin = User.objects.get()
        admin.set_password(PASSWORD)
        admin.is_active = True
        admin.full_name = "第一位管理员"
        admin.save()
    connection.set_schema_to_public()
    client = Client(HTTP_HOST=f"firsthour.{settings.CAREHUB_BASE_DOMAIN}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with schema_context("firsthour"):
        assert client.login(email=admin.email, password=PASSWORD)
    connection.set_schema_to_public()
    assert result.unit.schema_name == "firsthour"
    return NewUnit("firsthour", admin, client)


def test_every_app_contributes_its_steps_in_order():
    assert [step.key for step in checklist.steps()] == STEPS


def test_a_new_unit_sees_every_step_to_do_each_with_its_link(new_unit):
    body = new_unit.page("/")
    assert 'id="getting-started"' in body
    assert new_unit.steps() == dict.fromkeys(STEPS, False)
    links = {"tree": reverse("portal:tree"), "members": reverse("imports:wizard"),
             "rules": reverse("programme:rules"), "sms": reverse("sms:settings"), "fund": reverse("fund:fund_new"),
             "staff": reverse("portal:settings_invite")}
    for key, url in links.items():
        step = body.split(f'id="step-{key}"', 1)[1].split("</li>", 1)[0]
        assert f'href="{url}"' in step
        assert new_unit.client.get(url).status_code == 200  # each link leads to a page the admin can use


def test_the_checklist_ticks_itself_off_step_by_step(new_unit):
    admin = new_unit.admin
    done = set()

    def expect(*keys):
        done.update(keys)
        steps = new_unit.steps()
        assert {key for key, is_done in steps.items() if is_done} == done

    root = new_unit.run(lambda: nodes.create_node(admin, parent=None, name="新区党委", kind=NodeKind.COMMITTEE))
    expect()  # the top organisation alone is not a tree yet
    branch = new_unit.run(lambda: nodes.create_node(admin, parent=root, name="第一支部"))
    expect("tree")
    new_unit.run(lambda: members.create_member(admin, node=branch, name="张三", sex="m"))
    expect("members")
    response = new_unit.client.post(reverse("programme:rules_reviewed"))
    assert response.status_code == 302
    expect("rules")
    new_unit.run(lambda: update_settings(admin))  # saved as they were: the defaults suit the unit
    assert new_unit.run(lambda: AuditEvent.objects.filter(action=SETTINGS_CONFIRMED).count()) == 1
    expect("sms")
    new_unit.run(lambda: create_fund(admin, root, name="新区关爱基金"))
    expect("fund")
    new_unit.run(lambda: staff.invite_staff(admin, email="helper@firsthour.test", role=Role.SECRETARY, node=branch,
                                            full_name="李四"))
    assert new_unit.steps() == {}  # all done: the dashboard is the dashboard again
    assert 'id="tile-members"' in new_unit.page("/")


def test_changing_a_rule_counts_as_looking_through_them(new_unit):
    rule = new_unit.run(lambda: Rule.objects.order_by("pk").first())
    new_unit.run(lambda: rules.set_active(new_unit.admin, rule, False))
    assert new_unit.steps()["rules"] is True


def test_the_rules_page_offers_the_review_until_it_is_done_and_audits_it(new_unit):
    assert 'id="rules-reviewed"' in new_unit.page(reverse("programme:rules"))
    new_unit.client.post(reverse("programme:rules_reviewed"))
    assert 'id="rules-reviewed"' not in new_unit.page(reverse("programme:rules"))
    event = new_unit.run(lambda: AuditEvent.objects.get(action=RULES_REVIEWED))
    assert event.actor_id == new_unit.admin.pk and event.object_type == "rule"


def test_only_admins_see_the_checklist_and_review_the_rules(new_unit):
    def secretary():
        branch = nodes.create_node(new_unit.admin, parent=None, name="第二党委")
        user = User.objects.create_user("sec@firsthour.test", PASSWORD, role=Role.SECRETARY, full_name="王五")
        StaffScope.objects.create(user=user, node=branch)
        return user

    user = new_unit.run(secretary)
    client = Client(HTTP_HOST=f"firsthour.{settings.CAREHUB_BASE_DOMAIN}")
    with schema_context("firsthour"):
        assert client.login(email=user.email, password=PASSWORD)
    connection.set_schema_to_public()
    assert 'id="getting-started"' not in client.get("/").content.decode()
    assert client.post(reverse("programme:rules_reviewed")).status_code == 403
    assert not new_unit.run(lambda: AuditEvent.objects.filter(action=RULES_REVIEWED).exists())


def test_a_units_support_account_is_not_a_colleague(new_unit):
    new_unit.run(lambda: User.objects.create_user("support@carehub.platform", role=Role.VIEWER))
    assert new_unit.steps()["staff"] is False


# Empty pages ----------------------------------------------------------------------------------------------------

EMPTY_PAGES = {
    # page: (id of the empty state, the links it offers)
    "portal:member_list": ("members-empty", ["imports:wizard", "portal:member_new"]),
    "portal:tree": ("tree-empty", ["portal:tree_add", "imports:tree"]),
    "portal:hardship_list": ("ledger-empty", ["portal:member_list", "imports:wizard"]),
    "fund:funds": ("funds-empty", ["fund:fund_new"]),
    "sms:outbox": ("outbox-empty", ["sms:compose"]),
    "programme:commendations": ("commendations-empty", ["portal:member_list"]),
    "programme:coverage": ("coverage-empty", ["portal:hardship_list"]),
    "reports:page": ("reports-empty", []),
}


@pytest.mark.parametrize("url_name", EMPTY_PAGES)
def test_empty_pages_say_what_to_do_next(new_unit, url_name):
    element, links = EMPTY_PAGES[url_name]
    body = new_unit.page(reverse(url_name))
    assert f'id="{element}"' in body
    block = body.split(f'id="{element}"', 1)[1].split("</div>", 1)[0].split("</td>", 1)[0]
    for link in links:
        assert f'href="{reverse(link)}"' in block, link


def test_a_tree_of_only_the_top_offers_to_add_below_it(new_unit):
    root = new_unit.run(lambda: nodes.create_node(new_unit.admin, parent=None, name="新区党委"))
    body = new_unit.page(reverse("portal:tree"))
    assert 'id="tree-empty"' not in body and 'id="tree-only-root"' in body
    assert f'href="{reverse("portal:tree_add_below", args=[root.pk])}"' in body
    assert f'href="{reverse("imports:tree")}"' in body.split('id="tree-only-root"', 1)[1]
    new_unit.run(lambda: nodes.create_node(new_unit.admin, parent=root, name="第一支部"))
    assert 'id="tree-only-root"' not in new_unit.page(reverse("portal:tree"))


def test_a_filter_that_matches_nobody_is_not_an_empty_register(new_unit):
    def register():
        root = nodes.create_node(new_unit.admin, parent=None, name="新区党委")
        members.create_member(new_unit.admin, node=root, name="张三", sex="m")

    new_unit.run(register)
    body = new_unit.page(reverse("portal:member_list") + "?q=nobody")
    assert 'id="members-empty"' not in body and "No members match." in body
