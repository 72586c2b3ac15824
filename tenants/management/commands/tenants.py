"""`carehub tenants create|list|suspend|resume|archive`: the operator's command line for units."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants import services
from tenants.models import Unit, UnitEvent, UnitKind

STATUS_ACTIONS = {
    "suspend": UnitEvent.Action.SUSPENDED,
    "resume": UnitEvent.Action.RESUMED,
    "archive": UnitEvent.Action.ARCHIVED,
}


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create, list, suspend, resume and archive units."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Onboard a new unit and invite its first admin.")
        create.add_argument("--slug", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=UnitKind.values)
        create.add_argument("--admin-email", required=True)
        create.add_argument("--admin-phone", default="")
        create.add_argument("--time-zone")
        create.add_argument("--language")
        create.add_argument("--json", action="store_true")
        listing = actions.add_parser("list", help="List units with their status and URL.")
        listing.add_argument("--json", action="store_true")
        for name in STATUS_ACTIONS:
            change = actions.add_parser(name, help=f"{name.capitalize()} a unit.")
            change.add_argument("slug")
            change.add_argument("--note", default="")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "create":
                return self.create(options)
            if action == "list":
                return self.list(options)
            return self.change(action, options)
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None

    def create(self, options):
        result = services.onboard_unit(
            None, slug=options["slug"], name=options["name"], kind=options["kind"],
            admin_email=options["admin_email"], admin_phone=options["admin_phone"],
            time_zone=options["time_zone"], language=options["language"], source="cli",
        )
        if options["json"]:
            self.stdout.write(json.dumps({
                "slug": result.unit.slug, "schema": result.unit.schema_name, "url": result.url,
                "invitation_url": result.invitation_url, "presets": result.presets,
            }, ensure_ascii=False))
            return
        self.stdout.write(self.style.SUCCESS(f"Created {result.unit.name} ({result.unit.slug})"))
        self.stdout.write(f"URL:        {result.url}")
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

    def change(self, action, options):
        unit = Unit.objects.units().filter(slug=options["slug"]).first()
        if unit is None:
            raise CommandError(f"No unit with the slug {options['slug']!r}.")
        unit = services.change_status(None, unit, STATUS_ACTIONS[action], note=options["note"], source="cli")
        self.stdout.write(self.style.SUCCESS(f"{unit.slug}: {unit.status}"))
