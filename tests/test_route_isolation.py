"""Every object route of a unit, API and portal alike, tried by those who must not reach the object: a secretary
of a sibling subtree, a read-only viewer (writes only) and another unit's admin; and by the unit's admin with an
id that does not exist or is not a number.

The routes come from the URL conf (carehub.urls_tenant), not from a list kept by hand: a route with an id in its
path (`pk`, `*_pk`, `*_id`) needs an entry in ROUTES saying which object of the east subtree it is tried with,
or the coverage test fails. Routes whose path holds no object id (tokens, export kinds) are listed in NOT_OBJECTS
with the reason. Every object carries the mark 东秘 in its texts, and no refused answer may contain it.
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from django_tenants.utils import schema_context

from care.fund.services import applications, disclosure, funds, ledger
from care.imports.services import imports
from care.programme.models import CareTask, Rule, TaskKind, TaskStatus
from care.programme.services import pairing, records, rules
from care.registers.models import ColumnMapping, HardshipCategory
from care.registers.services import extra_fields, hardship, members, nodes, staff
from care.reports.models import ReportKind, ReportRun, RunStatus
from carehub import urls_tenant
from carehub.accounts.models import Role
from carehub.audit.models import AuditEvent
from notifications.models import Category, Notice, Reach, Rung
from notifications.services import contacts, optouts, outbox, templates, windows
from tenants.models import UnitExport

from .api_data import media_fixture  # noqa: F401 (fixture)
from .conftest import Staff, logged_in
from .programme_data import PNG

MARK = "东秘"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
MISSING = 987654321  # an id no table reaches in a test run

# Who may read an object besides the unit's admins: "subtree" objects belong to the east subtree (the sibling
# secretary must not reach them); "unit" objects are the unit's shared definitions that every scope reads;
# "admin" objects are for unit admins only; "owner" objects only for the staff member who made them.
SUBTREE, UNIT, ADMIN, OWNER = "subtree", "unit", "admin", "owner"

# Route name -> (scope, {path argument: attribute of World or a fixed value}).
ROUTES = {
    # The registers' portal pages
    "portal:tree_add_below": (SUBTREE, {"parent_pk": "node"}),
    "portal:tree_node": (SUBTREE, {"pk": "node"}),
    "portal:tree_move": (SUBTREE, {"pk": "node"}),
    "portal:tree_delete": (SUBTREE, {"pk": "node"}),
    "portal:member_detail": (SUBTREE, {"pk": "member"}),
    "portal:member_edit": (SUBTREE, {"pk": "member"}),
    "portal:member_validate": (SUBTREE, {"pk": "member"}),
    "portal:member_status": (SUBTREE, {"pk": "member"}),
    "portal:member_transfer": (SUBTREE, {"pk": "member"}),
    "portal:hardship_open": (SUBTREE, {"member_pk": "member"}),
    "portal:hardship_entry": (SUBTREE, {"pk": "entry"}),
    "portal:hardship_review": (SUBTREE, {"pk": "entry"}),
    "portal:hardship_evidence_upload": (SUBTREE, {"pk": "entry"}),
    "portal:hardship_evidence": (SUBTREE, {"pk": "evidence"}),
    "portal:settings_field": (ADMIN, {"pk": "field"}),
    "portal:settings_staff": (ADMIN, {"pk": "clerk"}),
    # Imports
    "imports:preview": (OWNER, {"pk": "batch"}),
    "imports:columns": (OWNER, {"pk": "batch"}),
    "imports:commit": (OWNER, {"pk": "batch"}),
    "imports:forget_column": (UNIT, {"pk": "column"}),
    "imports-api:batch": (OWNER, {"pk": "batch"}),
    # The care programme's pages
    "programme:task": (SUBTREE, {"pk": "task"}),
    "programme:task_snooze": (SUBTREE, {"pk": "task"}),
    "programme:task_cancel": (SUBTREE, {"pk": "task"}),
    "programme:task_assign": (SUBTREE, {"pk": "task"}),
    "programme:rule": (UNIT, {"pk": "rule"}),
    "programme:rule_active": (UNIT, {"pk": "rule"}),
    "programme:visit_new": (SUBTREE, {"member_pk": "member"}),
    "programme:talk_new": (SUBTREE, {"member_pk": "member"}),
    "programme:event_new": (SUBTREE, {"member_pk": "member"}),
    "programme:commend": (SUBTREE, {"member_pk": "member"}),
    "programme:pairing": (SUBTREE, {"member_pk": "member"}),
    "programme:visit": (SUBTREE, {"pk": "visit"}),
    "programme:photo": (SUBTREE, {"pk": "photo"}),
    "programme:talk": (SUBTREE, {"pk": "talk"}),
    # The care fund's pages
    "fund:fund": (SUBTREE, {"pk": "fund"}),
    "fund:fund_edit": (SUBTREE, {"pk": "fund"}),
    "fund:income": (SUBTREE, {"pk": "fund"}),
    "fund:spending": (SUBTREE, {"pk": "fund"}),
    "fund:transfer": (SUBTREE, {"pk": "fund"}),
    "fund:periods": (SUBTREE, {"pk": "fund"}),
    "fund:disclosure": (SUBTREE, {"pk": "fund"}),
    "fund:revoke_link": (SUBTREE, {"pk": "link"}),
    "fund:entry": (SUBTREE, {"pk": "ledger_entry"}),
    "fund:reverse": (SUBTREE, {"pk": "ledger_entry"}),
    "fund:attach": (SUBTREE, {"pk": "ledger_entry"}),
    "fund:file": (SUBTREE, {"pk": "receipt"}),
    "fund:application": (SUBTREE, {"pk": "application"}),
    "fund:evidence": (SUBTREE, {"pk": "application"}),
    "fund:act": (SUBTREE, {"pk": "application", "name": "verify"}),
    "fund:delete_rule": (ADMIN, {"pk": "share_rule"}),
    "fund:unlink_member": (ADMIN, {"pk": "account"}),
    # SMS, reports and support pages
    "sms:opt_out_end": (SUBTREE, {"pk": "opt_out"}),
    "sms:template_delete": (ADMIN, {"pk": "template"}),
    "sms:contact_plan": (SUBTREE, {"pk": "member"}),
    "reports:run": (SUBTREE, {"pk": "run"}),
    "reports:download": (SUBTREE, {"pk": "run", "fmt": "pdf"}),
    "support:download": (ADMIN, {"pk": "export"}),
    # The SMS API
    "sms-api:template-detail": (UNIT, {"pk": "template"}),
    "sms-api:notice-detail": (SUBTREE, {"pk": "notice"}),
    "sms-api:message-detail": (SUBTREE, {"pk": "message"}),
    "sms-api:opt-out-detail": (SUBTREE, {"pk": "opt_out"}),
    "sms-api:opt-out-end": (SUBTREE, {"pk": "opt_out"}),
    "sms-api:window-detail": (SUBTREE, {"pk": "window"}),
    "sms-api:member-contact-plan": (SUBTREE, {"pk": "member"}),
    "sms-api:member-reaches": (SUBTREE, {"pk": "member"}),
    # The reports API
    "reports-api:run-detail": (SUBTREE, {"pk": "run"}),
    "reports-api:run-download": (SUBTREE, {"pk": "run", "fmt": "pdf"}),
    # The care programme's API
    "programme-api:rule-detail": (UNIT, {"pk": "rule"}),
    "programme-api:rule-saved-preview": (UNIT, {"pk": "rule"}),
    "programme-api:task-detail": (SUBTREE, {"pk": "task"}),
    "programme-api:task-cancel": (SUBTREE, {"pk": "task"}),
    "programme-api:task-snooze": (SUBTREE, {"pk": "task"}),
    "programme-api:task-assign": (SUBTREE, {"pk": "task"}),
    "programme-api:visit-detail": (SUBTREE, {"pk": "visit"}),
    "programme-api:visit-photo": (SUBTREE, {"pk": "visit", "photo_id": "photo"}),
    "programme-api:visit-photos": (SUBTREE, {"pk": "visit"}),
    "programme-api:talk-detail": (SUBTREE, {"pk": "talk"}),
    "programme-api:pairing-end": (SUBTREE, {"pk": "partnership"}),
    # The care fund's API
    "fund-api:fund-detail": (SUBTREE, {"pk": "fund"}),
    "fund-api:fund-disclosure": (SUBTREE, {"pk": "fund"}),
    "fund-api:fund-periods": (SUBTREE, {"pk": "fund"}),
    "fund-api:fund-postings": (SUBTREE, {"pk": "fund"}),
    "fund-api:fund-transfer": (SUBTREE, {"pk": "fund"}),
    "fund-api:entry-detail": (SUBTREE, {"pk": "ledger_entry"}),
    "fund-api:entry-attachment-file": (SUBTREE, {"pk": "ledger_entry", "attachment_id": "receipt"}),
    "fund-api:entry-attachments": (SUBTREE, {"pk": "ledger_entry"}),
    "fund-api:entry-reverse": (SUBTREE, {"pk": "ledger_entry"}),
    "fund-api:application-detail": (SUBTREE, {"pk": "application"}),
    "fund-api:application-approve": (SUBTREE, {"pk": "application"}),
    "fund-api:application-evidence": (SUBTREE, {"pk": "application"}),
    "fund-api:application-evidence-file": (SUBTREE, {"pk": "application", "attachment_id": "application_evidence"}),
    "fund-api:application-pay": (SUBTREE, {"pk": "application"}),
    "fund-api:application-reject": (SUBTREE, {"pk": "application"}),
    "fund-api:application-submit": (SUBTREE, {"pk": "application"}),
    "fund-api:application-verify": (SUBTREE, {"pk": "application"}),
    "fund-api:cost-sharing-detail": (UNIT, {"pk": "share_rule"}),
    "fund-api:member-account-detail": (ADMIN, {"pk": "account"}),
    "fund-api:disclosure-link-revoke": (SUBTREE, {"pk": "link"}),
    # The registers' API
    "api:node-detail": (SUBTREE, {"pk": "node"}),
    "api:node-move": (SUBTREE, {"pk": "node"}),
    "api:member-detail": (SUBTREE, {"pk": "member"}),
    "api:member-status": (SUBTREE, {"pk": "member"}),
    "api:member-transfer": (SUBTREE, {"pk": "member"}),
    "api:hardship-detail": (SUBTREE, {"pk": "entry"}),
    "api:hardship-changes": (SUBTREE, {"pk": "entry"}),
    "api:hardship-evidence": (SUBTREE, {"pk": "entry"}),
    "api:hardship-evidence-file": (SUBTREE, {"pk": "entry", "evidence_id": "evidence"}),
    "api:hardship-review": (SUBTREE, {"pk": "entry"}),
    "api:extra-field-detail": (UNIT, {"pk": "field"}),
    "api:audit-event-detail": (ADMIN, {"pk": "event"}),
    "api:staff-detail": (ADMIN, {"pk": "clerk"}),
}

# Routes with arguments that name no object of the unit, and where their isolation is tested instead.
NOT_OBJECTS = {
    "password_reset_confirm": "a signed token (Django's password reset): test_accounts.py",
    "accept_invitation": "a one-time invitation token: test_isolation.py, test_accounts.py",
    "imports:export": "an export's kind and format; its rows are the scoped list's: test_exports.py",
    "imports:sample": "a sample file's kind; its examples name organisations the user sees: test_import_columns.py",
    "fund:public": "a public disclosure link's token: test_fund_disclosure.py",
    "support:enter": "a support pass token: test_platform_support.py",
    "aliyun_report": "a unit's push secret (Alibaba Cloud's delivery reports): test_sms_aliyun.py",
    "aliyun_reply": "a unit's push secret (Alibaba Cloud's replies): test_sms_aliyun.py",
}

OBJECT_ARGUMENT = re.compile(r"(^|_)(pk|id)$")


# The URL conf -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    name: str
    arguments: tuple[str, ...]
    methods: tuple[str, ...]  # what the route answers; portal views are tried with GET and POST
    api: bool


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern) and pattern.pattern.regex.groupindex:
            actions = getattr(pattern.callback, "actions", None)  # a DRF viewset's {method: action}
            methods = tuple(actions) if actions else ("get", "post")
            yield Route(namespace + pattern.name, tuple(pattern.pattern.regex.groupindex), methods,
                        api=actions is not None or "-api:" in namespace or namespace.startswith("api:"))


ALL_ROUTES = list(_walk(urls_tenant.urlpatterns))
OBJECT_ROUTES = [route for route in ALL_ROUTES if route.name in ROUTES]


def test_every_route_with_an_object_id_is_covered():
    """A new detail or action route fails here until ROUTES says which east object it is tried with."""
    with_ids = {route.name for route in ALL_ROUTES if any(OBJECT_ARGUMENT.search(arg) for arg in route.arguments)}
    without_ids = {route.name for route in ALL_ROUTES} - with_ids
    assert with_ids - set(ROUTES) == set(), "routes with an object id but no entry in ROUTES"
    assert without_ids - set(NOT_OBJECTS) == set(), "routes with arguments in neither ROUTES nor NOT_OBJECTS"
    assert set(ROUTES) - with_ids == set() and set(NOT_OBJECTS) & with_ids == set(), "stale entries"
    for route in OBJECT_ROUTES:
        assert set(ROUTES[route.name][1]) == set(route.arguments), route.name


# The east subtree's objects ----------------------------------------------------------------------------------------

@dataclass
class World:
    objects: dict  # attribute name -> (model, id)

    def id(self, name: str) -> int:
        return self.objects[name][1]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _members_file() -> bytes:
    return "姓名,性别,所属组织\n东秘新人,男,东一支部\n".encode()


def ids_past(model, schema: str) -> None:
    """Move the current unit's id sequence of `model` past the ids `schema` holds (sequences are not rolled back,
    which is harmless: ids are never reused anyway)."""
    top = 0
    with schema_context(schema):
        top = model.objects.aggregate(top=Max("pk"))["top"] or 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        if cursor.fetchone()[0] <= top:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, top])


def make_world(staff_: Staff) -> World:
    """One object of every kind in the east subtree of `staff_`'s unit (and the unit's shared ones), each with
    MARK in its texts. Created by the test, so their ids exist in no other unit."""
    admin, secretary, east, east1 = staff_.admin, staff_.secretary, staff_.nodes["east"], staff_.nodes["east1"]
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    with schema_context(staff_.unit.schema_name):
        node = nodes.create_node(admin, parent=east1, name=f"{MARK}小组")
        member = members.create_member(admin, node=east1, name=f"郑{MARK}", sex="m", birth_date="1950-03-02",
                                       joined_on="1975-07-01", phone="13911112222", address=f"{MARK}路1号")
        entry = hardship.open_entry(admin, member, category=HardshipCategory.LOW_INCOME, reason=f"{MARK}原因",
                                    opened_on=timezone.localdate() - datetime.timedelta(days=200))
        evidence = hardship.attach_evidence(admin, entry, _pdf("proof.pdf"), f"{MARK}证明")
        field = extra_fields.save_extra_field(admin, key="rank", label="职级", kind="text")
        clerk = staff.invite_staff(admin, email="clerk@example.test", role=Role.VIEWER, node=east).invitation.user
        ids_past(Rule, "beta")  # every unit starts with its preset rules: ids the new one must not share
        rule = rules.create_rule(admin, {"name": "年度走访", "trigger": "occasion", "occasion": "double_ninth",
                                         "task_kind": "visit", "lead_days": 14, "audience": {}}, generate=False)
        task = CareTask.objects.create(rule=rule, version=rule.current, member=member, kind=TaskKind.VISIT,
                                       occurs_on=last_week, opens_on=last_week, due_on=timezone.localdate(),
                                       assignee=secretary, status=TaskStatus.OPEN, reason=f"{MARK}任务")
        visit = records.record_visit(admin, member, visited_on=last_week, occasion=f"{MARK}走访",
                                     visitors=[secretary], notes=f"{MARK}记录")
        photo = records.add_photo(admin, visit, SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
        talk = records.record_talk(admin, member, held_on=last_week, topic=f"{MARK}谈心", participants=[secretary],
                                   summary=f"{MARK}摘要", confidential_notes=f"{MARK}隐私")
        partnership = pairing.assign_partner(admin, member, secretary, note=f"{MARK}结对")
        fund = funds.create_fund(admin, east, name=f"{MARK}基金")
        ledger_entry = ledger.post_entry(admin, fund, kind="dues", amount="1000.00", purpose=f"{MARK}用途",
                                         counterparty=f"{MARK}单位")
        receipt = ledger.attach(admin, ledger_entry, _pdf("receipt.pdf"), f"{MARK}收据")
        application = applications.create_application(secretary, member, category="low_income",
                                                      reason=f"{MARK}申请", amount_requested="300.00", fund=fund)
        application_evidence = applications.attach_evidence(secretary, application, _pdf("evidence.pdf"),
                                                             f"{MARK}申请证明")
        share_rule = funds.save_rule(admin, category="disaster", legs=[{"level": "general_branch", "percent": "30"},
                                                                       {"level": "committee", "percent": "70"}])
        account = funds.link_member(admin, clerk, member)
        link = disclosure.create_link(admin, fund, year=timezone.localdate().year)
        notice = Notice.objects.create(body=f"{MARK}通知", filters={"node": east.pk}, recipients=1,
                                       created_by=secretary)
        message = outbox.queue(None, key="route-isolation", category=Category.NOTICE, to=member.phone,
                               body=f"{MARK}通知", member=member, notice=notice)
        # Recorded by phone alone: it belongs to the subtrees whose members use the phone, the east's only.
        opt_out = optouts.record_opt_out(admin, phone=member.phone, scope="greetings", source="staff",
                                         note=f"{MARK}退订")
        window = windows.set_window(admin, member, send_from="08:00", send_until="18:00")
        contacts.set_contact_plan(admin, member, preferred="both", reads_sms=False)
        reach = Reach.objects.create(member=member, occasion="route-isolation", purpose="notices",
                                     category=Category.NOTICE, notice=notice, steps=[["sms"], ["task"]],
                                     step=1, status="task", body=f"{MARK}通知", task=task)
        Rung.objects.bulk_create([
            Rung(reach=reach, step=0, kind="sms", message=message, result="undelivered", settled_at=timezone.now()),
            Rung(reach=reach, step=1, kind="task", result="task", settled_at=timezone.now())])
        template = templates.save_template(admin, key="meeting", language="zh-hans", category="notice",
                                           body="{member_name}同志：请参加支部会议。")
        run = ReportRun.objects.create(kind=ReportKind.VISITS, node=east, requested_by=secretary,
                                       status=RunStatus.DONE, params={"label": f"{MARK}报告"})
        run.pdf.save("run.pdf", ContentFile(PDF))
        batch = imports.stage_import(secretary, _members_file(), "members", filename=f"{MARK}.csv")
        column = ColumnMapping.objects.create(kind="members", header=f"{MARK}列", target="")
        event = AuditEvent.objects.filter(object_type="member").latest("pk")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("members.csv", f"{MARK}\n")
        export = UnitExport.objects.create(unit=staff_.unit, status=UnitExport.Status.DONE, requested_by=admin,
                                           file=default_storage.save("exports/route.zip", archive))
        made = dict(
            node=node, member=member, entry=entry, evidence=evidence, field=field, clerk=clerk, rule=rule, task=task,
            visit=visit, photo=photo, talk=talk, partnership=partnership, fund=fund, ledger_entry=ledger_entry,
            receipt=receipt, application=application, application_evidence=application_evidence,
            share_rule=share_rule, account=account, link=link, notice=notice, message=message, opt_out=opt_out,
            window=window, template=template, run=run, batch=batch, event=event, export=export, column=column)
    connection.set_schema_to_public()
    return World({name: (type(value), value.pk) for name, value in made.items()})


@pytest.fixture(name="world")
def world_fixture(alpha, media):
    return make_world(alpha)


# Requests --------------------------------------------------------------------------------------------------------

def path_of(route: Route, world: World | None, value=None) -> str:
    """The route's URL with the world's objects, or with `value` in place of every object id."""
    from django.urls import reverse

    arguments = {}
    for argument, source in ROUTES[route.name][1].items():
        if OBJECT_ARGUMENT.search(argument):
            arguments[argument] = MISSING if value is not None else world.id(source)
        else:
            arguments[argument] = source
    path = reverse(route.name, urlconf=urls_tenant, kwargs=arguments)
    return path.replace(str(MISSING), str(value)) if value is not None else path


def send(client, route: Route, method: str, path: str):
    """An empty body: JSON to the API (multipart where an upload is expected), a form post to the portal."""
    if route.api and method != "post":
        return getattr(client, method)(path, content_type="application/json")
    if route.api:
        response = client.post(path, {}, content_type="application/json")
        if response.status_code != 415:
            return response
    return getattr(client, method)(path, {})


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def client_of(staff_: Staff, user=None):
    client = logged_in(staff_, user)
    client.raise_request_exception = False  # a 500 is a finding to list, not the end of the walk
    client.cookies["django_language"] = "en"
    return client


def check(client, world, *, refused, routes=OBJECT_ROUTES) -> list[str]:
    """Try every route and method; `refused(route, method)` -> the statuses allowed. Returns what went wrong."""
    wrong = []
    for route in routes:
        path = path_of(route, world)
        for method in route.methods:
            response = send(client, route, method, path)
            body = body_of(response)
            allowed = refused(route, method)
            if response.status_code not in allowed:
                wrong.append(f"{method.upper()} {path} ({route.name}): {response.status_code}, expected {allowed}")
            elif MARK in body:
                wrong.append(f"{method.upper()} {path} ({route.name}): the east's data in the answer")
            if route.api and response.status_code >= 400 and response["Content-Type"] != "application/json":
                wrong.append(f"{method.upper()} {path} ({route.name}): not the API's error shape")
    return wrong


def scope(route: Route) -> str:
    return ROUTES[route.name][0]


def test_another_unit_finds_nothing(world, alpha, beta):
    with schema_context(beta.unit.schema_name):  # the ids really are unknown there
        known = [name for name, (model, pk) in world.objects.items()
                 if model._meta.db_table.startswith(("registers_", "programme_", "fund_", "notifications_",
                                                     "reports_")) and model.objects.filter(pk=pk).exists()]
    assert known == [], "beta has rows with these ids: move the sequence past them (ids_past)"
    wrong = check(client_of(beta), world, refused=lambda route, method: {404, 405})
    assert not wrong, "\n".join(wrong)


def test_a_sibling_subtree_finds_nothing(world, alpha):
    def refused(route, method):
        if scope(route) == UNIT and method == "get":  # the unit's shared definitions: read by every scope
            return {200, 405}
        return {403, 404, 405}

    wrong = check(client_of(alpha, alpha.sibling), world, refused=refused)
    assert not wrong, "\n".join(wrong)


def test_a_viewer_changes_nothing(world, alpha):
    """Every write is refused; a portal page that answers a POST as it answers a GET (a detail page, a file)
    is a read."""
    viewer, wrong = client_of(alpha, alpha.viewer), []
    for route in OBJECT_ROUTES:
        path = path_of(route, world)
        for method in set(route.methods) - {"get"}:
            response = send(viewer, route, method, path)
            if response.status_code in (403, 404, 405):
                continue
            read = send(viewer, route, "get", path)
            if route.api or (read.status_code, read["Content-Type"]) != (200, response["Content-Type"]):
                wrong.append(f"{method.upper()} {path} ({route.name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_owner_reaches_every_route(world, alpha):
    """The control: the objects are real, so the 404s above are refusals, not typos. Each request is rolled back
    (a POST may delete the node the next route needs)."""
    admin, secretary = client_of(alpha), client_of(alpha, alpha.secretary)
    wrong = []
    for route in OBJECT_ROUTES:
        client = secretary if scope(route) == OWNER else admin
        path = path_of(route, world)
        for method in route.methods:
            with transaction.atomic():
                response = send(client, route, method, path)
                transaction.set_rollback(True)
            if response.status_code == 404 or response.status_code >= 500:
                wrong.append(f"{method.upper()} {path} ({route.name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("value", [MISSING, "abc", "1.5", "-1"])
def test_unknown_or_malformed_ids_are_404(alpha, value):
    client = client_of(alpha)
    wrong = []
    for route in OBJECT_ROUTES:
        path = path_of(route, None, value)
        for method in route.methods:
            response = send(client, route, method, path)
            if response.status_code not in (404, 405):
                wrong.append(f"{method.upper()} {path} ({route.name}): {response.status_code}")
            elif path.startswith("/api/") and response["Content-Type"] != "application/json":
                wrong.append(f"{method.upper()} {path} ({route.name}): not the API's error shape")
    assert not wrong, "\n".join(wrong)
