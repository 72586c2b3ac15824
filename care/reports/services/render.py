"""Turning a report run into files: gather the figures, fill the print template, render the PDF (carehub.pdf),
export the tables (.xlsx), store both (Django storage), and record pages, checksum and timings."""

import datetime
import hashlib
import time
import zoneinfo
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from care.reports.models import ReportKind, ReportRun
from care.reports.services.branding import logo_uri
from care.reports.services.builders.coverage import coverage_report
from care.reports.services.builders.fund import disclosure_report, fund_report
from care.reports.services.builders.ledger import ledger_report
from care.reports.services.builders.visits import visit_report
from care.reports.services.content import Report, Scope
from care.reports.services.periods import Period
from care.reports.services.xlsx import workbook
from carehub.clock import current_unit
from carehub.pdf import page_count, render_pdf

BUILDERS = {
    ReportKind.VISITS: visit_report,
    ReportKind.FUND: fund_report,
    ReportKind.DISCLOSURE: disclosure_report,
    ReportKind.COVERAGE: coverage_report,
    ReportKind.LEDGER: ledger_report,
}


def period_of(run: ReportRun) -> Period:
    params = run.params
    return Period(params["period"], datetime.date.fromisoformat(params["starts_on"]),
                  datetime.date.fromisoformat(params["ends_on"]))


@contextmanager
def run_locale(run: ReportRun):
    """The language the report was asked in and the unit's time zone, whichever worker renders it."""
    with translation.override(run.params.get("language") or settings.LANGUAGE_CODE), \
            timezone.override(zoneinfo.ZoneInfo(run.params.get("time_zone") or settings.TIME_ZONE)):
        yield


def build(run: ReportRun) -> Report:
    period = period_of(run)
    scope = Scope(run.node, period.starts_on, period.ends_on, run.requested_at, run.sensitive)
    return BUILDERS[run.kind](scope, period.months())


def unit_name() -> str:
    return getattr(current_unit(), "name", "") or connection.schema_name


def scope_label(run: ReportRun) -> str:
    return run.node.name if run.node_id else _("Whole unit")


def html(run: ReportRun, report: Report, generated_at: datetime.datetime) -> str:
    by = run.requested_by.get_full_name() if run.requested_by else _("the system")
    return render_to_string("reports/pdf/report.html", {
        "report": report, "title": report.title, "unit_name": unit_name(), "subtitle": scope_label(run),
        "period_label": run.period_label, "generated_at": generated_at, "generated_by": by, "logo": logo_uri()})


def heading(run: ReportRun, generated_at) -> list[tuple[str, str]]:
    return [(_("Unit"), unit_name()), (_("Organisation"), scope_label(run)), (_("Period"), run.period_label),
            (_("Figures as of"), timezone.localtime(run.requested_at).strftime("%Y-%m-%d %H:%M")),
            (_("Requested by"), run.requested_by.get_full_name() if run.requested_by else "")]


def file_name(run: ReportRun, extension: str) -> str:
    return f"{run.kind}-{run.params['starts_on']}-{run.params['ends_on']}-{run.pk}.{extension}"


def render(run: ReportRun) -> dict:
    """Produce and store the run's files; returns what to save on the run (fields). Raises PdfError."""
    timings, clock = {}, time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    with run_locale(run):
        generated_at = timezone.now()
        report = build(run)
        lap("data")
        document = html(run, report, generated_at)
        lap("html")
        pdf = render_pdf(document)
        lap("pdf")
        sheet = workbook(report, heading(run, generated_at))
        lap("xlsx")
    run.pdf.save(file_name(run, "pdf"), ContentFile(pdf), save=False)
    run.xlsx.save(file_name(run, "xlsx"), ContentFile(sheet), save=False)
    lap("store")
    return {"pdf": run.pdf.name, "xlsx": run.xlsx.name, "pages": page_count(pdf),
            "sha256": hashlib.sha256(pdf).hexdigest(), "timings": timings, "totals": report.totals}
