"""In development, what the sandbox gateway "delivered" to each phone (the portal's sandbox page).

The gateway is asked over HTTP at TWILIO_API_BASE_URL, where `make run` points the sender, and never imported:
the portal has no business loading a stand-in server. Against the real Twilio the page is off and nothing is
asked."""

from urllib.parse import urlsplit

import requests
from django.conf import settings


def _is_twilio(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").endswith("twilio.com")


def enabled() -> bool:
    """Development only, and only when messages go to a local sandbox gateway rather than to Twilio."""
    return settings.DEBUG and not _is_twilio(settings.TWILIO_API_BASE_URL)


def inbox(phone: str, timeout: float = 2) -> list[dict] | None:
    """Messages the sandbox accepted for `phone`, oldest first (dicts in Twilio's JSON shape plus
    status_callback), or None when no sandbox answers at TWILIO_API_BASE_URL."""
    base = settings.TWILIO_API_BASE_URL.rstrip("/")
    if _is_twilio(base):  # never send a phone number to the real Twilio for this
        return None
    try:
        response = requests.get(f"{base}/_sandbox/messages", params={"to": phone}, timeout=timeout)
        response.raise_for_status()
        return response.json()["messages"]
    except (requests.RequestException, ValueError, KeyError):
        return None
