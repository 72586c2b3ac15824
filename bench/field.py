"""Benchmark: field work from a phone, server side (care.programme.services.field).

    .venv/bin/python bench/field.py [--members 38169] [--tasks 50] [--records 20]

Works in a scratch database `<dbname>_bench_field` (see bench/scratch.py), dropped at the end. Steps:

1. `carehub demo --members N` (Ganjingzi at full scale).
2. The secretary of 红旗街道 is given open tasks of their organisations until --tasks are due within the
   snapshot's 14 days. The snapshot (GET /api/v1/programme/field/) is fetched 20 times after 3 warm-ups: its size
   in bytes as the phone stores it (UTF-8 JSON; gzip on the wire too), and server time per request (in-process
   test Client: the view, its queries and serialising; no network).
3. --records visits queued on a phone arrive as the phone sends them, one after another, each with one photo of
   the size the phone makes (1280 x 960 JPEG at quality 0.8): the time to store them all, then the time to answer
   the same records sent again (a phone retrying after a lost answer: each must be found, not stored twice).
The baseline, measured in the same run the same way, is the login page for an anonymous visitor; figures are
also given as multiples of its p50. Every figure printed comes from this run.
"""

import argparse
import datetime
import gzip
import io
import json
import random
import statistics
import time
import uuid

from scratch import heading, migrate_and_load_demo, percentile, run_in_scratch_database

SEED = 20261204
SNAPSHOT_REQUESTS, WARM_UP = 20, 3
SECRETARY = "secretary@ganjingzi.demo"


def photo_jpeg() -> bytes:
    """A 1280 x 960 JPEG at quality 80 with noise, as big as a phone's resized photo of a room."""
    from PIL import Image

    rng = random.Random(SEED)
    image = Image.frombytes("RGB", (160, 120), bytes(rng.randrange(256) for _ in range(160 * 120 * 3)))
    buffer = io.BytesIO()
    image.resize((1280, 960)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def give_tasks(user, count: int):
    """The user's open tasks, `count` of them brought into the snapshot's window (the demo's secretaries have
    hundreds of tasks, most due months ahead)."""
    from care.programme import access as programme_access
    from care.programme.models import CareTask, TaskStatus
    from care.programme.services import field, tasks
    from carehub.clock import unit_today

    today = unit_today()
    in_window = field.field_tasks(user, today)
    later = (tasks.mine(programme_access.visible_tasks(user), user).filter(status=TaskStatus.OPEN)
             .exclude(pk__in=in_window.values("pk")).order_by("due_on", "pk").values_list("pk", flat=True))
    moved = list(later[:max(count - in_window.count(), 0)])
    last = today + datetime.timedelta(days=field.DAYS_AHEAD)
    CareTask.objects.filter(pk__in=moved).update(due_on=last, snoozed_until=None)  # a bench shortcut, unaudited
    return field.field_tasks(user, today)


def timed_get(client, path: str, times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return samples


def visit_of(task, happened_at) -> dict:
    """A visit to the task's member, doing the task where a visit can (a talk task stays open)."""
    from care.programme.services import field

    body = {"client_id": str(uuid.uuid4()), "kind": "visit", "member": task.member_id,
            "happened_at": happened_at.isoformat(), "occasion": "走访慰问", "goods": "牛奶一箱"}
    return {**body, "task": task.pk} if field.form_for(task) == "visit" else body


def send(client, path: str, bodies: list[dict], photo: bytes, expected: int) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    started = time.perf_counter()
    for body in bodies:
        upload = SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")
        response = client.post(path, {**body, "photos": [upload]})
        assert response.status_code == expected, (response.status_code, response.content[:300])
    return time.perf_counter() - started


def run(members: int, task_count: int, record_count: int) -> None:
    import os
    import tempfile
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from care.programme.models import Visit
    from carehub.accounts.models import User
    from tenants.models import Unit

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="carehub-bench-field-")  # photos: not the developer's media
    migrate_and_load_demo(members)
    load = os.getloadavg()
    unit = Unit.objects.get(slug="ganjingzi")
    host = f"{unit.slug}.{settings.CAREHUB_BASE_DOMAIN}"
    client, anonymous = Client(HTTP_HOST=host), Client(HTTP_HOST=host)
    with schema_context(unit.schema_name):
        user = User.objects.get(email=SECRETARY)
        due = list(give_tasks(user, task_count))
        client.force_login(user)
    snapshot_path, records_path = reverse("programme-api:field"), reverse("programme-api:field-records")

    heading(f"snapshot: {len(due)} tasks due within 14 days for {user.get_full_name()}")
    body = client.get(snapshot_path).content
    stored = json.dumps(json.loads(body), ensure_ascii=False).encode()
    members_held = len(json.loads(body)["members"])
    print(f"  {members_held} members; {len(stored) / 1024:.1f} kB as stored on the phone (UTF-8 JSON), "
          f"{len(gzip.compress(body)) / 1024:.1f} kB gzipped on the wire")
    timed_get(anonymous, reverse("login"), WARM_UP)
    timed_get(client, snapshot_path, WARM_UP)
    baseline = timed_get(anonymous, reverse("login"), SNAPSHOT_REQUESTS)
    snapshot = timed_get(client, snapshot_path, SNAPSHOT_REQUESTS)

    heading(f"sync: {record_count} visits queued on the phone, one photo each")
    photo = photo_jpeg()
    now = timezone.now()
    bodies = [visit_of(task, now - (record_count - index) * datetime.timedelta(minutes=20))
              for index, task in enumerate(due[:record_count])]
    first = send(client, records_path, bodies, photo, expected=201)
    again = send(client, records_path, bodies, photo, expected=200)
    with schema_context(unit.schema_name):
        stored_visits = Visit.objects.filter(client_id__in=[body["client_id"] for body in bodies]).count()
    print(f"  photo {len(photo) / 1024:.0f} kB; {len(bodies)} visits stored in {first:.2f} s "
          f"({first / len(bodies) * 1000:.0f} ms each); sent again: {again:.2f} s; visits stored: {stored_visits}")

    heading("summary")
    print(f"  load average at the start {load[0]:.2f}, at the end {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    base = statistics.median(baseline)
    print(f"  login page (baseline): p50 {base * 1000:.1f} ms, p95 {percentile(baseline, 0.95) * 1000:.1f} ms")
    print(f"  snapshot ({len(due)} tasks): p50 {statistics.median(snapshot) * 1000:.1f} ms, "
          f"p95 {percentile(snapshot, 0.95) * 1000:.1f} ms ({statistics.median(snapshot) / base:.1f}x login); "
          f"{len(stored) / 1024:.1f} kB on the phone")
    print(f"  {len(bodies)} queued visits with photos: {first:.2f} s server time "
          f"({first / len(bodies) / base:.0f}x login per visit); retried: {again:.2f} s; stored once: "
          f"{'yes' if stored_visits == len(bodies) else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=38169, help="members of Ganjingzi (default 38169)")
    parser.add_argument("--tasks", type=int, default=50, help="tasks in the secretary's snapshot (default 50)")
    parser.add_argument("--records", type=int, default=20, help="queued visits to send (default 20)")
    options = parser.parse_args()
    run_in_scratch_database("bench_field", lambda: run(options.members, options.tasks, options.records))


if __name__ == "__main__":
    main()
