"""Production settings: `check --deploy` is clean with production variables, HTTPS behind an ingress (scheme, host,
HSTS, redirect, Twilio's signed public URL), the Content-Security-Policy, S3 media and JSON logs on stdout.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from notifications.signatures import is_valid_twilio_request

ROOT = Path(__file__).resolve().parent.parent
CAREHUB = str(ROOT / ".venv" / "bin" / "carehub")
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Vt8YqZ-production-like-secret-key-of-more-than-fifty-characters-9xQ",
    "DATABASE_URL": "postgres://carehub:secret@db.example.internal:5432/carehub",
    "REDIS_URL": "redis://:secret@redis.example.internal:6379/0",
    "CAREHUB_BASE_DOMAIN": "guanai.example.cn",
    "CAREHUB_SSL_REDIRECT": "1",  # as the Helm chart sets it
    "LOG_LEVEL": "WARNING",
}


def carehub(*args: str, **env: str) -> subprocess.CompletedProcess:
    """A fresh process with only the given variables (plus PATH/HOME), as a container gets them."""
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **PRODUCTION, **env}
    return subprocess.run([CAREHUB, *args], env=clean, capture_output=True, text=True, timeout=120, cwd=ROOT)


SHOW_SETTINGS = """
import json
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
keys = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", "CAREHUB_CSP"]
shown = {key: getattr(settings, key, None) for key in keys}
shown["storage"] = type(default_storage).__module__ + "." + type(default_storage).__name__
shown["bucket"] = getattr(default_storage, "bucket_name", None)
shown["endpoint"] = getattr(default_storage, "endpoint_url", None)
print(json.dumps(shown))
"""


def test_check_deploy_is_clean_with_production_variables():
    done = carehub("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_settings_behind_an_ingress_with_s3_media():
    done = carehub("shell", "-c", SHOW_SETTINGS, CAREHUB_S3_BUCKET="carehub-media",
                   CAREHUB_S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["SESSION_COOKIE_SECURE"] and shown["CSRF_COOKIE_SECURE"] and shown["SECURE_SSL_REDIRECT"]
    assert shown["SECURE_HSTS_SECONDS"] >= 31536000 and shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["USE_X_FORWARDED_HOST"] is True
    assert "form-action 'self' https://guanai.example.cn https://*.guanai.example.cn" in shown["CAREHUB_CSP"]
    assert shown["storage"] == "storages.backends.s3.S3Storage"
    assert (shown["bucket"], shown["endpoint"]) == ("carehub-media", "https://oss-cn-hangzhou.aliyuncs.com")


def test_without_a_bucket_media_stays_on_the_filesystem_and_compose_can_turn_the_proxy_off():
    done = carehub("shell", "-c", SHOW_SETTINGS, CAREHUB_BEHIND_PROXY="0", CAREHUB_PUBLIC_SCHEME="http")
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert shown["SECURE_PROXY_SSL_HEADER"] is None and not shown["USE_X_FORWARDED_HOST"]
    assert not shown["SESSION_COOKIE_SECURE"] and shown["SECURE_HSTS_SECONDS"] == 0


def test_logs_are_json_lines_on_stdout():
    done = carehub("shell", "-c", "import logging; logging.getLogger('carehub.deploy').warning('probe %s', 42)")
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["msg"]) == ("WARNING", "carehub.deploy", "probe 42")
    assert "probe" not in done.stderr


def test_behind_the_ingress_requests_are_https_with_hsts_and_csp(alpha):
    login = reverse("login", urlconf=settings.ROOT_URLCONF)
    response = Client().get(login, HTTP_HOST=alpha.host, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()
    assert response.wsgi_request.build_absolute_uri("/x") == f"https://{alpha.host}/x"
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


@override_settings(SECURE_SSL_REDIRECT=True)
def test_ssl_redirect_spares_the_probes(alpha):
    client = Client()
    assert client.get("/healthz", HTTP_HOST="10.1.2.3").status_code == 200
    response = client.get("/", HTTP_HOST=alpha.host)
    assert response.status_code == 301 and response["Location"].startswith(f"https://{alpha.host}/")
    assert client.get("/", HTTP_HOST=alpha.host, HTTP_X_FORWARDED_PROTO="https").status_code != 301


def test_twilio_signature_is_checked_against_the_public_url_behind_the_ingress(alpha):
    """Twilio signs https://<unit host>/<path>; gunicorn sees the pod's address and plain HTTP."""
    token, params, path = "auth-token", {"MessageSid": "SM1", "MessageStatus": "delivered"}, "/sms/status/?id=7"
    signature = RequestValidator(token).compute_signature(f"https://{alpha.host}{path}", params)
    request = RequestFactory().post(path, params, HTTP_HOST="10.1.2.3:8000", HTTP_X_FORWARDED_HOST=alpha.host,
                                    HTTP_X_FORWARDED_PROTO="https", HTTP_X_TWILIO_SIGNATURE=signature)
    assert is_valid_twilio_request(request, token)
    spoofed = RequestFactory().post(path, params, HTTP_HOST=alpha.host, HTTP_X_TWILIO_SIGNATURE=signature)
    assert not is_valid_twilio_request(spoofed, token)  # http:// is not what Twilio signed


# --- the image and the compose file mirror the tested install path ---------------------------------------------


def test_the_image_installs_what_the_tested_machines_install():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    services = (ROOT / "deploy" / "services.sh").read_text()
    assert "deploy/system-packages.txt" in dockerfile and "deploy/system-packages.txt" in services
    listed = [line for line in (ROOT / "deploy" / "system-packages.txt").read_text().splitlines()
              if line and not line.startswith("#")]
    assert {"fonts-wqy-zenhei", "libpango-1.0-0"} <= set(listed)
    if shutil.which("dpkg-query"):  # the machine running these tests installed them through services.sh
        status = subprocess.run([shutil.which("dpkg-query"), "-W", "-f=${Package} ${Status}\\n", *listed],
                                capture_output=True, text=True)
        assert status.stdout.count("install ok installed") == len(listed), status.stdout
    # Python dependencies: pyproject.toml's own list, then the project itself, as `make test` installs them.
    assert "tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']" in dockerfile
    assert "USER 10001" in dockerfile and "pip install --no-deps -e ." in dockerfile
    # The offline field work's browser libraries (Workbox, idb), vendored from the npm registry the same way.
    assert "deploy/vendor.sh" in dockerfile and "deploy/vendor.sh" in services


def test_compose_runs_web_a_worker_per_queue_beat_and_the_sms_sandbox():
    from carehub.celery import app

    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    commands = {name: service.get("command", []) for name, service in services.items()}
    queues = {arg.removeprefix("--queues=") for command in commands.values() for arg in command
              if arg.startswith("--queues=")}
    assert queues == {app.conf.task_default_queue, *app.conf.carehub_queues.values()}
    assert sum("beat" in command for command in commands.values()) == 1
    assert commands["sms-sandbox"][:2] == ["carehub", "sms_sandbox"]
    assert services["worker-sms"]["environment"]["TWILIO_API_BASE_URL"].endswith("web:8025}")
    assert commands["migrate"][:2] == ["carehub", "migrate"]
    for name in ("web", "worker", "worker-sms", "worker-reports", "beat", "migrate"):
        assert services[name]["read_only"] is True and services[name]["image"] == "carehub:local", name
