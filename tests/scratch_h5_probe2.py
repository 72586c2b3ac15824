import json, traceback
from django.core.exceptions import RequestDataTooBig
from .api_data import session_api, V1

def test_probe(alpha, settings, monkeypatch):
    api = session_api(alpha); api.client.raise_request_exception = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    try:
        api.client.post(f"{V1}/members/", json.dumps({"name": "x" * 500}), content_type="application/json")
    except RequestDataTooBig:
        traceback.print_exc()
