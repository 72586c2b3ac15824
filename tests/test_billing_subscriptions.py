"""Subscription lifecycle: which status changes are allowed, and a subscription that stops the unit (suspended,
cancelled) suspending it through the unit's lifecycle service, and resuming it when back in good standing."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import Subscription, SubscriptionStatus
from billing.portal.views import PlanForm
from billing.services import subscriptions
from tenants.models import Unit, UnitEvent
from tenants.services.onboarding import change_status

from .billing_data import plan
from .conftest import logged_in
from .platform_data import CONSOLE, console_client, operator

pytestmark = pytest.mark.django_db
S = SubscriptionStatus
A = UnitEvent.Action


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def status_of(unit) -> str:
    return Unit.objects.get(pk=unit.pk).status


def history(unit) -> list[tuple[str, str]]:
    return list(unit.events.order_by("at", "pk").values_list("action", "source"))


@pytest.mark.parametrize(("path", "refused"), [
    ([], S.SUSPENDED),  # a new subscription starts as a trial or active
    ([], S.PAST_DUE),
    ([], S.CANCELLED),
    ([S.ACTIVE], S.TRIAL),  # no going back to a trial
    ([S.ACTIVE, S.CANCELLED], S.PAST_DUE),  # a cancelled one only starts again
    ([S.ACTIVE, S.CANCELLED], S.SUSPENDED),
    ([S.TRIAL], "expired"),
])
def test_refused_transitions(alpha, path, refused):
    basic = plan()
    for status in path:
        subscriptions.subscribe(None, alpha.unit, basic, status=status)
    before = Subscription.objects.filter(unit=alpha.unit).values_list("status", flat=True).first()
    with pytest.raises(ValidationError) as error:
        subscriptions.subscribe(None, alpha.unit, basic, status=refused)
    assert "status" in error.value.message_dict
    assert Subscription.objects.filter(unit=alpha.unit).values_list("status", flat=True).first() == before


def test_allowed_transitions_are_recorded(alpha):
    basic, bigger = plan(), plan("bigger", members=1000)
    walk = [(basic, S.TRIAL), (basic, S.ACTIVE), (basic, S.PAST_DUE), (basic, S.ACTIVE), (bigger, S.ACTIVE),
            (bigger, S.SUSPENDED), (bigger, S.PAST_DUE), (bigger, S.CANCELLED), (basic, S.ACTIVE)]
    for chosen, status in walk:
        subscriptions.subscribe(operator(), alpha.unit, chosen, status=status, note=f"to {status}")
    subscriptions.subscribe(operator(), alpha.unit, basic, status=S.ACTIVE)  # no change: nothing recorded
    subscription = Subscription.objects.get(unit=alpha.unit)
    changes = list(subscription.changes.values_list("plan__code", "status", "actor", "note"))
    assert changes == [(chosen.code, status, operator().pk, f"to {status}") for chosen, status in walk]


def test_suspended_subscription_suspends_the_unit_and_active_resumes_it(alpha):
    client = logged_in(alpha)
    subscriptions.subscribe(operator(), alpha.unit, plan(), status=S.ACTIVE)
    subscriptions.set_status(operator(), alpha.unit, S.PAST_DUE)
    assert status_of(alpha.unit) == "active" and b'id="past-due-banner"' in client.get("/").content
    subscriptions.set_status(operator(), alpha.unit, S.SUSPENDED, note="unpaid since March")
    assert status_of(alpha.unit) == "suspended"
    assert client.get("/").status_code == 200  # read-only: reading works, writing does not
    assert client.post("/members/new/", {"name": "新成员"}).status_code == 403
    subscriptions.set_status(operator(), alpha.unit, S.ACTIVE)
    assert status_of(alpha.unit) == "active"
    assert history(alpha.unit)[-2:] == [(A.SUSPENDED, "billing"), (A.RESUMED, "billing")]
    suspended = alpha.unit.events.get(action=A.SUSPENDED)
    assert suspended.actor == operator() and suspended.note == "subscription suspended"


def test_cancelled_leaves_the_unit_read_only_and_unbilled_until_it_starts_again(alpha):
    from billing.services.invoices import draft_invoices

    subscriptions.subscribe(None, alpha.unit, plan(), status=S.ACTIVE)
    subscriptions.set_status(None, alpha.unit, S.CANCELLED)
    assert status_of(alpha.unit) == "suspended" and draft_invoices(alpha.unit.created_at.date()) == []
    subscriptions.set_status(None, alpha.unit, S.ACTIVE)
    assert status_of(alpha.unit) == "active"


def test_a_suspension_made_by_hand_stays_when_the_subscription_is_good_again(alpha):
    subscriptions.subscribe(None, alpha.unit, plan(), status=S.ACTIVE)
    change_status(operator(), alpha.unit, A.SUSPENDED, note="abuse report", source="console")
    subscriptions.set_status(None, alpha.unit, S.SUSPENDED)  # already suspended: no second event
    subscriptions.set_status(None, alpha.unit, S.ACTIVE)
    assert status_of(alpha.unit) == "suspended"
    assert history(alpha.unit)[-1] == (A.SUSPENDED, "console")


def test_an_archived_unit_is_left_alone(alpha):
    subscriptions.subscribe(None, alpha.unit, plan(), status=S.ACTIVE)
    change_status(None, alpha.unit, A.ARCHIVED)
    subscriptions.set_status(None, alpha.unit, S.SUSPENDED)
    subscriptions.set_status(None, alpha.unit, S.ACTIVE)
    assert status_of(alpha.unit) == "archived"


def test_console_form_moves_the_subscription_and_the_unit(alpha, beta):
    basic = plan()
    client = console_client()
    client.post(f"/billing/units/{alpha.unit.slug}/subscription/", {"plan": basic.pk, "status": "active"})
    client.post(f"/billing/units/{alpha.unit.slug}/subscription/", {"plan": basic.pk, "status": "suspended"})
    assert status_of(alpha.unit) == "suspended" and status_of(beta.unit) == "active"
    response = client.post(f"/billing/units/{alpha.unit.slug}/subscription/", {"plan": basic.pk, "status": "trial"},
                           follow=True)
    assert b"cannot go from Suspended to Trial" in response.content
    assert Subscription.objects.get(unit=alpha.unit).status == "suspended"
    page = client.get(f"/units/{alpha.unit.slug}/").content.decode()
    assert "subscription suspended" in page  # the unit's history tells why it is suspended
    history = page.split('id="subscription-history"')[1].split("</ul>")[0]
    assert history.index("Suspended") < history.index("Active")  # newest first


def test_unit_staff_cannot_change_subscriptions(alpha):
    basic = plan()
    unit_admin = logged_in(alpha)
    url = f"/billing/units/{alpha.unit.slug}/subscription/"
    assert unit_admin.post(url, {"plan": basic.pk, "status": "active"}).status_code == 404  # not at a unit's host
    unit_admin.defaults["HTTP_HOST"] = CONSOLE
    assert unit_admin.post(url, {"plan": basic.pk, "status": "active"}).status_code == 302  # to the login
    assert not Subscription.objects.filter(unit=alpha.unit).exists()


@pytest.mark.parametrize("price", ["1e3", "NaN", "Infinity", "12.345", "-5"])
def test_the_plan_form_takes_prices_as_plain_digits_only(price):
    form = PlanForm({"code": "small", "name": "Small", "monthly_price": price, "included_members": 10,
                     "included_sms_segments": 100, "overage_price_per_segment": "0.0450"})
    assert not form.is_valid() and "monthly_price" in form.errors
    assert PlanForm({**form.data, "monthly_price": "2980.00"}).is_valid()
