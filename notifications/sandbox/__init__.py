"""A local stand-in for Twilio's Messages API: `make run` starts it (`carehub sms_sandbox`) and tests run it
in-process (tests/sms_gateway.py). It creates, fetches and lists messages with Twilio's paths, JSON and errors,
sends status callbacks signed as Twilio signs them, and injects latency and failures on demand. The portal's
sandbox page asks it over HTTP (notifications.services.sandbox_phones), never imports it."""

from notifications.sandbox.gateway import BEHAVIOURS, DEVELOPMENT_ACCOUNT, Config
from notifications.sandbox.server import SandboxGateway

__all__ = ["BEHAVIOURS", "DEVELOPMENT_ACCOUNT", "Config", "SandboxGateway"]
