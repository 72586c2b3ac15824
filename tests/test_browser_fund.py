"""The assistance workflow in a real browser against a real server process: a secretary applies for a member and
verifies the facts, the unit admin approves an amount, the treasurer pays it; the fund's balance and the public
disclosure (opened without any login) change accordingly, and the disclosure names nobody.

The server sees only committed rows, so the fixture commits a fund, a member, two staff accounts (their
passwords hashed with PBKDF2, which the server process knows) and a public link, and removes all of it after,
audit rows included (by plain SQL: the ledger and the audit trail refuse deletes through the ORM).
"""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from care.fund.services import disclosure, funds, ledger
from care.registers.models import Member, StaffScope
from care.registers.services import members
from carehub.accounts.models import Role, User

from .conftest import PASSWORD
from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_registers import committed

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
MEMBER, PHONE = "浏览器帮扶对象", "+8613612345678"
SECRETARY, TREASURER = "fund-secretary@alpha.test", "fund-treasurer@alpha.test"


def purge(node_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM fund_fund WHERE node_id = %s", [node_id])
        fund_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM fund_assistanceapplication WHERE fund_id = ANY(%s)", [fund_ids])
        application_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM fund_ledgerentry WHERE fund_id = ANY(%s)", [fund_ids])
        entry_ids = [row[0] for row in cursor.fetchall()]
        for statement, ids in [
            ("DELETE FROM fund_attachment WHERE application_id = ANY(%s)", application_ids),
            ("DELETE FROM fund_attachment WHERE entry_id = ANY(%s)", entry_ids),
            ("DELETE FROM fund_ledgerentry WHERE id = ANY(%s)", entry_ids),
            ("DELETE FROM fund_step WHERE application_id = ANY(%s)", application_ids),
            ("DELETE FROM fund_assistanceapplication WHERE id = ANY(%s)", application_ids),
            ("DELETE FROM fund_disclosurelink WHERE fund_id = ANY(%s)", fund_ids),
            ("DELETE FROM fund_closedperiod WHERE fund_id = ANY(%s)", fund_ids),
            ("DELETE FROM fund_fund WHERE id = ANY(%s)", fund_ids),
        ]:
            cursor.execute(statement, [ids])
        member_ids = [str(pk) for pk in Member.objects.filter(name=MEMBER).values_list("pk", flat=True)]
        cursor.execute(
            "DELETE FROM audit_auditevent WHERE (object_type = 'ledgerentry' AND object_id = ANY(%s)) "
            "OR (object_type = 'application' AND object_id = ANY(%s)) OR (object_type = 'fund' AND object_id = ANY(%s))"
            " OR (object_type = 'member' AND object_id = ANY(%s))",
            [[str(pk) for pk in entry_ids], [str(pk) for pk in application_ids], [str(pk) for pk in fund_ids],
             member_ids])
    Member.objects.filter(name=MEMBER).delete()
    User.objects.filter(email__in=[SECRETARY, TREASURER]).delete()


@pytest.fixture
def books(django_db_setup):
    """The east general branch's fund with 1,000.00, a member in east1, a secretary of east, a treasurer of the
    whole unit, and a public link to this year's disclosure."""
    alpha = django_db_setup["alpha"]

    def create():
        for email, role, node in ((SECRETARY, Role.SECRETARY, alpha.nodes["east"]), (TREASURER, Role.TREASURER, None)):
            user = User.objects.create(email=email, role=role, full_name=email.split("@")[0],
                                       password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
            StaffScope.objects.create(user=user, node=node, can_view_sensitive=role == Role.SECRETARY)
        fund = funds.create_fund(alpha.admin, alpha.nodes["east"], name="东区总支帮扶基金")
        ledger.post_entry(alpha.admin, fund, kind="dues", amount="1000.00", purpose="党费划拨")
        member = members.create_member(alpha.admin, node=alpha.nodes["east1"], name=MEMBER, sex="f", phone=PHONE,
                                       address="红旗西路100号")
        link = disclosure.create_link(alpha.admin, fund, year=timezone.localdate().year)
        return fund, member, link

    yield committed(create)
    committed(lambda: purge(alpha.nodes["east"].pk))


def sign_in(browser, port, email):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": "django_language", "value": "en", "domain": "alpha.localhost", "path": "/"}])
    page = context.new_page()
    page.goto(f"http://alpha.localhost:{port}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # the start page is the user's own work
    return page


def public_page(browser, port, link):  # noqa: F811
    """The disclosure as a member sees it: a fresh browser context, no login."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": "django_language", "value": "en", "domain": "alpha.localhost", "path": "/"}])
    page = context.new_page()
    page.goto(f"http://alpha.localhost:{port}/fund/public/{link.token}/")
    return page


def test_apply_verify_approve_pay_and_see_it_disclosed(books, server, browser):  # noqa: F811
    fund, member, link = books
    before = public_page(browser, server, link)
    assert before.inner_text("#closing-balance") == "¥1,000.00"
    assert "No payments to members" in before.inner_text("#payment-table")
    before.context.close()

    # The east secretary applies from the member's page and, as the member's branch, verifies the facts.
    page = sign_in(browser, server, SECRETARY)
    page.goto(f"http://alpha.localhost:{server}/registers/members/{member.pk}/")
    page.click("#apply-assistance")
    page.select_option("#id_category", "illness")
    page.fill("#id_amount_requested", "600")
    page.fill("#id_reason", "住院治疗，自付费用高")
    page.click("#submit-application")
    page.wait_for_url("**/fund/applications/*/")
    assert page.inner_text("#application-status") == "Submitted"
    page.fill("#id_verify-note", "已到医院核实")
    page.click("#do-verify")
    page.locator("#application-status", has_text="Verified by the branch").wait_for()
    assert page.locator("#do-approve").count() == 0  # they submitted it: not theirs to approve
    application_url = page.url
    page.context.close()

    # The unit admin finds it waiting in the inbox and approves 500.00.
    page = sign_in(browser, server, "browser@alpha.test")
    page.click("#sections >> text=Assistance")
    page.locator("#application-table tr", has_text=MEMBER).get_by_role("link", name=MEMBER).click()
    page.fill("#id_approve-amount", "500.00")
    page.fill("#id_approve-note", "同意资助")
    page.click("#do-approve")
    page.locator("#application-status", has_text="Approved").wait_for()
    page.context.close()

    # The treasurer sees the balance, pays, and the ledger and balance follow.
    page = sign_in(browser, server, TREASURER)
    page.goto(f"http://alpha.localhost:{server}/")
    assert "¥1,000.00" in page.inner_text("#tile-fund-balances")
    page.goto(application_url)
    assert "东区总支帮扶基金 · 100% · ¥500.00" in page.inner_text("#payment-plan")
    page.fill("#id_pay-reference", "凭证2026-001")
    page.click("#do-pay")
    page.locator("#application-status", has_text="Paid").wait_for()
    assert "¥500.00" in page.inner_text("#amount-paid")
    page.goto(f"http://alpha.localhost:{server}/")
    assert "¥500.00" in page.inner_text("#tile-fund-balances")
    assert "¥500.00" in page.inner_text("#tile-spent-this-year")
    page.goto(f"http://alpha.localhost:{server}/fund/{fund.pk}/")
    assert page.inner_text("#fund-balance") == "¥500.00"
    first_row = page.locator("#entry-table tbody tr").first.inner_text()
    assert "Assistance payment" in first_row and "¥500.00" in first_row
    page.context.close()

    # The public disclosure changed, and still names nobody.
    after = public_page(browser, server, link)
    assert after.inner_text("#closing-balance") == "¥500.00"
    payments = after.inner_text("#payment-table")
    assert "浏*****象" in payments and "Hardship assistance" in payments and "¥500.00" in payments
    content = after.content()
    for secret in (MEMBER, PHONE, "13612345678", "红旗西路", "住院", "医院"):
        assert secret not in content, secret
    after.context.close()
