import collections
import pytest
from . import test_api_schema_contract as c
from .test_api_schema_contract import *  # noqa

STATS = collections.defaultdict(collections.Counter)

@pytest.fixture(autouse=True)
def record(monkeypatch):
    original = c.Caller.call_and_validate
    def call(self, case):
        try:
            r = case.call(base_url=f"http://{self.host}", headers={"Authorization": f"Token {self.token}"})
            STATS[case.operation.label][r.status_code] += 1
        finally:
            pass
    monkeypatch.setattr(c.Caller, "call_and_validate", call)
    yield
    ok = sum(1 for v in STATS.values() if any(200 <= k < 300 for k in v))
    print("\nOPS", len(STATS), "with a 2xx:", ok)
    for label, counter in sorted(STATS.items()):
        if not any(200 <= k < 300 for k in counter):
            print("NO2XX", label, dict(counter))
    STATS.clear()
