"""The unit URLs plus probe views: one that fails holding personal data in its locals (Sentry scrubbing) and
one that reports the request's active time zone and language."""

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone, translation

from carehub.urls_tenant import urlpatterns as unit_urlpatterns


def boom(request):
    phone = "+8613912345678"
    name = "王建国"  # noqa: F841
    body = "王建国 您好，明天上午走访。"  # noqa: F841
    raise RuntimeError(f"SMS to {phone} failed")  # names and text stay in locals; the phone is in the message


def zone(request):
    return JsonResponse({"time_zone": timezone.get_current_timezone_name(), "language": translation.get_language()})


urlpatterns = [*unit_urlpatterns, path("boom/", boom), path("zone/", zone)]
