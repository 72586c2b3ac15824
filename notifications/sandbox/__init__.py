"""A local stand-in for Twilio's Messages API: `make run` starts it (`carehub sms_sandbox`) and tests run it
in-process (tests/sms_gateway.py). It creates, fetches and lists messages with Twilio's paths, JSON and errors,
sends status callbacks signed as Twilio signs them, and injects latency and failures on demand."""

from notifications.sandbox.gateway import BEHAVIOURS, DEVELOPMENT_ACCOUNT, Config
from notifications.sandbox.inbox import sandbox_inbox
from notifications.sandbox.server import SandboxGateway

__all__ = ["BEHAVIOURS", "DEVELOPMENT_ACCOUNT", "Config", "SandboxGateway", "sandbox_inbox"]
