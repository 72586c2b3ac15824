"""In development, what the sandbox gateway "delivered" to each phone (the portal's sandbox page), and the
sandbox told a unit's Alibaba Cloud AccessKey and push URLs when they are saved, as one enters them in the
vendor's console.

The gateway is asked over HTTP at TWILIO_API_BASE_URL (ALIYUN_SMS_ENDPOINT for Alibaba Cloud, the same server in
development), where `make run` points the sender, and never imported: the portal has no business loading a
stand-in server. Against the real Twilio the page is off and nothing is asked, and nothing is ever sent to the
real Alibaba Cloud."""

import logging
from urllib.parse import urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


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


def register_aliyun(account, urls: dict[str, str], timeout: float = 2) -> bool:
    """Tell the local sandbox the unit's AccessKey (`account`) and push URLs ("report", "reply"); False when
    none answers, or Alibaba Cloud is the real one."""
    base = settings.ALIYUN_SMS_ENDPOINT.rstrip("/")
    if account is None or "aliyuncs.com" in base or "://" not in base:
        return False
    try:
        requests.post(f"{base}/_sandbox/aliyun/accounts", timeout=timeout, json={
            "access_key_id": account.sid, "access_key_secret": account.token,
            "report_url": urls.get("report", ""), "reply_url": urls.get("reply", "")}).raise_for_status()
    except requests.RequestException:
        logger.warning("the SMS sandbox did not take the unit's Alibaba Cloud account")
        return False
    return True
