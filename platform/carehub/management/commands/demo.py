"""`carehub demo`: a platform operator and four demo units with staff and realistic members.

Idempotent: units, accounts and members that exist are left alone (registers are only topped up to the
asked size), so running it again changes nothing and prints the same summary. Every account uses the demo
password. Never run it against a production database.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from care.registers.demo import top_up_members, years_before
from care.registers.models import Member, Node, NodeKind
from care.services.nodes import create_node
from carehub.accounts.models import Invitation, Role, User
from tenants import services
from tenants.models import Unit, UnitKind

DEMO_PASSWORD = "carehub-demo-2026"  # noqa: S105 - a published demo password, for demo data only
OPERATOR_EMAIL = "operator@carehub.local"


@dataclass(frozen=True)
class DemoUnit:
    slug: str
    name: str
    kind: str
    members: int
    staff: tuple  # (role, full name, phone)


DEMO_UNITS = [
    DemoUnit("ganjingzi", "甘井子区委", UnitKind.DISTRICT, 400, (
        (Role.ADMIN, "王建华", "+8613904112301"), (Role.SECRETARY, "李丽娟", "+8613804112302"),
        (Role.TREASURER, "孙海涛", "+8615904112303"), (Role.VIEWER, "于晓燕", "+8618604112304"))),
    DemoUnit("dlsz", "大连市第四中学党委", UnitKind.SCHOOL, 120, (
        (Role.ADMIN, "刘志刚", "+8613940812401"), (Role.SECRETARY, "张红梅", "+8613840812402"),
        (Role.TREASURER, "姜丽华", "+8615140812403"), (Role.VIEWER, "陈思雨", "+8618740812404"))),
    DemoUnit("dlyy", "大连市中心医院党委", UnitKind.HOSPITAL, 200, (
        (Role.ADMIN, "赵宏伟", "+8613998612501"), (Role.SECRETARY, "杨海燕", "+8613898612502"),
        (Role.TREASURER, "曲春燕", "+8615898612503"), (Role.VIEWER, "周佳琪", "+8618098612504"))),
    DemoUnit("xinxing", "新星集团党委", UnitKind.ENTERPRISE, 60, (
        (Role.ADMIN, "黄国强", "+8613700112601"), (Role.SECRETARY, "吴秀华", "+8613600112602"),
        (Role.TREASURER, "徐永刚", "+8615600112603"), (Role.VIEWER, "郭婷", "+8618900112604"))),
]


def staff_email(unit_slug: str, role: str) -> str:
    return f"{role}@{unit_slug}.demo"


@cache
def _password_hash() -> str:
    """Hash once (PBKDF2 is deliberately slow) and give every demo account the same hash."""
    return make_password(DEMO_PASSWORD)


class Command(BaseCommand):
    help = "Create (idempotently) a platform operator and four demo units with staff and members."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=DEMO_UNITS[0].members,
                            help="Members in the district unit (Ganjingzi has 38169); default %(default)s.")

    def handle(self, *args, **options):
        if options["members"] < 0:
            raise CommandError("--members must be zero or more.")
        self.verbosity = options["verbosity"]
        today = timezone.localdate()
        with schema_context(get_public_schema_name()):
            if not Unit.objects.filter(schema_name=get_public_schema_name()).exists():
                raise CommandError("The database is not migrated: run `carehub migrate` first.")
            self.ensure_operator()
        rows = []
        for index, spec in enumerate(DEMO_UNITS):
            target = options["members"] if index == 0 else spec.members
            unit = self.ensure_unit(spec)
            with schema_context(unit.schema_name), transaction.atomic():
                self.ensure_staff(unit, spec)
                branches = self.ensure_tree(unit, spec)
                created = top_up_members(spec.kind, target, nodes=branches, seed=f"carehub-demo:{spec.slug}",
                                         today=today)
                if created:
                    self.progress(f"{unit.slug}: {created} members added")
                members = Member.objects.count()
                aged = Member.objects.filter(birth_date__lte=years_before(today, 60)).count()
            rows.append((unit, spec, members, aged))
        self.summary(rows)

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
        admin_role, _name, admin_phone = spec.staff[0]
        onboarded = services.onboard_unit(None, slug=spec.slug, name=spec.name, kind=spec.kind,
                                          admin_email=staff_email(spec.slug, admin_role),
                                          admin_phone=admin_phone, source="demo")
        self.progress(f"{spec.slug}: unit onboarded")
        return onboarded.unit

    def ensure_staff(self, unit: Unit, spec: DemoUnit) -> None:
        """Inside the unit's schema: the admin invited at onboarding is activated, the others created active."""
        for role, full_name, phone in spec.staff:
            email = staff_email(spec.slug, role)
            user = User.objects.filter(email=email).first()
            if user is None:
                User.objects.create(email=email, password=_password_hash(), full_name=full_name, phone=phone,
                                    role=role, is_active=True)
                self.progress(f"{spec.slug}: {email} created")
            elif not user.is_active and not user.has_usable_password():
                # The first admin from onboarding: skip the invitation and spend its link.
                user.password = _password_hash()
                user.full_name = user.full_name or full_name
                user.is_active = True
                user.save(update_fields=["password", "full_name", "is_active"])
                Invitation.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
                self.progress(f"{spec.slug}: {email} activated")

    def ensure_tree(self, unit: Unit, spec: DemoUnit) -> list[Node]:
        """A committee with three general branches of three branches each; returns the branches."""
        if not Node.objects.exists():
            admin = User.objects.get(email=staff_email(spec.slug, Role.ADMIN))
            root = create_node(admin, parent=None, name=unit.name, kind=NodeKind.COMMITTEE)
            for first in ("第一", "第二", "第三"):
                general = create_node(admin, parent=root, name=f"{first}党总支", kind=NodeKind.GENERAL_BRANCH)
                for second in ("第一", "第二", "第三"):
                    create_node(admin, parent=general, name=f"{first}总支{second}支部", kind=NodeKind.BRANCH)
        return list(Node.objects.filter(children__isnull=True).order_by("path"))

    def summary(self, rows) -> None:
        write, bold = self.stdout.write, self.style.MIGRATE_HEADING
        write(bold("Carehub demo") + f" — every account's password: {DEMO_PASSWORD}")
        write("")
        write(bold("Platform console") + f"  {services.base_url(settings.CAREHUB_BASE_DOMAIN)}/")
        write(f"  {OPERATOR_EMAIL:<28} platform operator")
        for unit, spec, members, aged in rows:
            write("")
            write(bold(unit.name) + f"  ({unit.get_kind_display()}, {unit.slug})  {services.unit_url(unit)}")
            for role, _full_name, _phone in spec.staff:
                write(f"  {staff_email(spec.slug, role):<28} {Role(role).label}")
            share = f"{aged / members:.1%}" if members else "-"
            write(f"  members: {members}, aged 60+: {aged} ({share})")
