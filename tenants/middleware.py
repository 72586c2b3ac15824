"""Per-request unit lifecycle: an archived unit does not exist to the outside, a suspended one is read-only."""

from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from tenants.models import UnitStatus

# What a suspended unit's staff may still post: signing in and out (API tokens too), and the language switch.
# The SMS providers' webhooks still record what happened to messages sent before the suspension (and STOP replies).
READ_ONLY_ALLOWED = {"login", "logout", "set_language", "api:token", "twilio_status", "twilio_inbound",
                     "aliyun_report", "aliyun_reply"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The read-only page's text (carehub/read_only.html), so it is translated already.
READ_ONLY_MESSAGE = "This unit is suspended, so nothing can be changed. Contact the platform operator to resume it."


class UnitStatusMiddleware:
    """An archived unit does not exist to the outside; a suspended one is read-only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unit = getattr(request, "tenant", None)
        if unit is not None and not unit.is_platform:
            if unit.status == UnitStatus.ARCHIVED:
                raise Http404
            if unit.is_read_only and request.method not in SAFE_METHODS and not self._allowed(request):
                if request.path_info.startswith("/api/"):  # API clients get the API's error format
                    return JsonResponse({"error": {"code": "unit_read_only", "message": _(READ_ONLY_MESSAGE),
                                                   "fields": {}}}, status=403)
                body = render_to_string("carehub/read_only.html", {"unit": unit}, request=request)
                return HttpResponseForbidden(body)
        return self.get_response(request)

    @staticmethod
    def _allowed(request) -> bool:
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return match.view_name in READ_ONLY_ALLOWED
