"""Whole-unit data export: a zip with, per entity, a CSV (for spreadsheets) and a JSON file (exact values),
plus every attachment from MEDIA storage under attachments/. Secrets (password hashes, tokens, sessions,
invitation links) are left out. Runs in a background task (tenants.tasks.export_unit)."""

import csv
import io
import json
import tempfile
import zipfile

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import UnitEvent, UnitExport

SKIPPED_MODELS = {"sessions.session", "authtoken.token", "authtoken.tokenproxy", "accounts.invitation",
                  "contenttypes.contenttype", "auth.permission", "auth.group"}
SECRET_WORDS = ("password", "secret", "token", "auth_")
BATCH = 2000


def exported_models() -> list[type[models.Model]]:
    chosen = []
    for config in apps.get_app_configs():
        if config.name not in settings.TENANT_APPS:
            continue
        for model in config.get_models():
            if model._meta.label_lower not in SKIPPED_MODELS and not model._meta.proxy:
                chosen.append(model)
    return chosen


def _columns(model) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields
            if not any(word in field.name for word in SECRET_WORDS)]


def _write_model(archive: zipfile.ZipFile, model, attachments: set[str]) -> int:
    fields = _columns(model)
    names = [field.attname for field in fields]
    files = [field.attname for field in fields if isinstance(field, models.FileField)]
    rows = []
    for row in model.objects.order_by("pk").values_list(*names).iterator(chunk_size=BATCH):
        values = dict(zip(names, row, strict=True))
        attachments.update(values[name] for name in files if values[name])
        rows.append(values)
    base = f"data/{model._meta.app_label}.{model._meta.model_name}"
    archive.writestr(f"{base}.json", json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=names)
    writer.writeheader()
    writer.writerows({key: json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
                      if isinstance(value, dict | list) else value for key, value in row.items()} for row in rows)
    archive.writestr(f"{base}.csv", "\ufeff" + text.getvalue())  # BOM: Excel in China opens UTF-8 correctly
    return len(rows)


def build_export(export: UnitExport) -> UnitExport:
    unit = export.unit
    counts, attachments, missing = {}, set(), []
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive, schema_context(unit.schema_name):
            for model in exported_models():
                counts[model._meta.label_lower] = _write_model(archive, model, attachments)
            for name in sorted(attachments):
                if default_storage.exists(name):
                    with default_storage.open(name, "rb") as handle:
                        archive.writestr(f"attachments/{name}", handle.read())
                else:
                    missing.append(name)
            archive.writestr("manifest.json", json.dumps({
                "unit": {"name": unit.name, "slug": unit.slug, "kind": unit.kind},
                "exported_at": timezone.now().isoformat(), "rows": counts,
                "attachments": len(attachments) - len(missing), "missing_attachments": missing,
            }, ensure_ascii=False, indent=1))
        spool.seek(0)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        export.file = default_storage.save(f"exports/{unit.slug}/{unit.slug}-{stamp}.zip", File(spool))
    export.size = default_storage.size(export.file)
    export.status, export.finished_at = UnitExport.Status.DONE, timezone.now()
    export.save(update_fields=["file", "size", "status", "finished_at"])
    UnitEvent.objects.create(unit=unit, action=UnitEvent.Action.EXPORTED, actor_id=export.requested_by_id,
                             source="task", note=f"export={export.pk} rows={sum(counts.values())}")
    return export
