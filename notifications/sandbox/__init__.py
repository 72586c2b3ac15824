"""A local stand-in for Twilio's Messages API and Alibaba Cloud's SMS API, on one port: `make run` starts it
(`carehub sms_sandbox`) and tests run it in-process (tests/sms_gateway.py). It creates, fetches and lists
messages with Twilio's paths, JSON and errors and sends status callbacks signed as Twilio signs them; it takes
Alibaba Cloud's SendSms and QuerySendDetails from the official SDK, checks their signatures, and pushes delivery
reports and replies as the vendor does; it injects latency and failures on demand. The portal's sandbox page asks
it over HTTP (notifications.services.sandbox_phones), never imports it."""

from notifications.sandbox.gateway import BEHAVIOURS, DEVELOPMENT_ACCOUNT, DEVELOPMENT_ALIYUN_KEY, Config
from notifications.sandbox.server import SandboxGateway

__all__ = ["BEHAVIOURS", "DEVELOPMENT_ACCOUNT", "DEVELOPMENT_ALIYUN_KEY", "Config", "SandboxGateway"]
