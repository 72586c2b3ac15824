"""Per-request unit behaviour: the unit's language and time zone (carehub.clock)."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from carehub.clock import activate_unit


class UnitLocaleMiddleware:
    """Language: the user's choice (cookie) first, then the unit's language. Time zone: the unit's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unit = getattr(request, "tenant", None)
        unit = None if getattr(unit, "is_platform", True) else unit
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not translation.check_for_language(language or ""):
            language = None
        with activate_unit(unit, language=language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Cookie",))
        return response
