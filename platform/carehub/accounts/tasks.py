from carehub.accounts import services
from carehub.celery import app
from carehub.tasks import PlatformTask, UnitTask, for_each_active_unit


@app.task(base=UnitTask)
def purge_expired():
    """Each unit keeps its own sessions table, so Django's `clearsessions` on public never reaches them."""
    return services.purge_expired()


@app.task(base=PlatformTask)
def fan_out_housekeeping():
    return len(for_each_active_unit(purge_expired))
