"""Tasks used only by the tests, registered on the real Celery app."""

from django.db import connection

from carehub.accounts.models import User
from carehub.celery import app
from carehub.tasks import UnitTask


@app.task(base=UnitTask, name="tests.whoami")
def whoami():
    return {"schema": connection.schema_name, "emails": sorted(User.objects.values_list("email", flat=True))}


@app.task(base=UnitTask, name="tests.fetch_user")
def fetch_user(user_id):
    user = User.objects.filter(pk=user_id).first()
    return user.email if user else None


@app.task(base=UnitTask, name="tests.surroundings")
def surroundings():
    """What a unit task runs in: the unit's zone and language, and the audit source."""
    from django.utils import timezone, translation

    from carehub.audit.services import current_source

    return {"zone": timezone.get_current_timezone_name(), "language": translation.get_language(),
            "source": current_source()}
