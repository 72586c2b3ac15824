"""Structured logs and Sentry, both tagged with the unit, with no personal data leaving the process."""

import json
import logging
import re

import sentry_sdk
from django.db import connection

# Keys whose values may hold personal data: phones, names, addresses, message text, talk notes.
PERSONAL_KEYS = [
    "phone", "phone_number", "mobile", "to", "from_", "recipient", "name", "full_name", "first_name",
    "last_name", "username", "email", "address", "body", "text", "message", "content", "notes", "note",
    "reason", "member", "user",
    # Providers' secrets (a unit's Twilio token, its Alibaba Cloud AccessKey secret and push secret).
    "token", "auth_token", "secret", "access_key_secret", "aliyun_access_key_secret",
]
# Chinese mobile numbers and E.164 numbers in free text (exception messages, breadcrumbs).
PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)|\+\d{8,15}")
# Runs of Chinese characters in event text are members' names, addresses or message text far more often than
# anything a developer needs; they are masked wherever they appear (locals, messages, breadcrumbs).
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
FILTERED = "[Filtered]"


def current_tenant() -> str:
    return getattr(connection, "schema_name", None) or "public"


class TenantLogFilter(logging.Filter):
    def filter(self, record):
        record.tenant = current_tenant()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors in Kubernetes index without parsing rules."""

    def format(self, record):
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "tenant": getattr(record, "tenant", None),
            "msg": PHONE_RE.sub(FILTERED, record.getMessage()),
        }
        if getattr(record, "task_id", None):
            payload["task_id"] = record.task_id
        if record.exc_info:
            payload["exc"] = PHONE_RE.sub(FILTERED, self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def _scrub_strings(value):
    if isinstance(value, str):
        return CJK_RE.sub(FILTERED, PHONE_RE.sub(FILTERED, value))
    if isinstance(value, dict):
        return {key: _scrub_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(item) for item in value]
    return value


def before_send(event, hint):
    """Tag the unit, drop request bodies and identities, and mask phones and Chinese text anywhere else."""
    request = event.get("request")
    if request:
        for key in ("data", "cookies", "query_string"):
            request.pop(key, None)
    event.pop("user", None)
    event = _scrub_strings(event)
    event.setdefault("tags", {})["tenant"] = current_tenant()
    return event


def init_sentry(dsn: str, environment: str, **options) -> None:
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        # The explicit form of send_default_pii=False: no identities, cookies, bodies or query strings.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": ["user-agent", "content-type", "host"]}},
            "database_query_data": False,
            "queues": False,
            "gen_ai": {"inputs": False, "outputs": False},
            "graphql": {"document": False, "variables": False},
            "stack_frame_variables": {"mode": "denylist", "terms": PERSONAL_KEYS},
        },
        max_request_body_size="never",
        before_send=before_send,
        before_send_transaction=before_send,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        **options,
    )
