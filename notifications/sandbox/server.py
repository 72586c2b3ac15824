"""The sandbox's HTTP side: Twilio's REST paths for Messages, Alibaba Cloud's RPC API (POST / with x-acs-action),
and /_sandbox/ control endpoints for tests and development.

One server for both vendors, on one port: `make run` starts one process and points TWILIO_API_BASE_URL at it,
and ALIYUN_SMS_ENDPOINT follows it in development (settings), so nothing in the start-up scripts changes; the
two APIs cannot be mistaken for each other (Twilio's paths start with /2010-04-01/, Alibaba Cloud's requests
are POST / carrying x-acs-action), and the sandbox page asks one server what a phone received from either.

A ThreadingHTTPServer speaking HTTP/1.1 keep-alive: one thread per client connection, so a pooled client (the
provider keeps its connections) costs no handshake per message, and 50 ms of simulated latency in one request
does not hold up the others.
"""

import base64
import binascii
import contextlib
import json
import logging
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from notifications.sandbox.aliyun import AliyunError, AliyunHold
from notifications.sandbox.gateway import DEVELOPMENT_ACCOUNT, ApiError, Config, Gateway, Hold
from notifications.sandbox.twilio_model import API_VERSION, error_body, public_view
from notifications.sandbox.voice import public_call

logger = logging.getLogger(__name__)

MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Messages(?:/(?P<sid>SM\w+))?\.json$")
CALLS = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>AC\w+)/Calls(?:/(?P<sid>CA\w+))?\.json$")
PRESS = re.compile(r"^/_sandbox/calls/(?P<sid>CA\w+)/press$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: bursts of new connections wait instead of being refused
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that dies mid-request (a worker killed on purpose) is normal here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CarehubTwilioSandbox/1.0"
    # Headers and body leave in two writes; with Nagle's algorithm the body then waits for the client's delayed
    # ACK (40 ms on Linux) and a keep-alive client gets half the throughput.
    disable_nagle_algorithm = True
    timeout = 300  # seconds an idle keep-alive connection keeps its thread

    @property
    def gateway(self) -> Gateway:
        return self.server.gateway

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def _route(self, method: str):
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        try:
            if url.path.startswith("/_sandbox/"):
                self._control(method, url.path, query)
            elif url.path == "/" and self.headers.get("x-acs-action"):
                self._aliyun(method, url)
            elif match := MESSAGES.match(url.path):
                self._api(method, match["account"], match["sid"], query)
            elif match := CALLS.match(url.path):
                self._calls_api(method, match["account"], match["sid"])
            else:
                raise ApiError(20404)
        except ApiError as error:
            self._json(*error_body(error.code), headers=error.headers)
        except Hold as hold:
            self._hold(201, public_view(hold.message))
        except AliyunHold as hold:
            self._hold(200, hold.answer)
        except ValueError as error:
            self._json(400, {"error": str(error)})
        except ConnectionError:  # the client went away (a sender killed mid-request): nobody to answer
            self.close_connection = True
        except Exception:  # a bug in the sandbox must look like a Twilio 500, not a dropped connection
            logger.exception("sandbox request failed")
            self._json(*error_body(20500))

    def _api(self, method: str, account: str, sid: str | None, query: dict):
        if self.gateway.config.latency_ms:
            time.sleep(self.gateway.config.latency_ms / 1000)
        form = self._form()
        self.gateway.authenticate(*self._basic_auth(), account)
        if method == "POST" and not sid:
            self._json(201, public_view(self.gateway.create(account, form)))
        elif method == "GET" and sid:
            self._json(200, public_view(self.gateway.fetch(account, sid)))
        elif method == "GET":
            self._list(account, query)
        else:
            raise ApiError(20404)

    def _calls_api(self, method: str, account: str, sid: str | None):
        """Twilio's Calls resource: create a call, fetch one."""
        if self.gateway.config.latency_ms:
            time.sleep(self.gateway.config.latency_ms / 1000)
        form = self._form()
        self.gateway.authenticate(*self._basic_auth(), account)
        if method == "POST" and not sid:
            self._json(201, public_call(self.gateway.create_call(account, form)))
        elif method == "GET" and sid:
            self._json(200, public_call(self.gateway.fetch_call(account, sid)))
        else:
            raise ApiError(20404)

    def _aliyun(self, method: str, url):
        """Alibaba Cloud's API: the request's signature checked against its AccessKey's secret, then the action."""
        if self.gateway.config.latency_ms:
            time.sleep(self.gateway.config.latency_ms / 1000)
        body = self._body()
        query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        side = self.gateway.aliyun
        try:
            access_key_id = side.authenticate(method, url.path, query, headers, body)
            self._json(200, side.call(headers["x-acs-action"], access_key_id, query))
        except AliyunError as error:
            self._json(error.status, error.body())

    def _list(self, account: str, query: dict):
        found = self.gateway.messages(account, to=query.get("To"), from_=query.get("From"))
        found.reverse()  # Twilio lists newest first
        size, page = int(query.get("PageSize", 50)), int(query.get("Page", 0))
        filters = "".join(f"&{key}={quote(query[key])}" for key in ("To", "From") if key in query)

        def page_uri(number):  # like Twilio's, keeping the filters
            return f"/{API_VERSION}/Accounts/{account}/Messages.json?PageSize={size}&Page={number}{filters}"

        more = (page + 1) * size < len(found)
        self._json(200, {
            "messages": [public_view(m) for m in found[page * size:(page + 1) * size]],
            "page": page, "page_size": size, "start": page * size, "end": min((page + 1) * size, len(found)) - 1,
            "uri": page_uri(page), "first_page_uri": page_uri(0),
            "previous_page_uri": page_uri(page - 1) if page else None,
            "next_page_uri": page_uri(page + 1) if more else None,
        })

    def _control(self, method: str, path: str, query: dict):
        gateway = self.gateway
        if path == "/_sandbox/messages" and method == "GET":
            found = gateway.messages(
                account_sid=query.get("account_sid"), to=query.get("to"), from_=query.get("from"),
                status=query.get("status"), body_contains=query.get("body_contains"))
            if not {"account_sid", "from", "status", "body_contains"} & set(query):  # Alibaba Cloud's too
                found += [aliyun_view(message) for message in gateway.aliyun.messages(to=query.get("to"))]
            self._json(200, {"messages": found})
        elif path == "/_sandbox/aliyun/accounts" and method == "POST":
            data = self._json_body()
            self._json(200, gateway.aliyun.register(
                data.get("access_key_id", ""), data.get("access_key_secret", ""),
                report_url=data.get("report_url", ""), reply_url=data.get("reply_url", "")))
        elif path == "/_sandbox/aliyun/reply" and method == "POST":
            data = self._json_body()
            hook = gateway.aliyun.reply(data.get("access_key_id", ""), data.get("from", ""), data.get("body", ""),
                                        sign_name=data.get("sign_name", ""))
            self._json(200, hook.as_dict())
        elif path == "/_sandbox/calls" and method == "GET":
            self._json(200, {"calls": gateway.voice.calls(to=query.get("to"))})
        elif (match := PRESS.match(path)) and method == "POST":
            pressed = gateway.voice.press(match["sid"], str(self._json_body().get("digit", "")))
            self._json(200 if pressed else 409, {"pressed": pressed})
        elif path == "/_sandbox/config":
            changes = self._json_body() if method == "POST" else {}
            self._json(200, gateway.configure(**changes))
        elif path == "/_sandbox/reset" and method == "POST":
            gateway.reset()
            self._json(200, {"reset": True})
        elif path == "/_sandbox/callbacks" and method == "GET":
            self._json(200, {"callbacks": [hook.as_dict() for hook in gateway.dispatcher.recorded]})
        elif path == "/_sandbox/inbound" and method == "POST":
            data = self._json_body()
            hook = gateway.inbound(data.get("from", ""), data.get("to", ""), data.get("body", ""),
                                   url=data.get("url", ""), account_sid=data.get("account_sid", ""),
                                   messaging_service_sid=data.get("messaging_service_sid", ""))
            self._json(200, hook.as_dict())
        else:
            self._json(404, {"error": "not found"})

    # --- reading and writing ---------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _form(self) -> dict:
        return {key: values[-1] for key, values in parse_qs(self._body().decode(), keep_blank_values=True).items()}

    def _json_body(self) -> dict:
        body = self._body()
        return json.loads(body) if body else {}

    def _basic_auth(self) -> tuple[str | None, str | None]:
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None, None
        try:
            sid, _, token = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        return sid, token

    def _json(self, status: int, payload: dict, headers: dict | None = None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _hold(self, status: int, payload: dict):
        """Answer only after the client gave up: it cannot know that the message exists."""
        self.server.stopping.wait(self.gateway.config.hold_seconds)
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client hung up, as intended
            self._json(status, payload)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        logger.debug("sandbox %s", format % args)


def aliyun_view(message: dict) -> dict:
    """An Alibaba Cloud message as the development inbox lists messages (Twilio's names for the same things)."""
    status = {1: "sent", 2: "undelivered", 3: "delivered"}[message["send_status"]]
    return {"provider": "aliyun", "sid": message["biz_id"], "to": message["to"], "body": message["content"],
            "status": status, "error_code": message["err_code"] if status == "undelivered" else None,
            "date_created": message["send_date"]}


class SandboxGateway:
    """A Twilio-compatible Messages API and an Alibaba Cloud SMS API on a local port, in a background thread.

        gateway = SandboxGateway(port=0, accounts={"AC...": "token"}, latency_ms=50).start()
        gateway.url            # http://127.0.0.1:PORT, the TWILIO_API_BASE_URL (and ALIYUN_SMS_ENDPOINT)
        gateway.configure(numbers={"+8613800000001": "undeliverable"})
        gateway.messages(to="+8613800000001")
        gateway.stop()

    `accounts` maps account (or subaccount) SIDs to auth tokens, `aliyun_keys` AccessKey IDs to secrets;
    keyword arguments are Config fields.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, accounts: dict[str, str] | None = None,
                 aliyun_keys: dict[str, str] | None = None, **config):
        self.gateway = Gateway(accounts or dict([DEVELOPMENT_ACCOUNT]), Config().update(config), aliyun_keys)
        self.server = _Server((host, port), Handler)
        self.server.gateway = self.gateway
        self.server.stopping = threading.Event()
        self._thread = threading.Thread(target=self.server.serve_forever, name="sms-sandbox", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def accounts(self) -> dict[str, str]:
        return self.gateway.accounts

    def start(self) -> "SandboxGateway":
        self._thread.start()
        return self

    def stop(self):
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.gateway.stop()

    def serve_forever(self):
        """Serve in the calling thread (the management command) until interrupted."""
        try:
            self.server.serve_forever()
        finally:
            self.server.stopping.set()
            self.server.server_close()
            self.gateway.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Conveniences for tests and the development inbox.
    def configure(self, **changes) -> dict:
        return self.gateway.configure(**changes)

    def reset(self):
        self.gateway.reset()

    def messages(self, **filters) -> list[dict]:
        return self.gateway.messages(**filters)

    def callbacks(self) -> list:
        """Webhooks kept in "record" mode, in the order they were made."""
        return list(self.gateway.dispatcher.recorded)

    def inbound(self, from_: str, to: str, body: str, **options):
        return self.gateway.inbound(from_, to, body, **options)

    def calls(self, to: str | None = None) -> list[dict]:
        """The calls placed (with what each phone heard: `said`, the key pressed: `digits`)."""
        return self.gateway.voice.calls(to=to)

    def press(self, sid: str, digit: str) -> bool:
        """Press a key in a call waiting for one (its <Gather>); False when it is not waiting."""
        return self.gateway.voice.press(sid, digit)

    @property
    def aliyun(self):
        """The Alibaba Cloud side: `register(...)` an AccessKey and its push URLs, `messages(...)`, `reply(...)`."""
        return self.gateway.aliyun

    def wait_for(self, predicate, timeout: float = 10, interval: float = 0.02):
        """Wait until predicate() is truthy and return its value; AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value or time.monotonic() > deadline:
                if not value:
                    raise AssertionError(f"sandbox: condition not met within {timeout} s")
                return value
            time.sleep(interval)

