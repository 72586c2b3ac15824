"""Reports' figures against the registers and the ledger they come from, rendered for real (WeasyPrint, pypdf)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone, translation
from pypdf import PdfReader

from care.fund.models import INCOME_KINDS, SPENDING_KINDS, EntryKind, LedgerEntry
from care.fund.services import funds, ledger
from care.programme.models import Visit
from care.programme.services import records
from care.registers.models import HardshipCategory
from care.registers.services import hardship
from care.reports.models import ReportKind, ReportRun, RunStatus
from care.reports.services.runs import render_run, request_report

from .fund_data import MEMBER_NAME, MEMBER_PHONE, WEST_NAME, WEST_PHONE, advance, make_books

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture(autouse=True)
def report_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def books(in_alpha):
    with translation.override("zh-hans"):
        books = make_books(in_alpha)
        ledger.post_entry(books.admin, books.east, kind="member_donation", amount="250.50", counterparty="王捐")
        ledger.post_entry(books.admin, books.east, kind="visit_gift", amount="80.00", purpose="春节慰问品")
        funds.save_rule(books.admin, category="", legs=[{"level": "general_branch", "percent": "30"},
                                                        {"level": "committee", "percent": "70"}])
        advance(books, "paid", amount="100.00")
        yield books


def rendered(actor, kind, **params) -> ReportRun:
    with translation.override("zh-hans"):
        run = request_report(actor, kind=kind, **({"period": "year", "year": YEAR} | params))
        assert render_run(run.pk) == RunStatus.DONE, ReportRun.objects.get(pk=run.pk).error
    return ReportRun.objects.get(pk=run.pk)


def pdf_text(run: ReportRun) -> str:
    with run.pdf.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_fund_report_totals_equal_the_ledger(books):
    run = rendered(books.admin, ReportKind.FUND)
    entries = LedgerEntry.objects.filter(booked_on__year=YEAR)
    income = entries.filter(kind__in=[*INCOME_KINDS, EntryKind.TRANSFER_IN]).aggregate(t=Sum("amount"))["t"]
    spending = -entries.filter(kind__in=[*SPENDING_KINDS, EntryKind.TRANSFER_OUT]).aggregate(t=Sum("amount"))["t"]
    balance = sum((ledger.balance(fund) for fund in (books.committee, books.east, books.west)), Decimal(0))
    assert Decimal(run.totals["income"]) == income == Decimal("3250.50")
    assert Decimal(run.totals["spending"]) == spending == Decimal("180.00")
    assert Decimal(run.totals["closing"]) == balance
    assert run.pages >= 2 and len(run.sha256) == 64
    text = pdf_text(run)
    assert "Alpha 区委" in text and "关爱基金" in text  # Chinese glyphs rendered, not boxes
    assert "¥3,250.50" in text and "¥180.00" in text
    assert "第 1 页" not in text or "共" in text


def test_disclosure_version_masks_names_and_phones(books):
    run = rendered(books.admin, ReportKind.DISCLOSURE)
    text = pdf_text(run)
    assert "张*明" in text
    for secret in (MEMBER_NAME, MEMBER_PHONE, MEMBER_PHONE[3:], WEST_NAME, WEST_PHONE, "家庭困难", "王捐", "红旗西路"):
        assert secret not in text
    assert not run.sensitive


def test_visit_report_counts_the_visits(books):
    admin, member = books.admin, books.member
    day = TODAY - datetime.timedelta(days=1) if TODAY.month > 1 or TODAY.day > 1 else TODAY
    for occasion in ("春节走访慰问", "春节走访慰问", "七一慰问"):
        records.record_visit(admin, member, visited_on=day, occasion=occasion, visitors=[admin], goods="米、油")
    run = rendered(admin, ReportKind.VISITS)
    assert int(run.totals["visits"]) == Visit.objects.filter(visited_on__year=YEAR).count() == 3
    assert int(run.totals["members"]) == 1
    assert Decimal(run.totals["gift_money"]) == Decimal("80.00")
    text = pdf_text(run)
    assert "春节走访慰问" in text and MEMBER_NAME in text


def test_coverage_and_ledger(books):
    admin = books.admin
    hardship.open_entry(admin, books.member, category=HardshipCategory.ELDERLY, reason="高龄独居",
                        opened_on=TODAY.replace(month=1, day=1))
    hardship.open_entry(admin, books.west_member, category=HardshipCategory.ILLNESS, reason="住院",
                        opened_on=TODAY.replace(month=1, day=1))
    coverage = rendered(admin, ReportKind.COVERAGE)
    assert int(coverage.totals["hardship_entries"]) == 2 and int(coverage.totals["paired"]) == 0
    printout = rendered(admin, ReportKind.LEDGER)
    assert int(printout.totals["entries"]) == 2
    assert "高龄独居" in pdf_text(printout)
    # A viewer without the sensitive permission gets the ledger without the illness.
    viewer_run = rendered(books.staff.viewer, ReportKind.LEDGER)
    assert int(viewer_run.totals["entries"]) == 1 and not viewer_run.sensitive
    assert "住院" not in pdf_text(viewer_run)


def test_same_period_and_data_give_the_same_numbers(books):
    first = rendered(books.admin, ReportKind.FUND)
    # A posting made after the request, even back-dated into the period, does not change that run's figures.
    ledger.post_entry(books.admin, books.west, kind="dues", amount="5.00", booked_on=TODAY)
    ReportRun.objects.filter(pk=first.pk).update(status=RunStatus.QUEUED)
    assert render_run(first.pk) == RunStatus.DONE
    again = ReportRun.objects.get(pk=first.pk)
    assert again.totals == first.totals


def test_a_failed_render_is_recorded_and_counted_for_the_console(books):
    from care.reports.services.health import failed_render_count

    since = timezone.now()
    run = request_report(books.admin, kind=ReportKind.FUND, period="year", year=YEAR)
    ReportRun.objects.filter(pk=run.pk).update(kind="bogus")  # a report the code no longer knows
    assert render_run(run.pk) == RunStatus.FAILED
    failed = ReportRun.objects.get(pk=run.pk)
    assert failed.error and failed.finished_at and not failed.pdf
    assert failed_render_count(since) == 1
    assert failed_render_count(timezone.now()) == 0
