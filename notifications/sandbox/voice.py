"""The sandbox's voice side: Twilio's Calls resource and what Twilio does with a call, so that `make run` and the
tests place calls without a telephone network.

POST /2010-04-01/Accounts/<AC>/Calls.json (To, From, Url, StatusCallback, StatusCallbackEvent, MachineDetection,
Timeout) answers with the call's JSON (status "queued"), then, after `callback_delay_ms`, the call "rings" and,
by the number's behaviour (the same `next` / `numbers` / `rates` as messages):

- busy, no_answer, call_failed: no TwiML is fetched; the status callback says busy, no-answer or failed;
- machine: answered by a machine (AnsweredBy machine_start when MachineDetection is on): the TwiML is fetched,
  then the call completes;
- otherwise a person answers: the TwiML is fetched from Url (a signed form POST: CallSid, AccountSid, From, To,
  CallStatus in-progress, Direction, AnsweredBy human), its verbs are followed: <Say> texts are kept (what the
  phone "heard"), <Gather> waits for a key, which `POST /_sandbox/calls/<sid>/press {"digit": "1"}` gives (or
  `presses` per number, at once), for `key_wait_ms` at most (then the verbs after it run, as Twilio does when its
  timeout passes); a key is posted to the Gather's action (Digits) and the TwiML it answers is followed too;
  <Hangup> or the end of the document ends the call: status callback "completed" with CallDuration
  (`call_seconds`).

Every request to our app is signed exactly as Twilio signs (X-Twilio-Signature over the full URL and the POST
parameters, with the account's token) and always POSTed, even when callbacks are "record" (a TwiML fetch needs
our answer); with callbacks "off" a call stays queued. GET /_sandbox/calls?to=... lists calls with what was said.
"""

import threading
import time
import xml.etree.ElementTree as ElementTree  # noqa: S405 - parses only our own app's TwiML, in development

import requests

from notifications.sandbox.callbacks import _loopback, signed
from notifications.sandbox.twilio_model import API_VERSION, E164, new_sid, twilio_date

NOT_ANSWERED = {"busy": "busy", "no_answer": "no-answer", "call_failed": "failed"}
BEHAVIOURS = {*NOT_ANSWERED, "machine"}


class VoiceSide:
    def __init__(self, gateway):
        self.gateway = gateway
        self._calls: dict[str, dict] = {}
        self._keys: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def reset(self):
        with self._lock:
            self._calls.clear()
            for event in self._keys.values():
                event.set()
            self._keys.clear()
            self._generation += 1

    # --- the Calls resource ------------------------------------------------------------------------------------

    def create(self, account_sid: str, form: dict, refused) -> dict:
        """Place a call (`refused`: raises the gateway's ApiError for a behaviour refused at create)."""
        to, from_, url = form.get("To", ""), form.get("From", ""), form.get("Url", "")
        if not to or not from_ or not (url or form.get("Twiml")):
            refused("missing")
        behaviour = self.gateway.behaviour(to) if E164.match(to) else "invalid"
        refused(behaviour)
        sid, now = new_sid("CA"), twilio_date()
        call = {"sid": sid, "account_sid": account_sid, "to": to, "from": from_, "status": "queued",
                "direction": "outbound-api", "api_version": API_VERSION, "date_created": now, "date_updated": now,
                "start_time": None, "end_time": None, "duration": None, "answered_by": None,
                "uri": f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json",
                # Not in Twilio's JSON; the control endpoints show them.
                "url": url, "status_callback": form.get("StatusCallback", ""),
                "machine_detection": form.get("MachineDetection", ""), "said": [], "digits": "",
                "awaiting_key": False, "hooks": []}
        with self._lock:
            self._calls[sid] = call
        if self.gateway.config.callbacks != "off":
            generation = self._generation
            delay = self.gateway.config.callback_delay_ms / 1000
            threading.Thread(target=self._run, args=(call, behaviour, delay, generation), daemon=True,
                             name=f"sandbox-call-{sid[-6:]}").start()
        return call

    def fetch(self, account_sid: str, sid: str) -> dict | None:
        with self._lock:
            call = self._calls.get(sid)
            return dict(call) if call and call["account_sid"] == account_sid else None

    def calls(self, to: str | None = None) -> list[dict]:
        with self._lock:
            return [dict(call) for call in self._calls.values() if to is None or call["to"] == to]

    def press(self, sid: str, digit: str) -> bool:
        """A key pressed in call `sid`; False when the call is not waiting for one."""
        with self._lock:
            call, event = self._calls.get(sid), self._keys.get(sid)
            if call is None or event is None or not call["awaiting_key"] or event.is_set():
                return False
            call["digits"] = str(digit)[:1]
            event.set()
            return True

    # --- what Twilio does with the call -----------------------------------------------------------------------

    def _run(self, call: dict, behaviour: str, delay: float, generation: int):
        time.sleep(delay)
        if generation != self._generation:
            return
        if behaviour in NOT_ANSWERED:
            self._end(call, NOT_ANSWERED[behaviour], answered=False)
            return
        self._update(call, status="in-progress", start_time=twilio_date())
        if call["machine_detection"]:
            call["answered_by"] = "machine_start" if behaviour == "machine" else "human"
        document = self._post(call, call["url"], {})
        self._follow(call, document, generation)
        if generation == self._generation:
            self._end(call, "completed", answered=True)

    def _follow(self, call: dict, document, generation: int, depth: int = 0):
        """Run a TwiML document's verbs until <Hangup>, its end, or a <Gather> whose key was posted (then the
        action's answer is followed instead)."""
        if document is None or depth > 3:
            return
        for verb in document:
            if generation != self._generation:
                return
            if verb.tag == "Say":
                self._said(call, verb.text or "")
            elif verb.tag == "Hangup":
                return
            elif verb.tag == "Gather":
                for inner in verb:
                    if inner.tag == "Say":
                        self._said(call, inner.text or "")
                digit = self._key(call)
                if digit:
                    answer = self._post(call, verb.get("action") or call["url"], {"Digits": digit,
                                                                                  "FinishedOnKey": ""})
                    self._follow(call, answer, generation, depth + 1)
                    return

    def _key(self, call: dict) -> str:
        preset = self.gateway.config.presses.get(call["to"], "")
        if preset:
            with self._lock:
                call["digits"] = preset
            return preset
        event = threading.Event()
        with self._lock:
            self._keys[call["sid"]] = event
            call["awaiting_key"] = True
        event.wait(self.gateway.config.key_wait_ms / 1000)
        with self._lock:
            call["awaiting_key"] = False
            self._keys.pop(call["sid"], None)
            return call["digits"]

    def _said(self, call: dict, text: str):
        with self._lock:
            call["said"].append(text)

    def _update(self, call: dict, **fields):
        with self._lock:
            call.update(fields, date_updated=twilio_date())

    def _end(self, call: dict, status: str, *, answered: bool):
        seconds = self.gateway.config.call_seconds if answered else 0
        self._update(call, status=status, end_time=twilio_date(), duration=str(seconds))
        if call["status_callback"]:
            self._post(call, call["status_callback"], {"CallDuration": str(seconds), "Duration": str(seconds and
                       -(-seconds // 60)), "CallbackSource": "call-progress-events", "Timestamp": twilio_date()})

    def _params(self, call: dict) -> dict:
        params = {"CallSid": call["sid"], "AccountSid": call["account_sid"], "From": call["from"], "To": call["to"],
                  "CallStatus": call["status"], "Direction": call["direction"], "ApiVersion": API_VERSION}
        if call["answered_by"]:
            params["AnsweredBy"] = call["answered_by"]
        return params

    def _post(self, call: dict, url: str, extra: dict):
        """POST a signed request to our app as Twilio would; the TwiML it answers, parsed (None if none)."""
        params = {**self._params(call), **extra}
        hook = signed(url, params, self.gateway.accounts[call["account_sid"]])
        target, headers = _loopback(url)
        headers["X-Twilio-Signature"] = hook.signature
        try:
            response = requests.post(target, data=params, headers=headers, timeout=10)
        except requests.RequestException:
            with self._lock:
                call["hooks"].append({"url": url, "status": None})
            return None
        with self._lock:
            call["hooks"].append({"url": url, "status": response.status_code})
        if response.status_code != 200 or "xml" not in response.headers.get("Content-Type", ""):
            return None
        try:
            return ElementTree.fromstring(response.content)  # noqa: S314 - our own app's answer
        except ElementTree.ParseError:
            return None


def public_call(call: dict) -> dict:
    hidden = {"url", "status_callback", "machine_detection", "said", "digits", "awaiting_key", "hooks"}
    return {key: value for key, value in call.items() if key not in hidden}
