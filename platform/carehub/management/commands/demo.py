"""`carehub demo`: a platform operator and four demo units with staff, organisation trees, members, their status
history, extra fields and hardship ledgers that look real (see care/registers/demo*.py), their care programmes and
funds, billing: plans, subscriptions, usage and invoices (billing/demo.py), and contact plans: about one member in
ten called instead of texted, a few both (notifications/demo.py).

Idempotent: units, accounts, nodes, scopes and extra fields that exist are left alone, and the registers are only
topped up to the asked size (a member comes with their ledger entries and history), so running it again changes
nothing and prints the same summary. Every account uses the demo password. Never run it against a production
database.
"""

import random
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone, translation
from django_tenants.utils import get_public_schema_name, schema_context

from billing import demo as billing_demo
from care.fund import demo as fund_demo
from care.programme import demo as programme_demo
from care.registers.demo import EXTRA_FIELDS, GIVEN_NAMES, generate_records, years_before
from care.registers.demo_trees import DemoTree, tree_for
from care.registers.models import (
    ExtraField,
    HardshipEntry,
    HardshipReview,
    Member,
    MemberStatus,
    Node,
    NodeKind,
    StaffScope,
    StatusChange,
)
from care.registers.services.extra_fields import save_extra_field
from care.registers.services.nodes import create_node
from carehub.accounts.models import Invitation, Role, User
from carehub.audit.models import Source
from carehub.audit.services import source
from carehub.clock import unit_today
from notifications import demo as notifications_demo
from tenants.models import Unit, UnitKind
from tenants.services import onboarding as services

DEMO_PASSWORD = "carehub-demo-2026"  # noqa: S105 - a published demo password, for demo data only
OPERATOR_EMAIL = "operator@carehub.local"
# A quick first `make run`; `--members 38169` gives Ganjingzi's real size for benchmarks.
DISTRICT_MEMBERS = 2000


@dataclass(frozen=True)
class DemoStaff:
    local: str  # the part of the e-mail address before @<slug>.demo
    role: str
    full_name: str
    phone: str
    scope: tuple | None = None  # names of a node below the root; None: the whole unit
    sensitive: bool = False  # may see sensitive hardship categories (admins always may)


@dataclass(frozen=True)
class DemoUnit:
    slug: str
    name: str
    kind: str
    members: int
    staff: tuple


def _staff(admin, secretary, sibling, treasurer, viewer, scope, sibling_scope):
    return (
        DemoStaff("admin", Role.ADMIN, *admin),
        DemoStaff("secretary", Role.SECRETARY, *secretary, scope=scope, sensitive=True),
        DemoStaff("secretary2", Role.SECRETARY, *sibling, scope=sibling_scope),
        DemoStaff("treasurer", Role.TREASURER, *treasurer),
        DemoStaff("viewer", Role.VIEWER, *viewer),
    )


DEMO_UNITS = [
    DemoUnit("ganjingzi", "甘井子区委", UnitKind.DISTRICT, DISTRICT_MEMBERS, _staff(
        ("王建华", "+8613904112301"), ("李丽娟", "+8613804112302"), ("高志强", "+8613504112305"),
        ("孙海涛", "+8615904112303"), ("于晓燕", "+8618604112304"), ("红旗街道",), ("甘井子街道",))),
    DemoUnit("dlsz", "大连市第四中学党委", UnitKind.SCHOOL, 120, _staff(
        ("刘志刚", "+8613940812401"), ("张红梅", "+8613840812402"), ("曲立新", "+8613540812405"),
        ("姜丽华", "+8615140812403"), ("陈思雨", "+8618740812404"), ("文科党总支",), ("理科党总支",))),
    DemoUnit("dlyy", "大连市中心医院党委", UnitKind.HOSPITAL, 200, _staff(
        ("赵宏伟", "+8613998612501"), ("杨海燕", "+8613898612502"), ("宫晓东", "+8613598612505"),
        ("曲春燕", "+8615898612503"), ("周佳琪", "+8618098612504"), ("内科党总支",), ("外科党总支",))),
    DemoUnit("xinxing", "新星集团党委", UnitKind.ENTERPRISE, 60, _staff(
        ("黄国强", "+8613700112601"), ("吴秀华", "+8613600112602"), ("隋永胜", "+8613300112605"),
        ("徐永刚", "+8615600112603"), ("郭婷", "+8618900112604"), ("生产党支部",), ("销售党支部",))),
]


def staff_email(unit_slug: str, local: str) -> str:
    return f"{local}@{unit_slug}.demo"


PLURALS = {"community": "communities", "branch": "branches", "general branch": "general branches",
           "entry": "entries"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else PLURALS.get(noun, noun + 's')}"


@cache
def _password_hash() -> str:
    """Hash once (PBKDF2 is deliberately slow) and give every demo account the same hash."""
    return make_password(DEMO_PASSWORD)


class Command(BaseCommand):
    help = "Create (idempotently) a platform operator and four demo units with staff, trees, members and ledgers."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=DISTRICT_MEMBERS,
                            help="Members in the district unit (Ganjingzi has 38169); default %(default)s.")

    def handle(self, *args, **options):
        if options["members"] < 0:
            raise CommandError("--members must be zero or more.")
        self.verbosity = options["verbosity"]
        today = unit_today()
        with schema_context(get_public_schema_name()):
            if not Unit.objects.filter(schema_name=get_public_schema_name()).exists():
                raise CommandError("The database is not migrated: run `carehub migrate` first.")
            self.ensure_operator()
            plans = billing_demo.ensure_plans()
        rows = []
        for index, spec in enumerate(DEMO_UNITS):
            target = options["members"] if index == 0 else spec.members
            unit = self.ensure_unit(spec)
            self.timings = {}
            started = time.perf_counter()
            with schema_context(unit.schema_name), transaction.atomic(), source(Source.COMMAND):
                tree = tree_for(spec.kind)
                admin = self.ensure_admin(spec)
                nodes = self.ensure_tree(unit, spec, tree, admin)
                staff = self.ensure_staff(spec, nodes)
                self.ensure_extra_fields(spec, admin)
                self.lap("tree, staff and fields", started)
                created = self.top_up(spec, tree, nodes, admin, staff, target, today)
                programme_started = time.perf_counter()
                programme_demo.ensure_programme(spec.kind, admin, staff, today)
                self.lap("care programme", programme_started)
                fund_started = time.perf_counter()
                fund_demo.ensure_funds(spec.kind, nodes, admin, staff, today)
                self.lap("care fund", fund_started)
                billing_demo.ensure_billing(unit, plans, today)
                plans_started = time.perf_counter()
                notifications_demo.ensure_contact_plans(spec.slug)
                self.lap("contact plans", plans_started)
                rows.append(self.describe(unit, spec, nodes, today))
            if created:
                laps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
                self.progress(f"{unit.slug}: {created} members added in {time.perf_counter() - started:.1f} s "
                              f"({laps})")
        self.summary(rows)

    def lap(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[name] = now - started
        return now

    def progress(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stdout.write(message)

    def ensure_operator(self) -> None:
        if User.objects.filter(email=OPERATOR_EMAIL).exists():
            return
        operator = User.objects.create_superuser(OPERATOR_EMAIL, None, full_name="平台运营")
        operator.password = _password_hash()
        operator.save(update_fields=["password"])
        self.progress(f"operator {OPERATOR_EMAIL} created")

    def ensure_unit(self, spec: DemoUnit) -> Unit:
        unit = Unit.objects.filter(slug=spec.slug).first()
        if unit is not None:
            return unit
        admin = spec.staff[0]
        onboarded = services.onboard_unit(None, slug=spec.slug, name=spec.name, kind=spec.kind,
                                          admin_email=staff_email(spec.slug, admin.local),
                                          admin_phone=admin.phone, source="demo")
        self.progress(f"{spec.slug}: unit onboarded")
        return onboarded.unit

    def ensure_admin(self, spec: DemoUnit) -> User:
        """The first admin, invited at onboarding: skip the invitation (spend its link) and activate it."""
        staff = spec.staff[0]
        user = self._ensure_user(spec, staff)
        if not user.is_active and not user.has_usable_password():
            user.password = _password_hash()
            user.full_name = user.full_name or staff.full_name
            user.is_active = True
            user.save(update_fields=["password", "full_name", "is_active"])
            Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
            self.progress(f"{spec.slug}: {user.email} activated")
        return user

    def _ensure_user(self, spec: DemoUnit, staff: DemoStaff) -> User:
        email = staff_email(spec.slug, staff.local)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(email=email, password=_password_hash(), full_name=staff.full_name,
                                       phone=staff.phone, role=staff.role, is_active=True)
            self.progress(f"{spec.slug}: {email} created")
        return user

    def ensure_staff(self, spec: DemoUnit, nodes: dict) -> list[tuple[str, User]]:
        """Every account of the unit and its scope; returns (subtree path, user) of the secretaries."""
        secretaries = []
        for staff in spec.staff[1:]:
            user = self._ensure_user(spec, staff)
            node = nodes[staff.scope] if staff.scope else None
            StaffScope.objects.get_or_create(user=user, defaults={"node": node, "can_view_sensitive": staff.sensitive})
            if staff.role == Role.SECRETARY and node is not None:
                secretaries.append((node.path, user))
        return secretaries

    def ensure_tree(self, unit: Unit, spec: DemoUnit, tree: DemoTree, admin: User) -> dict:
        """Create the nodes of `tree` that are missing; returns {names below the root: Node}, the root at ()."""
        rng = random.Random(f"carehub-demo:{spec.slug}:officers")
        secretaries = {staff.scope: staff.full_name for staff in spec.staff if staff.scope}
        existing = list(Node.objects.order_by("path"))
        by_id = {node.pk: node for node in existing}
        nodes = {}
        for node in existing:
            ids = [int(part) for part in node.path.strip("/").split("/")]
            if by_id[ids[0]].name == unit.name:
                nodes[tuple(by_id[pk].name for pk in ids[1:])] = node
        created = 0
        for names, kind in [((), tree.root_kind), *((node.names, node.kind) for node in tree.nodes)]:
            surname = rng.choice("王李张刘陈杨赵孙于徐姜曲高林郭马宋郑")
            officer = secretaries.get(names) or surname + rng.choice(GIVEN_NAMES[("mid", rng.choice("mf"))])
            office = (f"0411-8{rng.randint(0, 9_999_999):07d}" if kind != NodeKind.BRANCH
                      else f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}")
            if names in nodes:
                continue
            parent = nodes[names[:-1]] if names else None
            nodes[names] = create_node(admin, parent=parent, name=names[-1] if names else unit.name, kind=kind,
                                       secretary=officer, contact=office)
            created += 1
        if created:
            self.progress(f"{spec.slug}: {created} organisations created")
        return nodes

    def ensure_extra_fields(self, spec: DemoUnit, admin: User) -> None:
        present = set(ExtraField.objects.values_list("key", flat=True))
        for position, field in enumerate(EXTRA_FIELDS[spec.kind], start=1):
            if field["key"] not in present:
                save_extra_field(admin, position=position, **field)

    def top_up(self, spec: DemoUnit, tree: DemoTree, nodes: dict, admin: User, secretaries: list, target: int,
               today) -> int:
        """Bring the register up to `target` members, each with their history and ledger; returns how many
        were created. Members already present count towards the target, so running this again creates nobody.
        """
        existing = Member.objects.count()
        if existing >= target:
            return 0
        started = time.perf_counter()
        records = generate_records(spec.kind, target, seed=f"carehub-demo:{spec.slug}", today=today, tree=tree)
        new = [record for index, record in enumerate(records) if index >= existing]
        for record in new:
            record.member.node = nodes[record.node.names]
        started = self.lap("generated", started)
        Member.objects.bulk_create([record.member for record in new], batch_size=2000)
        started = self.lap("members saved", started)

        def officer(member):
            """The secretary whose subtree holds the member keeps their ledger; the admin otherwise."""
            path = member.node.path
            return next((user for prefix, user in secretaries if path.startswith(prefix)), admin)

        StatusChange.objects.bulk_create(
            [StatusChange(member=record.member, from_status=change.from_status, to_status=change.to_status,
                          effective_on=change.effective_on, note=change.note, by=officer(record.member))
             for record in new for change in record.history], batch_size=2000)
        pairs = [(record.member, entry) for record in new for entry in record.entries]
        entries = HardshipEntry.objects.bulk_create(
            [HardshipEntry(member=member, category=entry.category, level=entry.level, reason=entry.reason,
                           opened_on=entry.opened_on, closed_on=entry.closed_on, review_due_on=entry.review_due_on,
                           created_by=officer(member)) for member, entry in pairs], batch_size=2000)
        HardshipReview.objects.bulk_create(
            [HardshipReview(entry=saved, outcome=review.outcome, note=review.note, changes=review.changes,
                            reviewed_on=review.reviewed_on, reviewed_by=officer(member))
             for saved, (member, entry) in zip(entries, pairs, strict=True) for review in entry.reviews],
            batch_size=2000)
        self.lap("history and ledger saved", started)
        return len(new)

    def describe(self, unit: Unit, spec: DemoUnit, nodes: dict, today) -> dict:
        kinds = Node.objects.values_list("kind").annotate(count=Count("pk"), depth=Min("depth")).order_by("depth")
        statuses = dict(Member.objects.values_list("status").annotate(count=Count("pk")))
        members = sum(statuses.values())
        entries = HardshipEntry.objects
        scopes = {}
        for staff in spec.staff[1:]:
            scope = StaffScope.objects.filter(user__email=staff_email(spec.slug, staff.local)).first()
            where = "whole unit" if scope is None or scope.node_id is None else scope.node.name
            scopes[staff.local] = where + (" · sees sensitive details" if scope and scope.can_view_sensitive else "")
        return {
            "unit": unit, "spec": spec,
            "kinds": sorted(kinds, key=lambda row: (row[2], NodeKind.values.index(row[0]))),
            "villages": Node.objects.filter(kind=NodeKind.COMMUNITY, name__endswith="村").count(),
            "members": members,
            "statuses": [(status, statuses[status]) for status in MemberStatus.values if statuses.get(status)],
            "aged": Member.objects.filter(birth_date__lte=years_before(today, 60)).count(),
            "in_ledger": entries.values("member").distinct().count(),
            "entries": entries.count(),
            "open": entries.filter(closed_on__isnull=True).count(),
            "due": entries.filter(closed_on__isnull=True, review_due_on__lte=today).count(),
            "reviews": HardshipReview.objects.count(),
            "history": StatusChange.objects.count(),
            "extra": "、".join(ExtraField.objects.values_list("label", flat=True)),
            "scopes": scopes,
            "programme": programme_demo.describe(today),
            "fund": fund_demo.describe(),
            "billing": billing_demo.describe(unit, today),
            "contacts": notifications_demo.describe(),
        }

    def summary(self, rows) -> None:
        with translation.override("en"):  # labels of kinds, roles and statuses, whatever LANGUAGE_CODE is
            self._summary(rows)

    def _summary(self, rows) -> None:
        write, bold = self.stdout.write, self.style.MIGRATE_HEADING
        write(bold("Carehub demo") + f" — every account's password: {DEMO_PASSWORD}")
        write("")
        write(bold("Platform console") + f"  {services.base_url(settings.CAREHUB_BASE_DOMAIN)}/")
        write(f"  {OPERATOR_EMAIL:<30} platform operator")
        write("  Two-factor login: after the password, the first sign-in shows a QR code and a key. Scan the code")
        write("  with an authenticator app (Google or Microsoft Authenticator, FreeOTP) and type the six digits it")
        write("  shows, or keep the key and compute the code in this folder:")
        write('''    .venv/bin/python -c "import pyotp; print(pyotp.TOTP('<key>').now())"''')
        write("  Every later sign-in asks for a fresh code the same way.")
        write("  Plans:")
        for line in billing_demo.plan_lines():
            write(f"    {line}")
        for row in rows:
            unit, spec = row["unit"], row["spec"]
            write("")
            write(bold(unit.name) + f"  ({unit.get_kind_display()}, {unit.slug})  {services.unit_url(unit)}")
            for staff in spec.staff:
                where = f" · {row['scopes'][staff.local]}" if staff.local in row["scopes"] else ""
                write(f"  {staff_email(spec.slug, staff.local):<30} {Role(staff.role).label}{where}")
            members = row["members"]
            share = f"{row['aged'] / members:.1%}" if members else "-"
            kinds = []
            for kind, count, _depth in row["kinds"]:
                kinds.append(_count(count, NodeKind(kind).label.lower()))
                if kind == NodeKind.COMMUNITY and row["villages"]:
                    kinds[-1] += f" ({row['villages']} of them villages)"
            kinds = ", ".join(kinds)
            statuses = ", ".join(f"{MemberStatus(status).label.lower()} {count}" for status, count in row["statuses"])
            write(f"  organisation: {kinds}")
            write(f"  members: {members} ({statuses}), aged 60+: {row['aged']} ({share}); "
                  f"status changes: {row['history']}")
            write(f"  hardship ledger: {_count(row['entries'], 'entry')} for "
                  f"{_count(row['in_ledger'], 'member')}, {row['open']} open, {row['due']} due for review today; "
                  f"{_count(row['reviews'], 'review')}")
            write(f"  extra fields: {row['extra']}")
            write(f"  {row['programme']}")
            write(f"  {row['fund']}")
            write(f"  {row['billing']}")
            write(f"  {row['contacts']}")
