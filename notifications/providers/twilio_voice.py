"""Voice calls through Twilio Programmable Voice, with the official client (the same client, account and base URL
as Twilio's SMS: notifications.providers.twilio), and the TwiML a call is answered with.

Twilio's call statuses (queued, ringing, in-progress, completed, busy, no-answer, failed, canceled) and its
answering-machine words (AnsweredBy: human, machine_start, machine_end_beep, fax, unknown, ...) are known here and
nowhere else: a status callback leaves this module as a neutral `CallReport` (providers.base.CallOutcome).

TwiML is built only with twilio.twiml.voice_response.VoiceResponse (escaping is the library's), never by
concatenating strings. The voice is Mandarin (`<Say language="cmn-CN" voice="Polly.Zhiyu">`).
"""

from twilio.twiml.voice_response import VoiceResponse

from notifications.providers.base import Account, CallOutcome, CallReport, Delivery, SendResult
from notifications.providers.twilio import provider_for

LANGUAGE = "cmn-CN"
VOICE = "Polly.Zhiyu"  # Amazon Polly's Mandarin voice, offered by Twilio's <Say>
RING_SECONDS = 30  # how long the phone rings before the call is "no-answer"
GATHER_SECONDS = 8  # how long Twilio waits for the key after the question

# Twilio's final call statuses in our words; the others (queued, initiated, ringing, in-progress) are on the way.
OUTCOMES = {"completed": CallOutcome.COMPLETED, "busy": CallOutcome.BUSY, "no-answer": CallOutcome.NO_ANSWER,
            "failed": CallOutcome.FAILED, "canceled": CallOutcome.FAILED}


def is_machine(answered_by: str) -> bool:
    """Twilio's AnsweredBy (only sent with MachineDetection): machine_start, machine_end_beep,
    machine_end_silence, machine_end_other and fax are not a person; human and unknown may be one."""
    return answered_by.startswith("machine") or answered_by == "fax"


class TwilioVoice:
    """Places calls from a unit's Twilio account (its own subaccount or the platform's)."""

    def __init__(self, account: Account):
        self.account = account
        self.sms = provider_for(account)  # its client, pooled HTTP connections and error translation

    def call(self, to: str, from_number: str, *, url: str, status_callback: str) -> SendResult:
        """Place a call that fetches its TwiML from `url` once answered (answering machines detected first) and
        reports its end to `status_callback`. Raises ProviderError as an SMS send does (ambiguous: the call may
        exist)."""
        client = self.sms.client
        call = self.sms._call(lambda: client.calls.create(
            to=to, from_=from_number, url=url, method="POST", status_callback=status_callback,
            status_callback_method="POST", status_callback_event=["completed"], machine_detection="Enable",
            timeout=RING_SECONDS))
        return SendResult(sid=call.sid, status=Delivery.QUEUED, segments=None)


def voice_for(account: Account) -> TwilioVoice:
    return TwilioVoice(account)


def call_report(fields) -> CallReport:
    """A status callback's (or a TwiML fetch's) form fields as a report on the call."""
    status = fields.get("CallStatus", "")
    machine = is_machine(fields.get("AnsweredBy", ""))
    outcome = OUTCOMES.get(status)
    if outcome == CallOutcome.COMPLETED and machine:
        outcome = CallOutcome.MACHINE
    try:
        seconds = max(int(fields.get("CallDuration") or 0), 0)
    except ValueError:
        seconds = 0
    return CallReport(fields.get("CallSid", ""), outcome, seconds=seconds, machine=machine,
                      error_code=str(fields.get("ErrorCode", "") or ""))


# --- TwiML ----------------------------------------------------------------------------------------------------

def _say(verb, text: str) -> None:
    verb.say(text, language=LANGUAGE, voice=VOICE)


def read_and_ask(text: str, *, again: str, question: str, goodbye: str, action: str) -> str:
    """The message read, read once more (after `again`), then one key asked for (`question`) and posted to
    `action`; without a key, `goodbye` and hang up."""
    response = VoiceResponse()
    _say(response, text)
    response.pause(length=1)
    _say(response, f"{again}{text}")
    gather = response.gather(num_digits=1, action=action, method="POST", timeout=GATHER_SECONDS, input="dtmf")
    _say(gather, question)
    _say(response, goodbye)
    response.hangup()
    return str(response)


def say_and_hang_up(text: str = "") -> str:
    response = VoiceResponse()
    if text:
        _say(response, text)
    response.hangup()
    return str(response)
