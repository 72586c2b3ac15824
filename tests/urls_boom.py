"""The unit URLs plus a view that fails, holding personal data in its locals (Sentry scrubbing tests)."""

from carehub.urls_tenant import urlpatterns as unit_urlpatterns
from django.urls import path


def boom(request):
    phone = "+8613912345678"
    name = "王建国"  # noqa: F841
    body = "王建国 您好，明天上午走访。"  # noqa: F841
    raise RuntimeError(f"SMS to {phone} failed")  # names and text stay in locals; the phone is in the message


urlpatterns = [*unit_urlpatterns, path("boom/", boom)]
