import json
from .api_data import anonymous_api
from django.test import Client
from .conftest import PASSWORD

def test_dump(alpha):
    r = anonymous_api(alpha).get("/api/schema/", {"format": "json"})
    open("/tmp/h5/tenant.json", "w").write(json.dumps(r.json(), indent=1, ensure_ascii=False))
    c = Client(HTTP_HOST="localhost")
    from carehub.accounts.models import User
    from django.db import connection; connection.set_schema_to_public()
    op = User.objects.get(email="operator@carehub.test")
    c.force_login(op)
    r = c.get("/api/v1/platform/schema/", {"format": "json"})
    print(r.status_code, r["Content-Type"])
    open("/tmp/h5/platform.json", "wb").write(r.content)
