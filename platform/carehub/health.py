"""Kubernetes probes. Answered before tenant routing, because probes address the pod, not a unit's domain."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

PROBES = {"/healthz", "/readyz"}


def readiness() -> dict[str, str]:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is for the operator
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    return checks


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PROBES:
            return self.get_response(request)
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        checks = readiness()
        ready = all(value == "ok" for value in checks.values())
        return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)
