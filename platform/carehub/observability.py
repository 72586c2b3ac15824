"""Structured logs and Sentry, both tagged with the unit, with no personal data leaving the process."""

import json
import logging
import re

import sentry_sdk
from django.db import connection
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

# Keys whose values may hold personal data: phones, names, addresses, message text, talk notes.
PERSONAL_KEYS = [
    "phone", "phone_number", "mobile", "to", "from_", "recipient", "name", "full_name", "first_name",
    "last_name", "username", "email", "address", "body", "text", "message", "content", "notes", "note",
    "reason", "member", "user",
]
# Chinese mobile numbers and E.164 numbers in free text (exception messages, breadcrumbs).
PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)|\+\d{8,15}")
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
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def _scrub_strings(value):
    if isinstance(value, str):
        return PHONE_RE.sub(FILTERED, value)
    if isinstance(value, dict):
        return {key: _scrub_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(item) for item in value]
    return value


def before_send(event, hint):
    """Tag the unit, drop request bodies and identities, and mask phone numbers anywhere in the event."""
    event.setdefault("tags", {})["tenant"] = current_tenant()
    request = event.get("request")
    if request:
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("query_string", None)
    event.pop("user", None)
    return _scrub_strings(event)


def init_sentry(dsn: str, environment: str, **options) -> None:
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        max_request_body_size="never",
        event_scrubber=EventScrubber(
            denylist=DEFAULT_DENYLIST + DEFAULT_PII_DENYLIST + PERSONAL_KEYS, recursive=True
        ),
        before_send=before_send,
        before_send_transaction=before_send,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        **options,
    )
