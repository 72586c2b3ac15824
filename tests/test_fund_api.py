"""The fund API: funds with balances, postings, the ledger with filters and running balance, reversals,
transfers, periods, the application workflow, settings, disclosure links, the error format, and who gets
401/403/404 for what."""

import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from care.fund.models import AssistanceApplication, LedgerEntry
from care.fund.services import ledger
from carehub.accounts.models import Role

from .api_data import V1, anonymous_api, assert_error, session_api
from .fund_data import advance, make_books_for_requests, staff_account

F = f"{V1}/fund"


@pytest.fixture
def books(alpha):
    return make_books_for_requests(alpha)


def api(books, user=None):
    return session_api(books.staff, user)


def test_funds_list_their_balances_as_exact_strings(books):
    body = api(books).get(f"{F}/funds/").json()
    assert [(fund["name"], fund["balance"]) for fund in body["results"]] == [
        ("党委关爱基金", "1000.00"), ("东区总支帮扶基金", "1000.00"), ("西区总支帮扶基金", "1000.00")]
    east = api(books, books.staff.secretary).get(f"{F}/funds/").json()["results"]
    assert [fund["name"] for fund in east] == ["东区总支帮扶基金"]  # only their subtree
    assert api(books, books.staff.sibling).get(f"{F}/funds/{books.east.pk}/").status_code == 404


def test_admins_set_up_funds(books):
    response = api(books).post(f"{F}/funds/", {"node": books.staff.nodes["east1"].pk, "name": "东一支部基金"})
    assert response.status_code == 201 and response.json()["balance"] == "0.00"
    assert_error(api(books).post(f"{F}/funds/", {"node": books.staff.nodes["east1"].pk, "name": "x"}), 400)
    assert_error(api(books, books.treasurer).post(f"{F}/funds/", {"node": books.staff.nodes["west1"].pk,
                                                                    "name": "x"}), 403)
    response = api(books).patch(f"{F}/funds/{books.east.pk}/", {"second_approval_above": "2000.00",
                                                                 "allows_overdraft": True})
    assert response.json()["second_approval_above"] == "2000.00" and response.json()["allows_overdraft"]


def test_posting_income_and_spending(books):
    treasurer = api(books, books.east_treasurer)
    response = treasurer.post(f"{F}/funds/{books.east.pk}/postings/", {
        "kind": "member_donation", "amount": "88.88", "counterparty": "王建国", "reference": "收据001"})
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["amount"], entry["balance_after"], entry["created_by"]) == ("88.88", "1088.88", "east-treasurer")
    response = treasurer.post(f"{F}/funds/{books.east.pk}/postings/", {
        "kind": "visit_gift", "amount": "100", "member": books.member.pk, "purpose": "春节慰问"})
    assert response.json()["amount"] == "-100.00" and response.json()["member"]["name"] == "张三明"
    error = assert_error(treasurer.post(f"{F}/funds/{books.east.pk}/postings/", {"kind": "visit_gift",
                                                                                 "amount": "5000"}), 400)
    assert "below zero" in error["fields"]["amount"][0]
    error = assert_error(treasurer.post(f"{F}/funds/{books.east.pk}/postings/", {"kind": "dues",
                                                                                 "amount": "1.001"}), 400)
    assert "amount" in error["fields"]
    error = assert_error(treasurer.post(f"{F}/funds/{books.east.pk}/postings/", {"kind": "assistance",
                                                                                 "amount": "1"}), 400)
    assert "approved application" in error["fields"]["kind"][0]


def test_who_may_post_where(books):
    body = {"kind": "dues", "amount": "1"}
    path = f"{F}/funds/{{}}/postings/"
    assert_error(api(books, books.east_treasurer).post(path.format(books.committee.pk), body), 404)  # not theirs
    assert_error(api(books, books.staff.secretary).post(path.format(books.east.pk), body), 403)
    assert_error(api(books, books.staff.viewer).post(path.format(books.east.pk), body), 403)
    assert_error(api(books, books.staff.sibling).post(path.format(books.east.pk), body), 404)
    assert_error(anonymous_api(books.staff).post(path.format(books.east.pk), body), 401)
    # A treasurer of the whole unit posts to the committee fund; one scoped to west does not even see it.
    with schema_context("alpha"):
        west_keeper = staff_account(books.staff, "keeper", Role.TREASURER, books.staff.nodes["west"])
    assert api(books, west_keeper).get(f"{F}/funds/{books.committee.pk}/").status_code == 404
    assert api(books, west_keeper).post(path.format(books.west.pk), body).status_code == 201
    assert api(books, books.treasurer).post(path.format(books.committee.pk), body).status_code == 201


def test_another_unit_sees_nothing(books, beta):
    other = session_api(beta)
    with schema_context("alpha"):
        entry = books.east.entries.get()
    for path in (f"{F}/funds/{books.east.pk}/", f"{F}/entries/{entry.pk}/",
                 f"{F}/funds/{books.east.pk}/disclosure/?year=2026"):
        assert_error(other.get(path), 404)
    assert_error(other.post(f"{F}/funds/{books.east.pk}/postings/", {"kind": "dues", "amount": "1"}), 404)
    assert other.get(f"{F}/funds/").json()["count"] == 0


def test_ledger_filters_and_running_balance(books):
    with schema_context("alpha"):
        day = timezone.localdate() - datetime.timedelta(days=1)
        ledger.post_entry(books.admin, books.east, kind="member_donation", amount="50", counterparty="王建国",
                          booked_on=day)
        ledger.post_entry(books.admin, books.east, kind="visit_gift", amount="30.50", purpose="重阳节慰问")
    client = api(books)
    body = client.get(f"{F}/entries/", {"fund": books.east.pk}).json()
    assert [(e["amount"], e["balance_after"]) for e in body["results"]] == [
        ("-30.50", "1019.50"), ("50.00", "1050.00"), ("1000.00", "1000.00")]
    assert client.get(f"{F}/entries/", {"fund": books.east.pk, "direction": "out"}).json()["count"] == 1
    kinds = client.get(f"{F}/entries/", {"fund": books.east.pk, "kind": ["dues", "member_donation"]}).json()
    assert kinds["count"] == 2, kinds
    assert client.get(f"{F}/entries/", {"q": "重阳"}).json()["count"] == 1
    assert client.get(f"{F}/entries/", {"date_to": day.isoformat(), "fund": books.east.pk}).json()["count"] == 1
    ordered = client.get(f"{F}/entries/", {"fund": books.east.pk, "ordering": "amount"}).json()["results"]
    assert [e["amount"] for e in ordered] == ["-30.50", "50.00", "1000.00"]
    assert client.get(f"{F}/entries/").json()["count"] == 5  # every fund of the unit
    assert api(books, books.staff.secretary).get(f"{F}/entries/").json()["count"] == 3  # east only


def test_ledger_list_costs_the_same_at_any_page_size(books):
    with schema_context("alpha"):
        for index in range(30):
            ledger.post_entry(books.admin, books.east, kind="dues", amount=f"{index + 1}.00", member=books.member)
    client = api(books)
    counts = []
    for size in (5, 20, 50):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{F}/entries/", {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


def test_reversal_and_transfer_endpoints(books):
    client = api(books, books.treasurer)
    response = client.post(f"{F}/funds/{books.committee.pk}/transfer/", {"target": books.west.pk, "amount": "10"})
    assert response.status_code == 201
    pair = response.json()
    assert pair["outgoing"]["amount"] == "-10.00" and pair["incoming"]["transfer_of"] == pair["outgoing"]["id"]
    response = client.post(f"{F}/entries/{pair['incoming']['id']}/reverse/", {"note": "转错"})
    assert response.status_code == 201 and len(response.json()) == 2
    original = client.get(f"{F}/entries/{pair['outgoing']['id']}/").json()
    assert original["reversed_by"] == response.json()[0]["id"]
    assert_error(client.post(f"{F}/entries/{pair['incoming']['id']}/reverse/", {"note": "again"}), 400)
    assert_error(api(books, books.staff.viewer).post(f"{F}/entries/{pair['incoming']['id']}/reverse/",
                                                     {"note": "x"}), 403)


def test_closing_periods(books):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    client = api(books, books.treasurer)
    path = f"{F}/funds/{books.west.pk}/periods/"
    response = client.post(path, {"year": last_month.year, "month": last_month.month, "note": "月结"})
    assert response.status_code == 201 and response.json()["kind"] == "month"
    assert client.get(path).json()[0]["ends_on"] == last_month.isoformat()
    error = assert_error(client.post(f"{F}/funds/{books.west.pk}/postings/", {
        "kind": "dues", "amount": "1", "booked_on": last_month.isoformat()}), 400)
    assert "closed period" in error["fields"]["booked_on"][0]
    assert_error(client.post(path, {"year": timezone.localdate().year}), 400)  # not ended yet


def test_the_workflow_through_the_api(books):
    secretary, admin, treasurer = (api(books, user) for user in (books.staff.secretary, books.admin,
                                                                  books.treasurer))
    response = secretary.post(f"{F}/applications/", {"member": books.member.pk, "category": "disaster",
                                                     "reason": "房屋漏雨受损", "amount_requested": "1200.00"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft" and created["actions"] == ["edit", "submit", "attach"]
    path = f"{F}/applications/{created['id']}"
    assert secretary.patch(f"{path}/", {"amount_requested": "1000.00"}).json()["amount_requested"] == "1000.00"
    assert secretary.post(f"{path}/submit/", {}).json()["status"] == "submitted"
    assert [a["id"] for a in secretary.get(f"{F}/applications/", {"inbox": "true"}).json()["results"]] == [
        created["id"]]
    assert secretary.post(f"{path}/verify/", {"note": "已入户核实"}).json()["status"] == "verified"
    error = assert_error(secretary.post(f"{path}/approve/", {"amount": "900"}), 403)
    assert "drafted or submitted" in error["message"]
    assert secretary.get(f"{F}/applications/", {"inbox": "true"}).json()["count"] == 0
    approved = admin.post(f"{path}/approve/", {"amount": "900.00", "note": "同意"}).json()
    assert approved["status"] == "approved" and approved["amount_approved"] == "900.00"
    assert [a["id"] for a in treasurer.get(f"{F}/applications/", {"inbox": "true"}).json()["results"]] == [
        created["id"]]
    error = assert_error(treasurer.post(f"{path}/pay/", {"amount": "900.01"}), 400)
    assert "may not exceed" in error["fields"]["amount"][0]
    response = treasurer.post(f"{path}/pay/", {"reference": "凭证12"})
    assert response.status_code == 201 and [e["amount"] for e in response.json()] == ["-900.00"]
    detail = treasurer.get(f"{path}/").json()
    assert detail["status"] == "paid" and detail["amount_paid"] == "900.00" and detail["actions"] == []
    assert [step["action"] for step in detail["steps"]] == ["created", "submitted", "verified", "approved", "paid"]
    assert detail["steps"][2]["note"] == "已入户核实" and detail["steps"][3]["actor"] == books.admin.full_name
    assert api(books).get(f"{F}/funds/{books.east.pk}/").json()["balance"] == "100.00"


def test_sensitive_applications_are_masked_for_those_without_the_permission(books):
    with schema_context("alpha"):
        application = advance(books, "draft")
        AssistanceApplication.objects.filter(pk=application.pk).update(category="illness")
    viewer = api(books, books.staff.viewer).get(f"{F}/applications/{application.pk}/").json()
    assert viewer["category"] is None and viewer["category_label"] == "Hardship assistance"
    assert viewer["reason"] is None and viewer["steps"][0]["note"] is None
    listed = api(books, books.staff.viewer).get(f"{F}/applications/").json()["results"][0]
    assert listed["category"] is None
    assert api(books, books.staff.viewer).get(f"{F}/applications/", {"category": "illness"}).json()["count"] == 0
    allowed = api(books, books.staff.sensitive_viewer).get(f"{F}/applications/{application.pk}/").json()
    assert allowed["category"] == "illness" and allowed["reason"]


def test_writes_are_refused_by_role_and_scope(books):
    with schema_context("alpha"):
        application = advance(books, "verified")
    path = f"{F}/applications/{application.pk}"
    assert_error(api(books, books.staff.viewer).post(f"{path}/approve/", {"amount": "1"}), 403)
    assert_error(api(books, books.treasurer).post(f"{path}/approve/", {"amount": "1"}), 403)
    assert_error(api(books, books.staff.sibling).post(f"{path}/approve/", {"amount": "1"}), 404)
    assert_error(anonymous_api(books.staff).get(f"{path}/"), 401)
    assert_error(api(books, books.staff.viewer).post(f"{F}/applications/", {
        "member": books.member.pk, "category": "elderly", "reason": "x", "amount_requested": "1"}), 403)
    assert_error(api(books, books.staff.secretary).post(f"{F}/applications/", {
        "member": books.west_member.pk, "category": "elderly", "reason": "x", "amount_requested": "1"}), 400)


def test_cost_sharing_and_member_account_settings(books):
    rule = {"category": "", "legs": [{"level": "general_branch", "percent": "30.00"},
                                     {"level": "committee", "percent": "70.00"}]}
    assert_error(api(books, books.treasurer).post(f"{F}/cost-sharing/", rule), 403)
    response = api(books).post(f"{F}/cost-sharing/", rule)
    assert response.status_code == 201 and response.json()["legs"][1] == {"level": "committee", "percent": "70.00"}
    assert api(books, books.staff.viewer).get(f"{F}/cost-sharing/").json()[0]["category"] == ""
    error = assert_error(api(books).post(f"{F}/cost-sharing/", {"legs": rule["legs"][:1]}), 400)
    assert "legs" in error["fields"]
    with schema_context("alpha"):
        application = advance(books, "approved", amount="0.03")
    shares = api(books, books.treasurer).post(f"{F}/applications/{application.pk}/pay/", {}).json()
    assert [(share["fund"]["name"], share["amount"]) for share in shares] == [
        ("东区总支帮扶基金", "-0.01"), ("党委关爱基金", "-0.02")]  # 0.009 / 0.021: the larger loss gets the fen
    response = api(books).post(f"{F}/member-accounts/", {"user": books.treasurer.pk, "member": books.member.pk})
    assert response.status_code == 201
    assert_error(api(books, books.treasurer).get(f"{F}/member-accounts/"), 403)


def test_disclosure_and_its_public_links(books):
    with schema_context("alpha"):
        advance(books, "paid", amount="300.00")
    year = timezone.localdate().year
    body = api(books, books.staff.viewer).get(f"{F}/funds/{books.east.pk}/disclosure/", {"year": year}).json()
    assert body["opening"] == "0.00" and body["closing"] == "700.00"
    assert body["income"] == [{"label": "Party dues", "amount": "1000.00"}]
    assert body["payments"][0]["name"] == "张*明" and body["payments"][0]["amount"] == "300.00"
    assert_error(api(books).get(f"{F}/funds/{books.east.pk}/disclosure/"), 400)  # which year?
    response = api(books, books.treasurer).post(f"{F}/disclosure-links/", {"fund": books.east.pk, "year": year})
    assert response.status_code == 201
    link = response.json()
    assert link["url"].startswith("http://alpha.") and "/fund/public/" in link["url"]
    public_path = urlsplit(link["url"]).path
    assert anonymous_api(books.staff).client.get(public_path).status_code == 200
    assert_error(api(books, books.staff.viewer).post(f"{F}/disclosure-links/{link['id']}/revoke/"), 403)
    revoked = api(books, books.treasurer).post(f"{F}/disclosure-links/{link['id']}/revoke/").json()
    assert revoked["revoked_at"]
    assert anonymous_api(books.staff).client.get(public_path).status_code == 404


def test_money_never_travels_as_a_float(books):
    client = api(books, books.treasurer)
    for amount in ("0.1", "12.34"):
        response = client.post(f"{F}/funds/{books.east.pk}/postings/", {"kind": "dues", "amount": amount})
        assert response.status_code == 201 and response.json()["amount"] == f"{Decimal(amount):.2f}"
    with schema_context("alpha"):
        assert LedgerEntry.objects.get(pk=response.json()["id"]).amount == Decimal("12.34")


@pytest.mark.parametrize("amount", [1.5, 0.1, 12, "1e3", "12.345", " 12", "1,000", "NaN", "Infinity", "", True,
                                    None])
def test_amounts_are_decimal_strings_with_two_places_at_most(books, amount):
    """JSON numbers are floats to most clients, so they are refused like exponents and separators; nothing is
    rounded."""
    client, entries = api(books, books.treasurer), LedgerEntry.objects.count
    with schema_context("alpha"):
        before = entries()
    for path, body in ((f"{F}/funds/{books.east.pk}/postings/", {"kind": "dues"}),
                       (f"{F}/funds/{books.east.pk}/transfer/", {"target": books.committee.pk})):
        error = assert_error(client.post(path, {**body, "amount": amount}), 400, "invalid")
        assert list(error["fields"]) == ["amount"]
    response = api(books, books.staff.secretary).post(f"{F}/applications/", {
        "member": books.member.pk, "category": "low_income", "reason": "困难", "amount_requested": amount})
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["amount_requested"]
    with schema_context("alpha"):
        assert entries() == before


def test_schema_documents_the_fund_api(alpha):
    schema = anonymous_api(alpha).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/fund/funds/{id}/postings/", "/api/v1/fund/entries/{id}/reverse/",
                 "/api/v1/fund/applications/{id}/approve/", "/api/v1/fund/applications/{id}/pay/",
                 "/api/v1/fund/funds/{id}/disclosure/", "/api/v1/fund/cost-sharing/"):
        assert path in schema["paths"], path
    pay = schema["paths"]["/api/v1/fund/applications/{id}/pay/"]["post"]
    assert {"201", "400", "401", "403", "404"} <= set(pay["responses"])
    amount = schema["components"]["schemas"]["Entry"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
