"""Shapes of the SMS API. Request serializers check types only; notifications.services judges the values, and
their errors reach the client in the common error format (carehub.api.errors)."""

from django.conf import settings
from django.db.models import Count
from rest_framework import serializers

from care.fund.api.serializers import named_choice
from care.programme.api.serializers import StaffRefSerializer
from care.registers import access
from care.registers.api.serializers import MemberRefSerializer
from carehub.api.base import ScopedPrimaryKeyField
from notifications.models import (
    Approval,
    Category,
    Channel,
    ContactPlan,
    LadderEnd,
    Message,
    Notice,
    OptOut,
    OptOutChannel,
    OptOutScope,
    OptOutSource,
    Preferred,
    Provider,
    Reach,
    ReachStatus,
    Rung,
    RungKind,
    SendWindow,
    SmsSettings,
    Status,
)
from notifications.services import compliance, ladder, templates
from notifications.services.config import uses_aliyun

CategoryField = named_choice(Category.choices, "SmsCategory")
StatusField = named_choice(Status.choices, "SmsStatus")
ChannelField = named_choice(Channel.choices, "SmsChannel")
ScopeField = named_choice(OptOutScope.choices, "OptOutScope")
SourceField = named_choice(OptOutSource.choices, "OptOutSource")
OptOutChannelField = named_choice(OptOutChannel.choices, "OptOutChannel")
PreferredField = named_choice(Preferred.choices, "PreferredChannel")
LadderEndField = named_choice(LadderEnd.choices, "LadderEnd")
ReachStatusField = named_choice(ReachStatus.choices, "LadderStatus")
RungKindField = named_choice(RungKind.choices, "RungKind")
LanguageField = named_choice(settings.LANGUAGES, "SmsLanguage")
ApprovalField = named_choice(Approval.choices, "TemplateApproval")
ProviderField = named_choice(Provider.choices, "SmsProvider")


# Templates


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Null for a built-in default the unit has not "
                                                             "replaced.")
    key = serializers.CharField()
    name = serializers.CharField(help_text="What people call the purpose (the portal never shows the key).")
    language = LanguageField()
    category = CategoryField()
    body = serializers.CharField()
    is_default = serializers.BooleanField(help_text="True: the built-in text; saving one makes it the unit's own.")
    updated_at = serializers.DateTimeField(allow_null=True)
    vendor_code = serializers.CharField(help_text="The template's code at Alibaba Cloud (empty: none yet).")
    approval = ApprovalField(help_text="Whether Alibaba Cloud approved it, as its console says.")
    problems = serializers.ListField(child=serializers.CharField(), help_text=(
        "For a unit sending through Alibaba Cloud: how the text breaks the vendor's rules, in words (empty: "
        "none found). Messages from a template with problems, or not approved, are not sent."))

    @staticmethod
    def row(template) -> dict:
        """A Template (the unit's own) as the list's rows look."""
        return TemplateSerializer.with_state({
            "id": template.pk, "key": template.key, "name": templates.name_of(template.key),
            "language": template.language, "category": template.category, "body": template.body,
            "is_default": False, "updated_at": template.updated_at, "own": template})

    @staticmethod
    def with_state(row: dict) -> dict:
        """`row` (with "own": the unit's Template or None) with its code, approval and problems at the provider."""
        own = row["own"]
        review = compliance.template_review(row["body"], row["category"]) if uses_aliyun() else None
        return {**row, "vendor_code": own.vendor_code if own else "",
                "approval": own.approval if own else Approval.PENDING, "problems": review.problems if review else []}


class TemplateWriteSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                help_text='What the text is for: "visit_notice", "birthday", ...; leave it out for a '
                                          "new purpose named by `name`, and its key is made from the name.")
    name = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                 help_text="The name of a purpose of the unit's own (built-in ones keep theirs).")
    language = LanguageField()
    category = CategoryField()
    body = serializers.CharField(help_text="Text with {variables}; refused over the unit's maximum of segments.")
    vendor_code = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                        help_text="The template's code at Alibaba Cloud, such as SMS_123456789.")
    approval = ApprovalField(required=False, help_text="As Alibaba Cloud's console says; a changed text is pending "
                                                       "again whatever is sent.")


class TemplateUpdateSerializer(serializers.Serializer):
    category = CategoryField(required=False)
    body = serializers.CharField(required=False, help_text="Left out: the text stays.")
    vendor_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    approval = ApprovalField(required=False)


class TextPreviewRequestSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    context = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                    help_text="Values of the variables; sample values when left out.")


class TextPreviewSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="As it would be sent: variables filled in, look-alikes replaced.")
    encoding = serializers.ChoiceField(["GSM-7", "UCS-2"])
    characters = serializers.IntegerField(help_text="GSM-7 septets (extension characters count 2) or UCS-2 units.")
    segments = serializers.IntegerField()
    max_segments = serializers.IntegerField(help_text="The unit's limit; longer templates are refused.")
    unknown_variables = serializers.ListField(child=serializers.CharField())


# Notices


class NoticeRequestSerializer(serializers.Serializer):
    filters = serializers.DictField(required=False, help_text=(
        "The member list's filters: node (a subtree), status (list), uses_smartphone, age_min, age_max, "
        "years_min, sex, hardship (list), q, extra.<key>."))
    body = serializers.CharField(required=False, allow_blank=True, help_text="The text; {member_name} and "
                                                                             "{unit_name} are filled in.")
    template = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                     help_text="Use this template's text when no body is given.")
    channel = ChannelField(required=False, help_text="sms (default), or voice: the text read in a call in Mandarin.")


class NoticeSendSerializer(NoticeRequestSerializer):
    expected = serializers.IntegerField(min_value=1, help_text="The `recipients` that prepare answered: the send "
                                                               "is refused if the count changed meanwhile.")


class ExcludedSerializer(serializers.Serializer):
    gone = serializers.IntegerField(help_text="Deceased or moved away.")
    no_phone = serializers.IntegerField(help_text="Neither their own nor a proxy phone.")
    opted_out = serializers.IntegerField()


class AudienceSerializer(serializers.Serializer):
    members = serializers.IntegerField(help_text="Members the filter matched, within your scope.")
    recipients = serializers.IntegerField(help_text="Messages that would go out: one per phone.")
    calls = serializers.IntegerField(help_text="Of those, voice calls: the channel chosen, or each member's first "
                                               "step by their contact plan (who cannot read an SMS is called).")
    segments = serializers.IntegerField(help_text="What they cost, in SMS segments.")
    shared = serializers.IntegerField(help_text="Members who share a phone and get one message together.")
    excluded = ExcludedSerializer()
    sample = serializers.CharField(help_text="The first message as it will be sent.")
    encoding = serializers.CharField(allow_null=True)
    characters = serializers.IntegerField(allow_null=True)

    @staticmethod
    def of(audience) -> dict:
        count = audience.count
        return {"members": audience.members, "recipients": audience.recipients, "calls": audience.calls,
                "segments": audience.segments,
                "shared": audience.shared, "sample": audience.sample,
                "excluded": {reason: audience.excluded[reason] for reason in ("gone", "no_phone", "opted_out")},
                "encoding": count.encoding if count else None, "characters": count.characters if count else None}


class NoticeSerializer(serializers.ModelSerializer):
    created_by = StaffRefSerializer(read_only=True)
    statuses = serializers.SerializerMethodField(help_text="Messages per status, e.g. {\"delivered\": 12}.")
    channel = ChannelField()

    class Meta:
        model = Notice
        fields = ["id", "channel", "template_key", "body", "filters", "recipients", "segments", "created_by",
                  "created_at", "statuses"]
        read_only_fields = fields

    def get_statuses(self, notice) -> dict[str, int]:
        return dict(notice.messages.values_list("status").order_by().annotate(n=Count("pk")))


# The outbox


class MessageSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    user = StaffRefSerializer(read_only=True)
    status = StatusField()
    category = CategoryField()
    channel = ChannelField()

    class Meta:
        model = Message
        fields = ["id", "idempotency_key", "category", "channel", "member", "user", "notice", "to", "body",
                  "segments", "status", "error_code", "error_message", "not_before", "attempts", "sent_at",
                  "status_changed_at", "created_at"]
        read_only_fields = fields


# Opt-outs


class OptOutSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    created_by = StaffRefSerializer(read_only=True)
    scope = ScopeField()
    channel = OptOutChannelField()
    source = SourceField()

    class Meta:
        model = OptOut
        fields = ["id", "phone", "member", "scope", "channel", "source", "note", "created_by", "created_at",
                  "ended_at"]
        read_only_fields = fields


class OptOutCreateSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False,
                                  help_text="Default: the member's proxy phone, else their own.")
    member = ScopedPrimaryKeyField(access.visible_members, required=False, allow_null=True)
    scope = ScopeField(help_text="greetings: greetings only, notices still arrive; all: every message.")
    channel = OptOutChannelField(required=False, help_text="What is refused: all (SMS and calls, the default), "
                                                          "sms (texts only) or voice (calls only).")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                 help_text="How it was given, e.g. by phone to the branch secretary.")


# Members' own sending windows


class SendWindowSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = SendWindow
        fields = ["id", "member", "send_from", "send_until"]
        read_only_fields = fields


class SendWindowWriteSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    send_from = serializers.TimeField(help_text="The member's messages go out from this local time...")
    send_until = serializers.TimeField(help_text="...until this one (may be past midnight, e.g. 21:00-07:00).")


class SendWindowUpdateSerializer(serializers.Serializer):
    send_from = serializers.TimeField(required=False)
    send_until = serializers.TimeField(required=False)


# Statistics and settings


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month (unit time).")
    sent = serializers.IntegerField(help_text="Handed to the provider.")
    delivered = serializers.IntegerField()
    undelivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField(help_text="Not sent: opted out, no valid phone, deceased, ...")
    waiting = serializers.IntegerField(help_text="Still to be sent.")
    segments = serializers.IntegerField(help_text="Segments of the messages handed over (billed).")


class SmsSettingsSerializer(serializers.ModelSerializer):
    provider = ProviderField()
    has_own_account = serializers.SerializerMethodField()
    has_aliyun_secret = serializers.SerializerMethodField()

    class Meta:
        model = SmsSettings
        fields = ["provider", "messaging_service_sid", "from_number", "voice_number", "account_sid", "has_own_account",
                  "aliyun_access_key_id", "has_aliyun_secret", "sign_name", "send_from", "send_until",
                  "max_segments", "daily_cap_per_recipient", "rate_per_second", "updated_at"]
        read_only_fields = fields

    def get_has_own_account(self, sms) -> bool:
        return bool(sms.account_sid and sms.auth_token_encrypted)

    def get_has_aliyun_secret(self, sms) -> bool:
        return bool(sms.aliyun_secret_encrypted)


class SmsSettingsWriteSerializer(serializers.Serializer):
    messaging_service_sid = serializers.CharField(required=False, allow_blank=True, max_length=34)
    from_number = serializers.CharField(required=False, allow_blank=True, max_length=30)
    voice_number = serializers.CharField(required=False, allow_blank=True, max_length=30,
                                         help_text="The Twilio number voice calls come from; empty: the sender number.")
    send_from = serializers.TimeField(required=False, help_text="Messages go out from this local time...")
    send_until = serializers.TimeField(required=False, help_text="...until this one (may be past midnight).")
    max_segments = serializers.IntegerField(required=False)
    daily_cap_per_recipient = serializers.IntegerField(required=False)
    rate_per_second = serializers.IntegerField(required=False)
    account_sid = serializers.CharField(required=False, allow_blank=True, max_length=34,
                                        help_text="The unit's own Twilio (sub)account; empty: the platform's.")
    auth_token = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                       style={"input_type": "password"},
                                       help_text="Write-only: stored encrypted and never shown again.")
    provider = ProviderField(required=False, help_text="twilio, or aliyun (Alibaba Cloud: needs the AccessKey and "
                                                       "the signature).")
    aliyun_access_key_id = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                                 help_text="The unit's own Alibaba Cloud AccessKey ID.")
    aliyun_access_key_secret = serializers.CharField(
        required=False, allow_blank=True, write_only=True, style={"input_type": "password"},
        help_text="Write-only: stored encrypted and never shown again; left out, the saved one stays.")
    sign_name = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                      help_text="The signature Alibaba Cloud approved (2-12 characters, no 【】).")


# The ladder of channels


class ContactPlanSerializer(serializers.ModelSerializer):
    """How a member is reached; whom to reach instead (the proxy) is on the member's record."""

    member = serializers.IntegerField(source="member_id", read_only=True)
    preferred = PreferredField()
    proxy_name = serializers.CharField(source="member.proxy_name", read_only=True,
                                       help_text="Changed on the member (PATCH /api/v1/members/{id}/).")
    proxy_phone = serializers.CharField(source="member.proxy_phone", read_only=True)

    class Meta:
        model = ContactPlan
        fields = ["member", "preferred", "reads_sms", "proxy_name", "proxy_phone"]
        read_only_fields = ["member", "proxy_name", "proxy_phone"]


class ContactPlanWriteSerializer(serializers.Serializer):
    preferred = PreferredField(help_text="sms, voice (a call reads the message) or both at once.")
    reads_sms = serializers.BooleanField(help_text="false: the member cannot read an SMS and is called first.")


class LadderSerializer(serializers.Serializer):
    purpose = serializers.CharField(help_text="greetings (every greeting), notices (typed by staff) or a notice "
                                              "template's key.")
    name = serializers.CharField(help_text="What people call the purpose.")
    end = LadderEndField(help_text="How far its messages climb now.")
    default = LadderEndField(help_text="How far they climb when the unit has not said.")


# PUT /sms/ladders/: {purpose: end}; any purpose left out keeps its setting.
LADDER_ENDS_REQUEST = {"type": "object", "additionalProperties": {"type": "string", "enum": LadderEnd.values},
                       "example": {"greetings": "first", "visit_notice": "task"}}


class RungSerializer(serializers.ModelSerializer):
    kind = RungKindField()
    phone = serializers.SerializerMethodField()
    result = serializers.CharField(help_text="A message status, \"unconfirmed\" (the carrier never confirmed the "
                                             "SMS), \"task\", or empty while on its way.")
    result_words = serializers.SerializerMethodField()

    class Meta:
        model = Rung
        fields = ["step", "kind", "message", "phone", "result", "result_words", "started_at", "settled_at"]
        read_only_fields = fields

    def get_phone(self, rung) -> str:
        return rung.message.to if rung.message else ""

    def get_result_words(self, rung) -> str:
        return ladder.result_words(rung.result)


class ReachSerializer(serializers.ModelSerializer):
    """A ladder (from contacts.named(): with its purpose's name)."""

    purpose_name = serializers.CharField(read_only=True)
    category = CategoryField()
    status = ReachStatusField()
    rungs = RungSerializer(many=True, read_only=True)

    class Meta:
        model = Reach
        fields = ["id", "purpose", "purpose_name", "category", "status", "step", "task", "notice", "created_at",
                  "ended_at", "rungs"]
        read_only_fields = fields
