"""What the sandbox "delivered" to a phone, for the development inbox page. Only meaningful when
TWILIO_API_BASE_URL points at the sandbox (`make run` does that); against real Twilio it returns None."""

from urllib.parse import urlsplit

import requests
from django.conf import settings


def sandbox_inbox(phone: str, timeout: float = 2) -> list[dict] | None:
    """Messages the sandbox accepted for `phone`, oldest first (dicts in Twilio's JSON shape plus
    status_callback), or None when no sandbox answers at TWILIO_API_BASE_URL."""
    base = settings.TWILIO_API_BASE_URL.rstrip("/")
    if urlsplit(base).hostname.endswith("twilio.com"):  # never send a phone number to the real Twilio for this
        return None
    try:
        response = requests.get(f"{base}/_sandbox/messages",
                                params={"to": phone}, timeout=timeout)
        response.raise_for_status()
        return response.json()["messages"]
    except (requests.RequestException, ValueError, KeyError):
        return None
