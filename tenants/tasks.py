from carehub.accounts.operators import operator_actor
from carehub.celery import app
from carehub.tasks import PlatformTask
from tenants.models import UnitExport
from tenants.services.export import build_export


@app.task(base=PlatformTask)
def export_unit(export_id: int):
    """Carries its unit in the export row, not in the message headers: it runs in public and reads the unit's
    schema explicitly, so an archived unit (which no UnitTask may enter) can be exported too."""
    export = UnitExport.objects.select_related("unit").filter(pk=export_id, status=UnitExport.Status.PENDING).first()
    if export is None:
        return None
    try:
        build_export(export)
    except Exception as error:
        UnitExport.objects.filter(pk=export_id).update(status=UnitExport.Status.FAILED, error=str(error)[:2000])
        raise
    return export.file


def request_export(actor, unit) -> UnitExport:
    """Queue an export of the unit; the task starts once this transaction commits."""
    export = UnitExport.objects.create(unit=unit, requested_by=operator_actor(actor))
    export_unit.delay_on_commit(export.pk)
    return export
