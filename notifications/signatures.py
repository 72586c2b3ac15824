"""Is this webhook really from Twilio? Twilio signs the full URL it called plus the sorted POST parameters with
the sending account's auth token (HMAC-SHA1, header X-Twilio-Signature); we recompute it with twilio's own
RequestValidator.

The URL must be the PUBLIC one Twilio called. Behind a TLS-terminating proxy Django sees http://internal-host;
`request.build_absolute_uri()` gives https://public-host only when SECURE_PROXY_SSL_HEADER and
USE_X_FORWARDED_HOST are set (production settings do). TWILIO_WEBHOOK_BASE_URL, when set, replaces the scheme
and host outright, for proxies that cannot forward them.
"""

from django.conf import settings
from twilio.request_validator import SIGNATURE_HEADER, RequestValidator


def public_url(request) -> str:
    """The URL Twilio called, query string included."""
    base = settings.TWILIO_WEBHOOK_BASE_URL
    if base:
        return base.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


def is_valid_twilio_request(request, auth_token: str) -> bool:
    """True only for a form POST carrying a valid X-Twilio-Signature for `auth_token`; missing means False."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(public_url(request), request.POST, signature)
