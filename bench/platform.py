"""Platform operations with many small units: the console's unit list, one metering pass, invoice drafting,
issuing and an invoice's PDF.

    .venv/bin/python bench/platform.py [--units 1000]      (in a scratch database, then dropped)

Units come from bench/many_units.py (schema, Unit and Domain each). Every unit gets a subscription, a day of
SMS usage and a member count, so the list's figures, the metering pass and the invoice lines all have data.
"""

import argparse
import contextlib
import datetime
import os
import sys
import tempfile
import time

# This file's name shadows the standard library's `platform` for anything importing it from this folder (uuid,
# Django): load the real one first, then put the folder back at the end for many_units and scratch.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or ".") != _HERE]
sys.modules.pop("platform", None)
import platform as _standard_platform  # noqa: E402, F401, I001

sys.path.append(_HERE)


def _queries(function):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
    return result, elapsed, len(captured.captured_queries)


def run(units: int) -> None:
    from many_units import ensure_units

    slugs = ensure_units(units, verbose=True)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django_tenants.utils import schema_context

    from billing.models import Subscription
    from billing.services import documents, invoices, subscriptions
    from billing.services.metering import meter_current_unit
    from billing.services.usage import record_usage
    from carehub.accounts.models import User
    from tenants.models import Unit

    settings.ALLOWED_HOSTS = ["*"]
    connection.set_schema_to_public()
    plan = subscriptions.save_plan(None, code="bench", name="Bench", monthly_price="300.00", included_members=500,
                                   included_sms_segments=100, overage_price_per_segment="0.05")
    all_units = list(Unit.objects.filter(slug__in=slugs))
    Subscription.objects.bulk_create([Subscription(unit=unit, plan=plan, status="active") for unit in all_units],
                                     ignore_conflicts=True)
    day = datetime.date.today().replace(day=1)
    for index, unit in enumerate(all_units):
        record_usage(unit, "sms_segments", 50 + index % 120, source_key=f"bench:{day}", day=day)

    operator, _created = User.objects.get_or_create(email="bench@carehub.test",
                                                    defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST=settings.CAREHUB_BASE_DOMAIN)
    client.force_login(operator)
    client.get("/")  # warm up templates and connections
    response, elapsed, queries = _queries(lambda: client.get("/"))
    assert response.status_code == 200
    print(f"console unit list, {len(all_units)} units: {elapsed * 1000:.0f} ms, {queries} queries, "
          f"{len(response.content) // 1024} KiB")

    def metering_pass():
        for unit in all_units:
            with schema_context(unit.schema_name):
                meter_current_unit(unit, day)

    _result, elapsed, queries = _queries(metering_pass)
    print(f"metering pass (members and last activity, in process): {elapsed:.1f} s, {queries} queries, "
          f"{elapsed / len(all_units) * 1000:.1f} ms per unit")

    drafted, elapsed, queries = _queries(lambda: invoices.draft_invoices(day))
    print(f"invoice drafting: {len(drafted)} invoices in {elapsed:.2f} s, {queries} queries")
    _again, elapsed, queries = _queries(lambda: invoices.draft_invoices(day))
    print(f"invoice drafting again (idempotent, nothing new): {elapsed * 1000:.0f} ms, {queries} queries")

    sample = drafted[:100]
    with _throwaway_queues():  # issuing queues each PDF's render; no worker here, and none elsewhere may take them
        _issued, elapsed, queries = _queries(lambda: [invoices.issue(None, invoice) for invoice in sample])
    print(f"issuing {len(sample)} invoices: {elapsed * 1000:.0f} ms, {queries} queries")

    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):  # not the real MEDIA
        _pdf, elapsed, queries = _queries(lambda: documents.stored_pdf(sample[0].pk))
        print(f"invoice PDF, rendered and stored (the task's work): {elapsed * 1000:.0f} ms, {queries} queries")
        _pdf, elapsed, queries = _queries(lambda: documents.stored_pdf(sample[0].pk))
        print(f"invoice PDF, stored, downloaded again: {elapsed * 1000:.1f} ms, {queries} queries")


@contextlib.contextmanager
def _throwaway_queues():
    from carehub.celery import app

    queue, kinds = f"bench-platform-{os.getpid()}", dict(app.conf.carehub_queues)
    app.conf.update(task_default_queue=queue, carehub_queues={kind: queue for kind in kinds})
    try:
        yield
    finally:
        app.conf.update(task_default_queue="celery", carehub_queues=kinds)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)


def main() -> None:
    from scratch import run_in_scratch_database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    run_in_scratch_database("platform", lambda: run(args.units))


if __name__ == "__main__":
    main()
