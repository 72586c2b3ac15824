"""`carehub tenants ...`: the operator's command line for units, the console's lifecycle calling the same services
(tenants.services.onboarding, tenants.services.lifecycle, tenants.tasks). Run `carehub tenants --help` for the list."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from carehub.accounts.services import clean_full_name
from tenants.models import Unit, UnitEvent, UnitKind
from tenants.services import lifecycle
from tenants.services import onboarding as services
from tenants.tasks import request_export

SOURCE = "cli"
STATUS_ACTIONS = {
    "suspend": (UnitEvent.Action.SUSPENDED, "Suspend a unit: its portal becomes read-only."),
    "resume": (UnitEvent.Action.RESUMED, "Resume a suspended unit."),
    "archive": (UnitEvent.Action.ARCHIVED, "Archive a unit: its portal answers 404, its data is kept."),
    "restore": (UnitEvent.Action.RESTORED, "Restore an archived unit, read-only."),
}


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "Onboard, list and run the lifecycle of units (as the operator console does)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        def action(name, help_text, *, slug=True):
            sub = actions.add_parser(name, help=help_text, description=help_text)
            if slug:
                sub.add_argument("slug")
            return sub

        create = action("create", "Onboard a new unit and invite its first admin.", slug=False)
        create.add_argument("--slug", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=UnitKind.values)
        create.add_argument("--admin-email", required=True)
        create.add_argument("--admin-name", required=True, help="The first admin's full name, as colleagues know "
                                                                "them; the unit's lists show it instead of the email.")
        create.add_argument("--admin-phone", default="")
        create.add_argument("--time-zone")
        create.add_argument("--language")
        create.add_argument("--json", action="store_true")
        action("list", "List units with their status and URL.", slug=False).add_argument("--json", action="store_true")
        for name, (_event, help_text) in STATUS_ACTIONS.items():
            action(name, help_text).add_argument("--note", default="")
        action("rename", "Give a unit another name.").add_argument("name")
        action("change-address", "Move a unit to {new slug}.{base domain}; its schema and data stay.").add_argument(
            "new_slug")
        action("resend-invitation", "Print a new one-time link for the first admin; earlier links stop working.")
        action("export", "Queue a whole-unit export (zip); the unit's admins download it in their portal.")
        action("exports", "List a unit's exports and where their files are.")
        action("request-deletion", "Ask to delete an archived unit; possible after the grace period.")
        action("cancel-deletion", "Withdraw a deletion request.")
        action("delete", "Drop an archived unit's schema for good, after the grace period.").add_argument(
            "--confirm", required=True, metavar="SLUG", help="The unit's slug typed again.")

    def handle(self, *args, **options):
        name = options["action"]
        try:
            if name in ("create", "list"):
                return getattr(self, name)(options)
            unit = self.unit(options["slug"])
            if name in STATUS_ACTIONS:
                return self.change_status(unit, STATUS_ACTIONS[name][0], options["note"])
            return getattr(self, name.replace("-", "_"))(unit, options)
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None

    @staticmethod
    def unit(slug: str) -> Unit:
        unit = Unit.objects.units().exclude(status="deleted").filter(slug=slug).first()
        if unit is None:
            raise CommandError(f"No unit with the slug {slug!r}.")
        return unit

    def done(self, message: str) -> None:
        self.stdout.write(self.style.SUCCESS(message))

    def create(self, options):
        clean_full_name(options["admin_name"], required=True)  # argparse lets "--admin-name ''" through
        result = services.onboard_unit(
            None, slug=options["slug"], name=options["name"], kind=options["kind"],
            admin_email=options["admin_email"], admin_name=options["admin_name"], admin_phone=options["admin_phone"],
            time_zone=options["time_zone"], language=options["language"], source=SOURCE,
        )
        if options["json"]:
            self.stdout.write(json.dumps({
                "slug": result.unit.slug, "schema": result.unit.schema_name, "url": result.url,
                "admin": {"full_name": result.admin_name, "email": result.admin_email},
                "invitation_url": result.invitation_url, "presets": result.presets,
            }, ensure_ascii=False))
            return
        self.done(f"Created {result.unit.name} ({result.unit.slug})")
        self.stdout.write(f"URL:        {result.url}")
        self.stdout.write(f"Admin:      {result.admin_name} <{result.admin_email}>")
        self.stdout.write(f"Invitation: {result.invitation_url}")
        self.stdout.write("The invitation link works once; send it to the first admin only.")

    def list(self, options):
        units = list(Unit.objects.units().prefetch_related("domains").order_by("slug"))
        rows = [{
            "slug": unit.slug, "name": unit.name, "kind": unit.kind, "status": unit.status,
            "url": services.unit_url(unit), "created": unit.created_at.isoformat(),
        } for unit in units]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(f"{row['slug']:<20} {row['status']:<10} {row['kind']:<11} {row['url']}  {row['name']}")

    def change_status(self, unit, action, note):
        unit = services.change_status(None, unit, action, note=note, source=SOURCE)
        self.done(f"{unit.slug}: {unit.status}")

    def rename(self, unit, options):
        unit = lifecycle.rename(None, unit, options["name"], source=SOURCE)
        self.done(f"{unit.slug}: renamed to {unit.name}")

    def change_address(self, unit, options):
        unit = lifecycle.change_address(None, unit, options["new_slug"].strip(), source=SOURCE)
        self.done(f"{unit.name} now lives at {services.unit_url(unit)}")

    def resend_invitation(self, unit, options):
        self.done(f"New invitation link for the first admin of {unit.slug} (send it to them only):")
        self.stdout.write(lifecycle.resend_invitation(None, unit, source=SOURCE))

    def export(self, unit, options):
        export = request_export(None, unit)
        self.done(f"Export {export.pk} of {unit.slug} queued. Its admins download it at "
                  f"{services.unit_url(unit)}support/ once it is ready (`carehub tenants exports {unit.slug}`).")

    def exports(self, unit, options):
        for export in unit.exports.all():
            self.stdout.write(f"{export.pk:<6} {when(export.created_at)}  {export.status:<8} {export.size:>12}  "
                              f"{export.file or export.error}")

    def request_deletion(self, unit, options):
        unit = lifecycle.request_deletion(None, unit, source=SOURCE)
        self.done(f"Deletion of {unit.slug} requested. Confirm it after {when(unit.delete_after)} with "
                  f"`carehub tenants delete {unit.slug} --confirm {unit.slug}`.")

    def cancel_deletion(self, unit, options):
        lifecycle.cancel_deletion(None, unit, source=SOURCE)
        self.done(f"{unit.slug}: no deletion pending.")

    def delete(self, unit, options):
        unit = lifecycle.delete_unit(None, unit, confirm_slug=options["confirm"], source=SOURCE)
        self.done(f"{unit.slug}: schema {unit.schema_name} dropped; the unit is {unit.status}.")
