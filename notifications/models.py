"""SMS inside one unit's schema: the unit's sending settings, templates, opt-outs, notices and the outbox.

The outbox (`Message`) is the single source of truth: every message is a row written in the same transaction as
the business change that causes it, and the relay sends rows, never anything else. The README section
"SMS delivery guarantee" says what happens when Twilio's answer is lost."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.registers.models import Member
from notifications.purposes import built_in_name, ladder_purpose_name


class Provider(models.TextChoices):
    TWILIO = "twilio", _("Twilio")
    ALIYUN = "aliyun", _("Alibaba Cloud SMS (mainland China)")


class SmsSettings(models.Model):
    """One row per unit (pk=1): provider, sender, own Twilio subaccount or Alibaba Cloud AccessKey, quiet hours and
    limits."""

    provider = models.CharField(_("SMS provider"), max_length=10, choices=Provider.choices, default=Provider.TWILIO)
    messaging_service_sid = models.CharField(_("Messaging Service SID"), max_length=34, blank=True)
    from_number = models.CharField(_("sender number"), max_length=20, blank=True)
    # Empty: the platform's account (settings.TWILIO_ACCOUNT_SID). The token is Fernet-encrypted.
    account_sid = models.CharField(_("own Twilio account SID"), max_length=34, blank=True)
    auth_token_encrypted = models.TextField(blank=True, editable=False)
    # Alibaba Cloud: the unit's own AccessKey (the secret Fernet-encrypted, as the Twilio token) and its
    # registered signature (短信签名); reports and replies are pushed to URLs carrying `push_secret_encrypted`.
    aliyun_access_key_id = models.CharField(_("AccessKey ID"), max_length=64, blank=True)
    aliyun_secret_encrypted = models.TextField(blank=True, editable=False)
    sign_name = models.CharField(_("signature"), max_length=40, blank=True)
    push_secret_encrypted = models.TextField(blank=True, editable=False)
    send_from = models.TimeField(_("send from"), default=datetime.time(9, 0))
    send_until = models.TimeField(_("send until"), default=datetime.time(20, 0))
    max_segments = models.PositiveSmallIntegerField(_("maximum segments per message"), default=3)
    daily_cap_per_recipient = models.PositiveSmallIntegerField(_("messages per recipient per day"), default=3)
    rate_per_second = models.PositiveSmallIntegerField(_("messages per second from this sender"), default=10)
    # Voice calls (Twilio Programmable Voice, whatever the SMS provider): the number calls come from, a Twilio
    # number of the unit's own account or of the platform's. Empty: the SMS sender number, if any.
    voice_number = models.CharField(_("caller number for voice calls"), max_length=20, blank=True, help_text=_(
        "A Twilio number of the account above; calls read messages to members who cannot read an SMS. Empty: the "
        "sender number."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS settings")

    def __str__(self):
        return self.messaging_service_sid or self.from_number or self.sign_name or "-"


class Category(models.TextChoices):
    GREETING = "greeting", _("Greeting")
    NOTICE = "notice", _("Notice")
    STAFF = "staff", _("Staff reminder")


class Approval(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Template(models.Model):
    """A message text with {variables}, per purpose (`key`, e.g. "birthday", "double_ninth", "visit_notice",
    "staff_digest", "task_assigned") and language. People know a purpose by its name: the built-in ones by the
    name in code (notifications.purposes), the unit's own by `name`; its key is derived, never typed."""

    key = models.SlugField(_("template"), max_length=40)
    name = models.CharField(_("name"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    category = models.CharField(_("kind"), max_length=10, choices=Category.choices)
    body = models.TextField(_("text"))
    # At a provider that sends only approved templates (Alibaba Cloud): its code for this text and whether it
    # approved it, as its console says (set by the unit's admin; a changed text waits for approval again).
    vendor_code = models.CharField(_("template code at Alibaba Cloud"), max_length=40, blank=True)
    approval = models.CharField(_("approval"), max_length=10, choices=Approval.choices, default=Approval.PENDING)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="template_once_per_language")]

    def __str__(self):
        return f"{self.name or built_in_name(self.key)} ({self.get_language_display()})"


class OptOutScope(models.TextChoices):
    GREETINGS = "greetings", _("Greetings only")
    ALL = "all", _("All messages")


class OptOutSource(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    REPLY = "reply", _("SMS reply")
    PROVIDER = "provider", _("Reported by the carrier")


class OptOutChannel(models.TextChoices):
    """Which way of reaching the phone an opt-out refuses: an SMS reply refuses texts, not calls."""

    ALL = "all", _("SMS and calls")
    SMS = "sms", _("SMS only")
    VOICE = "voice", _("Calls only")


class OptOut(models.Model):
    """A recipient's refusal, by phone number (the member's own or their proxy's). Ended rows stay as history."""

    phone = models.CharField(_("phone"), max_length=20)
    channel = models.CharField(_("refuses"), max_length=5, choices=OptOutChannel.choices, default=OptOutChannel.ALL)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_opt_outs",
                               verbose_name=_("member"))
    scope = models.CharField(_("declines"), max_length=10, choices=OptOutScope.choices)
    source = models.CharField(_("source"), max_length=10, choices=OptOutSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [models.UniqueConstraint(fields=["phone"], condition=Q(ended_at__isnull=True),
                                               name="one_current_opt_out_per_phone")]

    def __str__(self):
        return f"{self.phone}: {self.get_scope_display()}"


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")


class Notice(models.Model):
    """A message composed by staff for a filtered set of members (a branch meeting, a visit notice), sent by SMS or
    read to them in a voice call."""

    channel = models.CharField(_("sent as"), max_length=5, choices=Channel.choices, default=Channel.SMS)
    template_key = models.SlugField(_("template"), max_length=40, blank=True)
    body = models.TextField(_("text"))
    filters = models.JSONField(_("recipients"), default=dict)
    recipients = models.PositiveIntegerField(_("messages"), default=0)
    segments = models.PositiveIntegerField(_("segments"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self):
        return self.body[:30]


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENDING = "sending", _("Sending")
    UNKNOWN = "unknown", _("Outcome unknown")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Undelivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent")
    # Voice calls only: the member pressed a key (delivered and heard), or every try went unanswered.
    HEARD = "heard", _("Delivered and heard")
    UNREACHED = "unreached", _("Not reached")


# A message's status only moves forward (notifications.services.delivery.transition): a late "sent" never
# overwrites "delivered" or "undelivered", whichever order the relay's answer and the callbacks arrive in. A call
# is "heard" when a key is pressed, which can come before or after its "completed" (delivered) report.
STATUS_RANK = {Status.PENDING: 0, Status.SENDING: 1, Status.UNKNOWN: 2, Status.SENT: 3,
               Status.DELIVERED: 4, Status.UNDELIVERED: 4, Status.FAILED: 4, Status.CANCELLED: 4,
               Status.UNREACHED: 4, Status.HEARD: 5}


class Message(models.Model):
    """One SMS in the outbox. `idempotency_key` says what caused it (e.g. "greeting:<occasion>:<date>:<phone>",
    "notice:<id>:<phone>", "digest:<user>:<date>", "assigned:<task>"); the unique constraint makes queuing the
    same thing twice impossible."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    # An SMS, or a voice call that reads `body` aloud (notifications.services.voice); a voice row's `segments`
    # are the plan allowance reserved for it (a minute's worth) and `attempts` counts its calls placed.
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.SMS)
    category = models.CharField(_("kind"), max_length=10, choices=Category.choices)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_messages",
                               verbose_name=_("member"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sms_messages", verbose_name=_("staff"))
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    to = models.CharField(_("to"), max_length=20)
    body = models.TextField(_("text"))
    # The template the text was made from (its key and language) and the values of its variables: what a
    # provider that sends only approved templates is given instead of the text. Empty for a text typed by staff.
    template = models.SlugField(_("template"), max_length=40, blank=True)
    language = models.CharField(max_length=8, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField(_("send from"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    # Set (committed) just before the provider is called: a claim that expires with it set may have reached
    # Twilio and becomes UNKNOWN; without it the request never started and the row is simply claimed again.
    started_at = models.DateTimeField(null=True, blank=True)
    sid = models.CharField(max_length=34, null=True, blank=True, unique=True)
    account_sid = models.CharField(max_length=34, blank=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    error_message = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Last time the relay fetched a sent message whose delivery was never reported (its callbacks were lost).
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["to", "sent_at"]),
            models.Index(fields=["created_at"]),
            # The relay's look for sent messages still unconfirmed: a few rows among every message ever sent.
            models.Index(fields=["sent_at"], condition=Q(status="sent", error_code=""), name="message_unconfirmed"),
        ]

    def __str__(self):
        return f"{self.idempotency_key} → {self.status}"


class SendWindow(models.Model):
    """A member's own sending window (e.g. a night-shift worker), replacing the unit's for their messages."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="sms_window",
                                  verbose_name=_("member"))
    send_from = models.TimeField(_("send from"))
    send_until = models.TimeField(_("send until"))

    class Meta:
        verbose_name = _("sending window")
        verbose_name_plural = _("sending windows")

    def __str__(self):
        return f"{self.member.name}: {self.send_from:%H:%M}-{self.send_until:%H:%M}"


class CallOutcome(models.TextChoices):
    """How one call of a voice message ended (the provider-neutral words of providers.base.CallOutcome)."""

    COMPLETED = "completed", _("Answered")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")
    FAILED = "failed", _("Call failed")
    MACHINE = "machine", _("Answering machine")


class Call(models.Model):
    """One try of a voice message: a call placed at the provider, what became of it and the key pressed."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="calls")
    sid = models.CharField(max_length=34, unique=True)
    account_sid = models.CharField(max_length=34, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices, blank=True)
    digit = models.CharField(_("key pressed"), max_length=1, blank=True)
    seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    placed_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placed_at", "pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self):
        return f"{self.sid}: {self.outcome or '-'}"


class Preferred(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    BOTH = "both", _("SMS and a call")


class ContactPlan(models.Model):
    """How a member is best reached (notifications.services.ladder): the channel they prefer and whether they can
    read an SMS at all (eyesight, literacy). Whom to reach instead is the member's proxy (Member.proxy_name and
    proxy_phone). A member without a plan prefers SMS and reads it."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="contact_plan",
                                  verbose_name=_("member"))
    preferred = models.CharField(_("preferred channel"), max_length=5, choices=Preferred.choices,
                                 default=Preferred.SMS)
    reads_sms = models.BooleanField(_("can read an SMS"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact plan")
        verbose_name_plural = _("contact plans")

    def __str__(self):
        return f"{self.member.name}: {self.get_preferred_display()}"


class LadderEnd(models.TextChoices):
    """How far a purpose's messages climb the ladder when nobody confirms them."""

    FIRST = "first", _("Only the member's preferred channel")
    OWN = "own", _("SMS and a call to the member's own phone")
    PROXY = "proxy", _("Then the proxy")
    TASK = "task", _("Then a task to reach the member in person")


class LadderSetting(models.Model):
    """How far the messages of one purpose climb: "greetings" (every greeting), "notices" (a notice typed by staff)
    or a notice template's key ("visit_notice", a unit's own). Without a row: notifications.services.ladder's
    defaults (greetings stop after the first channel, notices climb to the end)."""

    purpose = models.SlugField(_("purpose"), max_length=40, unique=True)
    end = models.CharField(_("climbs until"), max_length=5, choices=LadderEnd.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ladder of channels")
        verbose_name_plural = _("ladders of channels")

    def __str__(self):
        return ladder_purpose_name(self.purpose)


class RungKind(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    PROXY = "proxy", _("SMS to the proxy")
    TASK = "task", _("Task to reach in person")


class ReachStatus(models.TextChoices):
    CLIMBING = "climbing", _("Trying")
    REACHED = "reached", _("Reached")
    TASK = "task", _("Handed to staff")
    ENDED = "ended", _("Not reached")
    STOPPED = "stopped", _("Stopped")


class Reach(models.Model):
    """One member and one occasion (a greeting, a notice): the steps of their ladder planned when it began
    (`steps`: a list of steps, each a list of RungKind values tried together), the step being tried and how it
    ended. The text and template fields are the first message's, for the rungs that follow."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reaches", verbose_name=_("member"))
    occasion = models.CharField(max_length=100)
    purpose = models.SlugField(_("purpose"), max_length=40)
    category = models.CharField(_("kind"), max_length=10, choices=Category.choices)
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="reaches")
    steps = models.JSONField(default=list)
    step = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=ReachStatus.choices, default=ReachStatus.CLIMBING)
    body = models.TextField()
    template = models.SlugField(max_length=40, blank=True)
    language = models.CharField(max_length=8, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    task = models.ForeignKey("programme.CareTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ladder")
        verbose_name_plural = _("ladders")
        constraints = [models.UniqueConstraint(fields=["member", "occasion"], name="one_ladder_per_occasion")]
        indexes = [models.Index(fields=["status"], condition=Q(status="climbing"), name="reach_climbing")]

    def __str__(self):
        return self.member.name


class Rung(models.Model):
    """One rung of a member's ladder tried: the message (or call) it sent, possibly shared with the other members
    of the phone; `result` is what it came to when the ladder looked (empty while it is on its way)."""

    reach = models.ForeignKey(Reach, on_delete=models.CASCADE, related_name="rungs")
    step = models.PositiveSmallIntegerField()
    kind = models.CharField(_("rung"), max_length=5, choices=RungKind.choices)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="rungs")
    result = models.CharField(_("result"), max_length=12, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step", "pk"]
        verbose_name = _("rung")
        verbose_name_plural = _("rungs")
        indexes = [models.Index(fields=["message"], condition=Q(settled_at__isnull=True), name="rung_open")]

    def __str__(self):
        return f"{self.kind}: {self.result or '-'}"
