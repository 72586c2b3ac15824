"""Field work on a phone in a real browser (Chromium at 390x844, service workers allowed) against a real server
process: the worker installs and the phone keeps the person's tasks; offline, the portal opens from the phone's copy
and a visit with a photo and a talk are recorded into the queue, which survives a reload; back online they arrive
once, complete their tasks and leave both times in the audit trail. A record sent twice is stored once; a record
for a task done meanwhile waits as a conflict until the person decides; logging out wipes the phone; another unit's
host sees none of it.

Playwright's context.set_offline() cuts the service worker's network too in this Chromium, and Background Sync
fires when it comes back; the page's own sending (on load and on `online`) is what the tests wait for either way,
since the worker and the page take turns under one lock.

Data the browser needs is committed from another connection (see test_browser_registers.committed) and removed
afterwards with everything the flows created, audit rows and photo files included.
"""

import datetime
import io
import time

import pytest
from django.db import connection
from PIL import Image
from playwright.sync_api import expect

from care.programme.models import CareTask, Talk, TaskKind, TaskStatus, Visit, VisitPhoto
from care.programme.services import records
from care.registers.models import Member
from care.registers.services import members
from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.clock import unit_today

from .test_browser import browser, server  # noqa: F401 (fixtures)
from .test_browser_registers import committed, sign_in
from .test_programme_work import make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PHONE = {"width": 390, "height": 844}
OLD, YOUNG = "离线走访员", "离线谈话员"
MANY = "离线批量员"  # prefix of the members of the timing test
DAY = datetime.timedelta(days=1)
# What a host keeps in the browser: its caches, its IndexedDB databases and its service workers.
KEPT = """async () => ({
    caches: await caches.keys(), databases: (await indexedDB.databases()).map((db) => db.name),
    workers: (await navigator.serviceWorker.getRegistrations()).length})"""


def purge(first_event: int) -> None:
    doomed = Member.objects.filter(name__startswith="离线")
    for photo in VisitPhoto.objects.filter(visit__member__in=doomed):
        photo.file.delete(save=False)
    VisitPhoto.objects.filter(visit__member__in=doomed).delete()
    CareTask.objects.filter(member__in=doomed).delete()
    Visit.objects.filter(member__in=doomed).delete()
    Talk.objects.filter(member__in=doomed).delete()
    doomed.delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM, by design
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [first_event])


@pytest.fixture
def work(django_db_setup):
    """Two members of east1 with a phone and an address: a visit two days late and a talk due today, both the
    browser user's."""
    alpha = django_db_setup["alpha"]

    def create():
        first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        me, today = User.objects.get(email="browser@alpha.test"), unit_today()
        old = members.create_member(alpha.admin, node=alpha.nodes["east1"], name=OLD, sex="m", phone="13800138000",
                                    birth_date="1941-04-04", joined_on="1966-07-01", address="幸福路8号3单元")
        young = members.create_member(alpha.admin, node=alpha.nodes["east1"], name=YOUNG, sex="f",
                                      birth_date="1985-08-08", joined_on="2010-07-01")
        visit = make_task("visit-hospitalised", old, TaskKind.VISIT, today - 2 * DAY, assignee=me)
        talk = make_task("talk-yearly", young, TaskKind.TALK, today, assignee=me)
        return first_event, old, young, visit, talk

    first_event, old, young, visit, talk = committed(create)
    yield {"alpha": alpha, "old": old, "young": young, "visit": visit.pk, "talk": talk.pk}
    committed(lambda: purge(first_event))


def phone_page(browser, server):  # noqa: F811
    """Signed in on a phone, the worker in control and the phone's copy of my work in IndexedDB."""
    page = sign_in(browser, server, **PHONE)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    ready(page)
    return page


def until(page, condition: str, timeout: float = 30):
    """Wait until the page's async `condition` (a function's source) holds: wait_for_function takes a promise for
    a truthy value."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"still not: {condition}"
        page.wait_for_timeout(100)


def ready(page, tasks: int = 1):
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    until(page, f"() => CarehubField.snapshot().then((kept) => kept !== null && kept.tasks.length >= {tasks})")


def queue(page) -> list[dict]:
    return page.evaluate("""CarehubField.records().then((items) => items.map((item) => ({
        client_id: item.client_id, state: item.state, task: item.task, photos: item.photos.length,
        problem: item.problem})))""")


def wait_until_sent(page, left: int = 0):
    until(page, f"() => CarehubField.records().then((items) => items.length === {left})")


def reload_offline(page, tries: int = 3):
    """Reload with the context offline. A worker that the browser stopped while idle restarts for the reload, and
    Playwright applies the emulated offline to a new worker asynchronously: its first request may still reach the
    server (a phone has no such window), so a reload that did is done again."""
    for _ in range(tries):
        page.reload()
        if page.locator("#field-away").count():
            return


def jpeg(path, width=2000, height=1500):
    Image.new("RGB", (width, height), (180, 60, 40)).save(path, "JPEG", quality=95)
    return path


def test_a_morning_offline_arrives_once(work, server, browser, tmp_path):  # noqa: F811
    page = phone_page(browser, server)
    context = page.context
    context.set_offline(True)

    # My work, opened with no signal: the phone's own version, from the worker's cache and IndexedDB.
    reload_offline(page)
    assert page.locator("#field-away").is_visible()
    page.locator("#field-status", has_text="Offline").wait_for()
    cards = page.locator("#field-work article.work-card")
    cards.nth(1).wait_for()
    assert cards.nth(0).get_attribute("id") == f"field-member-{work['old'].pk}"  # the late visit first
    assert "Overdue 2 days" in cards.nth(0).inner_text() and "幸福路8号3单元" in cards.nth(0).inner_text()
    assert cards.nth(0).locator("a.phone").get_attribute("href") == "tel:+8613800138000"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The member, then the visit of the task, prefilled, with a photo.
    cards.nth(0).locator("a.field-member-link").click()
    member = page.locator("#field-member")
    member.wait_for()
    assert OLD in page.inner_text("#field-member-name") and "138 0013 8000" in member.inner_text()
    member.locator("a.task-action").click()
    page.locator("#field-record").wait_for()
    assert OLD in page.inner_text("#field-record-title")
    assert page.input_value("#field-occasion") == "住院必访"  # the rule's name
    page.fill("#field-goods", "水果一篮")
    page.set_input_files("#field-photos", str(jpeg(tmp_path / "visit.jpg")))
    page.locator("#field-photo-list img").wait_for()
    page.click("#field-save")
    page.locator("#field-saved").wait_for()
    assert "Recorded on this phone" in page.inner_text(f"#field-member-{work['old'].pk}")

    # The talk, from the list.
    page.click(f"#field-member-{work['young'].pk} a.task-action")
    page.locator("#field-topic").wait_for()
    page.fill("#field-summary", "思想稳定，身体尚好")
    page.click("#field-save")
    page.locator("#field-saved").wait_for()

    # Still offline, the page reloaded: the queue is still there, and says so.
    page.reload()
    page.locator("#field-status", has_text="2 waiting to send").wait_for()
    assert [(item["state"], item["photos"]) for item in queue(page)] == [("waiting", 1), ("waiting", 0)]
    expect(page.locator("#field-records li")).to_have_count(2)
    assert committed(lambda: Visit.objects.filter(member=work["old"]).count()) == 0

    # The signal returns: both arrive, once.
    context.set_offline(False)
    wait_until_sent(page)
    expect(page.locator("#field-status")).not_to_contain_text("waiting")
    assert "Last sync" in page.inner_text("#field-status")

    def stored():
        visit = Visit.objects.get(member=work["old"])
        talk = Talk.objects.get(member=work["young"])
        photo = visit.photos.get()
        with photo.file.open("rb") as file:
            size = Image.open(io.BytesIO(file.read())).size
        events = {event.action: event for event in AuditEvent.objects.filter(
            object_type__in=["visit", "talk"], object_id__in=[str(visit.pk), str(talk.pk)])}
        return {
            "visit": (visit.occasion, visit.goods, [user.email for user in visit.visitors.all()], size),
            "talk": (talk.topic, talk.summary, [user.email for user in talk.participants.all()]),
            "tasks": list(CareTask.objects.filter(pk__in=[work["visit"], work["talk"]])
                          .values_list("status", flat=True)),
            "times": [(record.happened_at, events[action].at, events[action].changes.get("happened_at"))
                      for record, action in ((visit, "programme.visit.created"), (talk, "programme.talk.created"))],
            "counts": (Visit.objects.filter(member=work["old"]).count(),
                       Talk.objects.filter(member=work["young"]).count()),
        }

    found = committed(stored)
    assert found["counts"] == (1, 1)
    assert found["visit"] == ("住院必访", "水果一篮", ["browser@alpha.test"], (1280, 960))  # made smaller on the phone
    assert found["talk"][1:] == ("思想稳定，身体尚好", ["browser@alpha.test"])
    assert found["tasks"] == [TaskStatus.DONE, TaskStatus.DONE]
    for happened, received, audited in found["times"]:  # the phone's moment and the server's, both in the trail
        assert happened and audited and happened <= received
    # The phone's copy follows: the done tasks are gone from it.
    until(page, "() => CarehubField.snapshot().then((kept) => kept.tasks.length === 0)")
    assert page.errors == []
    context.close()


def test_the_same_record_sent_twice_is_stored_once(work, server, browser):  # noqa: F811
    page = phone_page(browser, server)
    page.context.set_offline(True)
    page.goto(f"http://alpha.localhost:{server}/programme/field/#record=visit&member={work['old'].pk}"
              f"&task={work['visit']}")
    page.locator("#field-occasion").wait_for()
    page.click("#field-save")
    page.locator("#field-saved").wait_for()
    # A copy of the queued record, as a phone that lost the server's answer would keep it, with its photos.
    page.evaluate("CarehubField.records().then((items) => { window.copy = items[0]; })")
    page.context.set_offline(False)
    wait_until_sent(page)
    # The worker's Background Sync of the record has run too (finding the queue empty, or sending it itself).
    until(page, "() => navigator.serviceWorker.ready.then((worker) => worker.sync.getTags())"
                ".then((tags) => tags.length === 0)")
    answers = []
    page.on("response", lambda response: answers.append(response.status)
            if response.url.endswith("/field/records/") else None)
    page.evaluate("""idb.openDB("carehub-field").then(async (db) => {
        await db.put("queue", {...window.copy, state: "waiting"});
        db.close();
    })""")
    page.evaluate("CarehubField.send()")
    wait_until_sent(page)
    assert answers == [200]  # "already stored", and the phone let the copy go
    assert committed(lambda: Visit.objects.filter(member=work["old"]).count()) == 1
    page.context.close()


def test_a_task_done_meanwhile_waits_as_a_conflict_until_decided(work, server, browser):  # noqa: F811
    page = phone_page(browser, server)
    page.on("dialog", lambda dialog: dialog.accept())
    page.context.set_offline(True)
    for kind, member, task in (("visit", work["old"], work["visit"]), ("talk", work["young"], work["talk"])):
        page.goto(f"http://alpha.localhost:{server}/programme/field/#record={kind}&member={member.pk}&task={task}")
        page.locator("#field-save").wait_for()
        page.click("#field-save")
        page.locator("#field-saved").wait_for()

    def done_by_the_admin():  # someone else did both meanwhile
        alpha = work["alpha"]
        for task in CareTask.objects.filter(pk__in=[work["visit"], work["talk"]]):
            if task.kind == TaskKind.VISIT:
                records.record_visit(alpha.admin, task.member, visited_on=unit_today(), occasion="看望",
                                     visitors=[alpha.admin], tasks=[task])
            else:
                records.record_talk(alpha.admin, task.member, held_on=unit_today(), topic="谈心",
                                    participants=[alpha.admin], tasks=[task])

    committed(done_by_the_admin)
    page.context.set_offline(False)
    page.locator("#field-status", has_text="2 to decide").wait_for(timeout=30000)
    assert [item["state"] for item in queue(page)] == ["conflict", "conflict"]
    conflicts = page.locator("#field-records li.conflict")
    assert "already completed this task on" in conflicts.nth(0).inner_text()
    page.reload()  # the conflicts stay on the phone until the person decides (the list is drawn once read)
    expect(page.locator("#field-records li.conflict")).to_have_count(2)

    visit = page.locator("#field-records li.conflict", has_text=OLD)
    visit.get_by_role("button", name="Discard").click()  # and yes to "Discard this record?"
    visit.wait_for(state="detached")
    page.locator("#field-records li.conflict", has_text=YOUNG).get_by_role(
        "button", name="Keep it as a record without the task").click()
    wait_until_sent(page)

    def stored():
        talks = Talk.objects.filter(member=work["young"])
        return (Visit.objects.filter(member=work["old"]).count(),
                sorted((talk.happened_at is not None, talk.tasks.exists()) for talk in talks))

    visits, talks = committed(stored)
    assert visits == 1  # the admin's; the phone's was discarded
    assert talks == [(False, True), (True, False)]  # the admin's, with the task; the phone's, kept without it
    page.context.close()


def test_logout_wipes_the_phone_after_asking_about_unsent_records(work, server, browser):  # noqa: F811
    page = phone_page(browser, server)
    page.context.set_offline(True)
    page.goto(f"http://alpha.localhost:{server}/programme/field/#record=visit&member={work['old'].pk}")
    page.fill("#field-occasion", "路过看望")
    page.click("#field-save")
    page.locator("#field-saved").wait_for()
    # The try to send it with no signal has ended (the bar's "Sending…" comes and goes meanwhile).
    until(page, "() => CarehubField.status().then((state) => state.waiting === 1 && !state.sending)")
    # Answered as it opens: the click must not wait for the navigation a submitted form may start, since the
    # question holds that form until it is answered.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("form[data-logout] button", no_wait_after=True)
    deadline = time.monotonic() + 30
    while not asked:
        assert time.monotonic() < deadline, "no question before logging out"
        page.wait_for_timeout(100)
    assert "Records not sent yet: 1" in asked[0]  # no: still signed in, the record kept
    page.wait_for_timeout(300)
    assert page.url.endswith("#saved")
    assert len(queue(page)) == 1

    page.context.set_offline(False)
    wait_until_sent(page)
    page.click("form[data-logout] button")
    page.wait_for_url("**/accounts/login/")
    assert page.evaluate(KEPT) == {"caches": [], "databases": [], "workers": 0}
    page.context.close()


def test_a_session_gone_keeps_the_queue_and_a_deactivated_account_wipes_the_phone(work, server, browser):  # noqa: F811
    page = phone_page(browser, server)
    page.context.set_offline(True)
    page.goto(f"http://alpha.localhost:{server}/programme/field/#record=talk&member={work['young'].pk}"
              f"&task={work['talk']}")
    page.locator("#field-topic").wait_for()
    page.click("#field-save")
    page.locator("#field-saved").wait_for()

    # Signed out meanwhile (the session cookie gone): the record waits, and the bar says what to do.
    session = [cookie for cookie in page.context.cookies() if cookie["name"] == "sessionid"]
    page.context.clear_cookies(name="sessionid")
    page.context.set_offline(False)
    page.evaluate("CarehubField.send()")
    page.locator("#field-status .field-sign-in", has_text="Sign in to send").wait_for()
    assert [item["state"] for item in queue(page)] == ["waiting"]

    # Back in the same session, whose account was deactivated meanwhile: the phone forgets everything.
    page.context.add_cookies(session)
    committed(lambda: User.objects.filter(email="browser@alpha.test").update(is_active=False))
    try:
        page.evaluate("CarehubField.refresh({force: true})")
        left = page.evaluate(KEPT)
    finally:
        committed(lambda: User.objects.filter(email="browser@alpha.test").update(is_active=True))
    assert left == {"caches": [], "databases": [], "workers": 0}
    assert committed(lambda: Talk.objects.filter(member=work["young"]).count()) == 0
    page.context.close()


def test_another_units_host_sees_nothing_of_the_first(work, server, browser):  # noqa: F811
    page = phone_page(browser, server)
    beta = page.context.new_page()
    beta.goto(f"http://beta.localhost:{server}/accounts/login/")
    assert beta.evaluate(KEPT) == {"caches": [], "databases": [], "workers": 0}
    beta.fill("input[name=username]", "browser@beta.test")
    beta.fill("input[name=password]", "Sufficiently-long-2026")
    beta.click("#login-form button[type=submit]")
    beta.wait_for_url(lambda url: "/accounts/login/" not in url)
    ready(beta, tasks=0)
    snapshot = beta.evaluate("CarehubField.snapshot().then((kept) => JSON.stringify(kept))")
    assert OLD not in snapshot and YOUNG not in snapshot and "Alpha" not in snapshot
    assert page.evaluate("CarehubField.snapshot().then((kept) => kept.members.length)") == 2  # alpha's own stays
    page.context.close()


@pytest.fixture
def many(work):
    """48 more members with a visit due today each, the browser user's: 50 tasks on the phone with work's two."""

    def create():
        me, today, alpha = User.objects.get(email="browser@alpha.test"), unit_today(), work["alpha"]
        made = []
        for number in range(48):
            member = members.create_member(alpha.admin, node=alpha.nodes["east2"], name=f"{MANY}{number:02}",
                                           sex="f", birth_date="1950-01-01", joined_on="1975-07-01",
                                           address=f"幸福路{number}号")
            made.append((member.pk, make_task("visit-hospitalised", member, TaskKind.VISIT, today,
                                              assignee=me).pk))
        return made

    return committed(create)


def test_twenty_visits_recorded_offline_arrive_once(many, work, server, browser):  # noqa: F811
    """Twenty visits, each with a phone-sized photo, wait offline and arrive once in order when the signal
    returns. Prints the time they took, the size of the snapshot of 50 tasks and the worker's precached bytes."""
    twenty = many[:20]
    page = phone_page(browser, server)
    ready(page, tasks=50)
    sizes = page.evaluate("""async () => {
        const kept = await CarehubField.snapshot();
        const cache = await caches.open((await caches.keys()).find((name) => name.includes("precache")));
        let precached = 0;
        for (const request of await cache.keys()) precached += (await (await cache.match(request)).blob()).size;
        return {snapshot: new Blob([JSON.stringify(kept)]).size, tasks: kept.tasks.length, precached};
    }""")
    page.context.set_offline(True)
    photo_bytes = page.evaluate("""async (visits) => {
        // A photo as the phone keeps it (1280 px, JPEG 0.8), busy enough to weigh what a real one does.
        const canvas = document.createElement("canvas");
        canvas.width = 1280; canvas.height = 960;
        const drawing = canvas.getContext("2d");
        let bytes = 0;
        for (const [member, task] of visits) {
            for (let spot = 0; spot < 4000; spot += 1) {
                drawing.fillStyle = `hsl(${(task * 37 + spot) % 360}, 60%, ${30 + (spot % 40)}%)`;
                drawing.fillRect((spot * 97) % 1280, (spot * 61) % 960, 8 + spot % 40, 8 + spot % 30);
            }
            const photo = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
            bytes += photo.size;
            await CarehubField.add({kind: "visit", member, task, fields: {occasion: "批量走访"}, photos: [photo],
                                    label: {member: String(member)}});
        }
        return bytes;
    }""", twenty)
    assert len(queue(page)) == 20
    page.context.set_offline(False)
    started = time.monotonic()
    page.evaluate("CarehubField.send()")
    wait_until_sent(page)
    took = time.monotonic() - started
    stored = committed(lambda: list(Visit.objects.filter(member__name__startswith=MANY).order_by("pk")
                                    .values_list("member_id", flat=True)))
    assert stored == [member for member, _task in twenty]  # each once, in the order recorded
    assert sizes["tasks"] == 50 and sizes["snapshot"] < 40 * 1024
    print(f"\nfield: 20 queued visits with photos ({photo_bytes / 1024:.0f} kB) sent in {took:.1f} s; snapshot of "
          f"{sizes['tasks']} tasks {sizes['snapshot'] / 1024:.1f} kB; precached {sizes['precached'] / 1024:.0f} kB")
    page.context.close()
