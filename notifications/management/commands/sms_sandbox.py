"""`carehub sms_sandbox`: run the local Twilio and Alibaba Cloud stand-in (notifications.sandbox) until interrupted.

    carehub sms_sandbox --port 8025 --latency-ms 50 --account AC...:token --aliyun LTAI...:secret

Accounts: every --account SID:TOKEN (subaccounts are just more accounts); without any, TWILIO_ACCOUNT_SID and
TWILIO_AUTH_TOKEN from the environment; when those are empty too, the fixed development pair
AC00000000000000000000000000000000 / sandbox-development-token, which settings then need as well. Point the
platform at it with TWILIO_API_BASE_URL=http://127.0.0.1:8025 (ALIYUN_SMS_ENDPOINT follows it in development).
Alibaba Cloud AccessKeys: every --aliyun ID:SECRET, else the development pair LTAI00000000000000000000 /
sandbox-aliyun-development-secret; a unit saving its own AccessKey in development tells the sandbox (with its push
URLs) through POST /_sandbox/aliyun/accounts. Failure injection and other settings can be changed while it runs:
POST /_sandbox/config with JSON (see notifications/sandbox/gateway.py and aliyun.py). Voice calls (Twilio's Calls
API, notifications/sandbox/voice.py): GET /_sandbox/calls?to=... shows what each phone heard; press a key in a call
waiting for one with POST /_sandbox/calls/<sid>/press {"digit": "1"}.
"""

import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.sandbox import DEVELOPMENT_ACCOUNT, DEVELOPMENT_ALIYUN_KEY, SandboxGateway


class Command(BaseCommand):
    help = "Run the local Twilio-compatible SMS sandbox gateway."
    # It serves no Django view: the system checks would import every URLconf (WeasyPrint and all), cost a second
    # of start-up and could log to stdout before the readiness line.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
        parser.add_argument("--callback-delay-ms", type=int, default=500, help="before each status callback")
        parser.add_argument("--account", action="append", default=[], metavar="SID:TOKEN")
        parser.add_argument("--aliyun", action="append", default=[], metavar="ACCESS_KEY_ID:SECRET",
                            help="an Alibaba Cloud AccessKey the sandbox knows")
        parser.add_argument("--inbound-url", default="", help="where simulated replies are posted")

    def handle(self, *args, **options):
        accounts = dict(self._account(value) for value in options["account"])
        if not accounts:
            accounts = dict([(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
                             if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN else DEVELOPMENT_ACCOUNT])
        keys = dict(self._aliyun_key(value) for value in options["aliyun"]) or dict([DEVELOPMENT_ALIYUN_KEY])
        try:
            gateway = SandboxGateway(options["host"], options["port"], accounts, keys,
                                     latency_ms=options["latency_ms"],
                                     callback_delay_ms=options["callback_delay_ms"],
                                     inbound_url=options["inbound_url"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self.stdout.write(f"SMS sandbox gateway at {gateway.url} (accounts: {', '.join(accounts)}; "
                          f"Alibaba Cloud AccessKeys: {', '.join(keys)})")
        self.stdout.flush()  # a pipe is block-buffered: whoever waits for this line must get it now
        with contextlib.suppress(KeyboardInterrupt):
            gateway.serve_forever()

    @staticmethod
    def _account(value: str) -> tuple[str, str]:
        sid, _, token = value.partition(":")
        if not sid.startswith("AC") or not token:
            raise CommandError(f"--account must be SID:TOKEN with an AC... SID, not {value!r}")
        return sid, token

    @staticmethod
    def _aliyun_key(value: str) -> tuple[str, str]:
        access_key_id, _, secret = value.partition(":")
        if not access_key_id or not secret:
            raise CommandError(f"--aliyun must be ACCESS_KEY_ID:SECRET, not {value!r}")
        return access_key_id, secret
