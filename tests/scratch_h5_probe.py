import json
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from care.services import extra_fields
from .api_data import session_api, anonymous_api, V1
from .conftest import PASSWORD

def show(label, r):
    print(label, r.status_code, r.get("Content-Type"), r.content[:300].decode(errors="replace"))

def test_probe(alpha, settings):
    with schema_context("alpha"):
        extra_fields.save_extra_field(alpha.admin, key="rank", label="职级", kind="number")
        extra_fields.save_extra_field(alpha.admin, key="title", label="t", kind="text")
    api = session_api(alpha); api.client.raise_request_exception = False
    for p in [{"age_min": 2026}, {"age_max": 100000}, {"years_min": -1}, {"years_max": 1.5}, {"age_min": 80},
              {"extra.rank__gte": "abc"}, {"extra.nope": "1"}, {"extra.title__gte": "x"}, {"extra.rank__gte": "3"}, {"foo": 1}, {"page": 1, "page_size": 5, "ordering": "name"}]:
        show(p, api.get(f"{V1}/members/", p))
    show("export", api.get(f"{V1}/imports/export/members/", {"age_min": 2026}))
    show("prepare", api.post(f"{V1}/sms/notices/prepare/", {"body": "hi", "filters": {"age_min": 2026}}))
    show("405", api.client.put(f"{V1}/members/", "{}", content_type="application/json"))
    show("parse", api.client.post(f"{V1}/members/", "{name:", content_type="application/json"))
    show("unknown body", api.post(f"{V1}/nodes/", {"name": "x", "parent": alpha.nodes["east"].pk, "bogus": 1}))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    show("413", api.client.post(f"{V1}/members/", json.dumps({"name": "x" * 500}), content_type="application/json"))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 2**20
    show("nodes search", api.get(f"{V1}/nodes/", {"search": "东"}))
    show("api/", api.get("/api/"))
    show("detail param", api.get(f"{V1}/nodes/{alpha.nodes['east'].pk}/", {"page": 1}))
    connection.set_schema_to_public()
    c = Client(HTTP_HOST="localhost", raise_request_exception=False)
    show("platform 404", c.get("/api/v1/platform/nothing/"))
    show("platform anon", c.get("/api/v1/platform/units/"))
