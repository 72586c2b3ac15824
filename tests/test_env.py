import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from carehub.env import env_bool, env_int, env_list, env_str


def test_typed_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_str("X_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize("name,value,reader", [
    ("X_BOOL", "maybe", env_bool),
    ("X_INT", "four", lambda name: env_int(name, 0)),
])
def test_malformed_values_fail_loudly(monkeypatch, name, value, reader):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        reader(name)


def test_required_value_missing_fails_loudly(monkeypatch):
    monkeypatch.delenv("X_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_SECRET"):
        env_str("X_SECRET", required=True)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "SECRET_KEY": "k", "DATABASE_URL": "postgres://x@y/z",
           "REDIS_URL": "redis://y:6379/0"}
    del env[missing]
    out = subprocess.run([sys.executable, "-c", "import carehub.settings"], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert f"{missing} must be set" in out.stderr
