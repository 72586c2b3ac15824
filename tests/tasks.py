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
