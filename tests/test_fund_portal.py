"""Fund pages of the portal: lists, the ledger with filters, the forms with the services' errors inline, the
application pages and their actions, settings, the dashboard tiles and the member's timeline; and who reaches
which page (anonymous visitors, another unit, a sibling subtree, read-only roles)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from care.fund.models import ApplicationStatus, AssistanceApplication, Fund, LedgerEntry
from care.fund.services import ledger

from .fund_data import advance, fund_media_fixture, make_books  # noqa: F401 (fixture)
from .test_portal_access import portal

S = ApplicationStatus


@pytest.fixture
def books(alpha, fund_media):
    with schema_context("alpha"):
        books = make_books(alpha)
    connection.set_schema_to_public()
    return books


def in_alpha(function, *args, **kwargs):
    with schema_context("alpha"):
        return function(*args, **kwargs)


def test_fund_list_and_ledger_with_running_balance(books):
    client = portal(books.staff)
    page = client.get("/fund/").content.decode()
    assert "党委关爱基金" in page and "¥1,000.00" in page
    in_alpha(ledger.post_entry, books.admin, books.east, kind="visit_gift", amount="120.5", purpose="重阳节慰问")
    response = client.get(f"/fund/{books.east.pk}/")
    assert [entry.balance_after for entry in response.context["page"]] == [879.5, 1000]
    assert "¥879.50" in response.content.decode()
    filtered = client.get(f"/fund/{books.east.pk}/", {"direction": "in"})
    assert [entry.kind for entry in filtered.context["page"]] == ["dues"]
    fragment = client.get(f"/fund/{books.east.pk}/", {"q": "重阳"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger")
    assert fragment.templates[0].name == "fund/_ledger.html" and "1 entry" in fragment.content.decode()


def test_a_backdated_posting_shows_the_balance_of_its_own_day(books):
    """Posted last but booked for an earlier day: the page lists it in date order with the balance of that day,
    as the printed ledger does, and every later day's balance includes it."""
    east, admin = books.east, books.admin
    opening = in_alpha(lambda: east.entries.get())  # the 1,000.00 of dues the books start with
    day = opening.booked_on
    in_alpha(ledger.post_entry, admin, east, kind="visit_gift", amount="100", purpose="后一天", booked_on=day)
    in_alpha(ledger.post_entry, admin, east, kind="visit_gift", amount="30", purpose="补记前一天",
             booked_on=day - datetime.timedelta(days=1))
    response = portal(books.staff).get(f"/fund/{east.pk}/")
    rows = [(entry.purpose, entry.balance) for entry in response.context["page"]]
    assert rows == [("后一天", 870), (opening.purpose, 970), ("补记前一天", -30)]
    assert [entry.balance_after for entry in response.context["page"]] == [900, 1000, 870]  # posting order
    assert "¥870.00" in response.content.decode()


def test_post_income_fixing_an_inline_error_first(books):
    client = portal(books.staff, books.east_treasurer)
    url = f"/fund/{books.east.pk}/income/"
    response = client.post(url, {"kind": "dues", "amount": "12.345"})
    assert response.context["form"].errors["amount"] == ["Amounts have at most two decimal places (fen)."]
    receipt = SimpleUploadedFile("收据.pdf", "%PDF-1.4 收据".encode())
    response = client.post(url, {"kind": "unit_donation", "amount": "5000", "counterparty": "大连港集团",
                                 "attachment": receipt})
    assert response.status_code == 302 and response["Location"] == f"/fund/{books.east.pk}/"
    with schema_context("alpha"):
        entry = LedgerEntry.objects.filter(fund=books.east).latest("pk")
        assert entry.balance_after == 6000 and entry.attachments.count() == 1
        attachment = entry.attachments.get()
    download = client.get(f"/fund/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).decode() == "%PDF-1.4 收据"
    assert portal(books.staff, books.staff.sibling).get(f"/fund/files/{attachment.pk}/").status_code == 404


def test_spending_that_would_overdraw_is_refused_inline(books):
    response = portal(books.staff, books.treasurer).post(f"/fund/{books.west.pk}/spending/",
                                                         {"kind": "death_care", "amount": "1000.01"})
    assert "below zero" in response.context["form"].errors["amount"][0]


def test_transfer_close_a_period_and_reverse(books):
    client = portal(books.staff, books.treasurer)
    response = client.post(f"/fund/{books.committee.pk}/transfer/", {"target": books.west.pk, "amount": "200"})
    assert response.status_code == 302
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    response = client.post(f"/fund/{books.west.pk}/periods/", {"year": last_month.year, "month": last_month.month})
    assert response.status_code == 302
    response = client.post(f"/fund/{books.west.pk}/periods/", {"year": last_month.year, "month": last_month.month})
    assert response.context["form"].errors["month"] == ["This period is already closed."]
    response = client.post(f"/fund/{books.west.pk}/income/", {"kind": "dues", "amount": "1",
                                                             "booked_on": last_month.isoformat()})
    assert "closed period" in response.context["form"].errors["booked_on"][0]
    with schema_context("alpha"):
        incoming = LedgerEntry.objects.get(fund=books.west, kind="transfer_in")
    page = client.get(f"/fund/entries/{incoming.pk}/").content.decode()
    assert "Linked entry" in page and 'id="reverse-form"' in page
    response = client.post(f"/fund/entries/{incoming.pk}/reverse/", {"note": ""})
    assert "Say why" in response.context["reverse_form"].errors["note"][0]
    assert client.post(f"/fund/entries/{incoming.pk}/reverse/", {"note": "转错"}).status_code == 302
    with schema_context("alpha"):
        assert ledger.balance(books.west) == ledger.balance(books.committee) == 1000


def test_apply_from_the_member_page_and_take_it_through(books):
    secretary = portal(books.staff, books.staff.secretary)
    member_page = secretary.get(f"/registers/members/{books.member.pk}/").content.decode()
    assert f'href="/fund/applications/new/?member={books.member.pk}"' in member_page
    url = f"/fund/applications/new/?member={books.member.pk}"
    response = secretary.post(url, {"category": "disaster", "amount_requested": "", "reason": "房屋受损",
                                    "submit": "1"})
    assert "amount_requested" in response.context["form"].errors
    response = secretary.post(url, {"category": "disaster", "amount_requested": "1500", "reason": "房屋受损",
                                    "submit": "1", "evidence": SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff photo")})
    with schema_context("alpha"):
        application = AssistanceApplication.objects.get(reason="房屋受损")
        assert application.status == S.SUBMITTED and application.attachments.count() == 1
    path = f"/fund/applications/{application.pk}/"
    assert response["Location"] == path
    inbox = secretary.get("/fund/applications/")
    assert [item.pk for item in inbox.context["page"]] == [application.pk]
    assert secretary.post(f"{path}verify/", {"verify-note": "已核实"}).status_code == 302
    refused = secretary.post(f"{path}approve/", {"approve-amount": "1500"})
    assert refused.status_code == 403
    admin = portal(books.staff)
    response = admin.post(f"{path}approve/", {"approve-amount": "1.234"})
    assert "two decimal places" in response.context["forms"]["approve"].errors["amount"][0]
    assert admin.post(f"{path}approve/", {"approve-amount": "1200"}).status_code == 302
    treasurer = portal(books.staff, books.treasurer)
    response = treasurer.post(f"{path}pay/", {})  # the east fund holds 1,000.00
    assert "below zero" in response.context["forms"]["pay"].errors["amount"][0]
    in_alpha(ledger.transfer, books.admin, books.committee, books.east, amount="500")
    page = treasurer.get(path).content.decode()
    assert 'id="do-pay"' in page and "东区总支帮扶基金 · 100% · <span class=\"money\">¥1,200.00</span>" in page
    response = treasurer.post(f"{path}pay/", {"pay-reference": "凭证7"})
    assert response.status_code == 302, response.context["forms"]["pay"].errors
    page = treasurer.get(path).content.decode()
    assert "Paid" in page and "¥1,200.00" in page and 'id="do-pay"' not in page
    timeline = secretary.get(f"/registers/members/{books.member.pk}/").content.decode()
    assert f"Assistance application #{application.pk}" in timeline and "Paid · ¥1,200.00" in timeline


def test_dashboard_tiles(books):
    with schema_context("alpha"):
        advance(books, S.PAID, amount="250.00")
        advance(books, S.VERIFIED)
    admin = portal(books.staff).get("/")
    assert admin.context["fund"]["total"] == 2750 and admin.context["fund"]["spent_this_year"] == 250
    assert admin.context["fund"]["waiting_for_me"] == 1 and admin.context["fund"]["pending"] == 1
    page = admin.content.decode()
    assert 'id="tile-fund-balances"' in page and "¥2,750.00" in page and 'id="tile-spent-this-year"' in page
    east = portal(books.staff, books.staff.secretary).get("/").context["fund"]
    assert east["total"] == 750 and east["waiting_for_me"] == 0  # they submitted it: not theirs to decide
    assert portal(books.staff, books.staff.sibling).get("/").context["fund"]["total"] == 1000


def test_settings_rules_and_member_links(books):
    client = portal(books.staff)
    response = client.post("/fund/settings/rules/", {"rule-category": "", "rule-level_0": "general_branch",
                                                     "rule-percent_0": "30", "rule-level_1": "committee",
                                                     "rule-percent_1": "60"})
    assert "add up to 100%" in response.context["rule_form"].errors["level_0"][0]
    response = client.post("/fund/settings/rules/", {"rule-category": "", "rule-level_0": "general_branch",
                                                     "rule-percent_0": "30", "rule-level_1": "committee",
                                                     "rule-percent_1": "70"})
    assert response.status_code == 302
    assert "General branch 30.00% / Committee 70.00%" in client.get("/fund/settings/").content.decode()
    response = client.post("/fund/settings/members/", {"link-user": books.treasurer.pk,
                                                       "link-member": books.member.pk})
    assert response.status_code == 302
    assert portal(books.staff, books.treasurer).get("/fund/settings/").status_code == 403


def test_disclosure_page_and_links(books):
    client = portal(books.staff, books.treasurer)
    year = timezone.localdate().year
    page = client.get(f"/fund/{books.east.pk}/disclosure/", {"year": year})
    assert page.context["report"].closing == 1000
    response = client.post(f"/fund/{books.east.pk}/disclosure/", {"year": year})
    assert response.status_code == 302
    links = client.get(f"/fund/{books.east.pk}/disclosure/").context["links"]
    (link, url), = links
    assert url.startswith("http://alpha.localhost") and link.token in url
    assert portal(books.staff, books.staff.viewer).post(f"/fund/links/{link.pk}/revoke/").status_code == 403
    assert client.post(f"/fund/links/{link.pk}/revoke/").status_code == 302


def fund_pages(books) -> list[str]:
    east = books.east.pk
    return [f"/fund/{east}/", f"/fund/{east}/periods/", f"/fund/{east}/disclosure/", f"/fund/{east}/income/",
            f"/fund/{east}/spending/", f"/fund/{east}/transfer/", f"/fund/{east}/edit/"]


def fund_posts(books) -> list[str]:
    east = books.east.pk
    return [f"/fund/{east}/income/", f"/fund/{east}/spending/", f"/fund/{east}/transfer/",
            f"/fund/{east}/periods/", f"/fund/{east}/disclosure/"]


def test_anonymous_visitors_are_sent_to_log_in(books):
    client = portal(books.staff)
    client.logout()
    for url in ["/fund/", "/fund/applications/", "/fund/settings/", "/fund/new/", *fund_pages(books)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_other_units_and_sibling_subtrees_get_404(books, beta):
    with schema_context("alpha"):
        application = advance(books, S.VERIFIED)
        entry = books.east.entries.get()
    objects = [*fund_pages(books), f"/fund/entries/{entry.pk}/", f"/fund/applications/{application.pk}/"]
    for client in (portal(beta), portal(books.staff, books.staff.sibling)):
        for url in objects:
            assert client.get(url).status_code == 404, url
        for url in [*fund_posts(books), f"/fund/applications/{application.pk}/approve/",
                    f"/fund/entries/{entry.pk}/reverse/"]:
            assert client.post(url, {}).status_code == 404, url


def test_read_only_roles_get_403_on_writes(books):
    with schema_context("alpha"):
        application = advance(books, S.VERIFIED)
        entry = books.east.entries.get()
    viewer = portal(books.staff, books.staff.viewer)
    assert viewer.get(f"/fund/{books.east.pk}/").status_code == 200
    assert 'id="post-income"' not in viewer.get(f"/fund/{books.east.pk}/").content.decode()
    for url in fund_posts(books)[:4] + [f"/fund/entries/{entry.pk}/reverse/"]:
        assert viewer.post(url, {"note": "x", "kind": "dues", "amount": "1", "year": "2020"}).status_code == 403, url
    assert viewer.post(f"/fund/applications/{application.pk}/approve/", {"approve-amount": "1"}).status_code == 403
    secretary = portal(books.staff, books.staff.secretary)
    assert secretary.post(f"/fund/{books.east.pk}/income/", {"kind": "dues", "amount": "1"}).status_code == 403
    assert portal(books.staff, books.east_treasurer).get(f"/fund/{books.committee.pk}/").status_code == 404


def test_admins_set_up_and_configure_funds(books):
    client = portal(books.staff)
    east1 = books.staff.nodes["east1"]
    response = client.post("/fund/new/", {"node": east1.pk, "name": "", "currency": "CNY"})
    assert response.context["form"].errors["name"] == ["The fund needs a name."]
    response = client.post("/fund/new/", {"node": east1.pk, "name": "东一支部基金", "currency": "CNY",
                                          "second_approval_above": "3000"})
    with schema_context("alpha"):
        fund = Fund.objects.get(node=east1)
    assert response["Location"] == f"/fund/{fund.pk}/" and fund.second_approval_above == 3000
    response = client.post(f"/fund/{fund.pk}/edit/", {"name": "东一支部关爱基金", "allows_overdraft": "on",
                                                      "second_approval_above": ""})
    with schema_context("alpha"):
        fund.refresh_from_db()
    assert fund.name == "东一支部关爱基金" and fund.allows_overdraft and fund.second_approval_above is None
    assert portal(books.staff, books.treasurer).get("/fund/new/").status_code == 403
