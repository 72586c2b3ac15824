"""Shapes of the programme API. Request serializers check types only; the services judge the values, and their
errors reach the client in the common error format (carehub.api.errors)."""

import posixpath

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from care.programme.access import visible_tasks
from care.programme.models import (
    AnniversaryOf,
    Calendar,
    CareTask,
    Commendation,
    Greeting,
    LifeEvent,
    LifeEventKind,
    Pairing,
    ProgrammeSettings,
    Rule,
    RuleVersion,
    Talk,
    TaskKind,
    Trigger,
    Visit,
    VisitPhoto,
)
from care.programme.services import records
from care.programme.services.audience import ANY_HARDSHIP
from care.registers import access
from care.registers.api.serializers import MemberRefSerializer, NodeRefSerializer
from care.registers.models import HardshipCategory, MemberStatus
from carehub.accounts.models import User
from carehub.api.base import ScopedPrimaryKeyField


def active_staff(user):
    return User.objects.filter(is_active=True)


# Named components: the same choices serve several fields (kind, task_kind; kind, event_kind).
@extend_schema_field({"type": "string", "enum": TaskKind.values}, component_name="TaskKind")
class TaskKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(TaskKind.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": LifeEventKind.values}, component_name="LifeEventKind")
class LifeEventKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(LifeEventKind.choices, **kwargs)


class StaffRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]
        read_only_fields = fields


# Rules


class AudienceSerializer(serializers.Serializer):
    age_min = serializers.IntegerField(required=False, help_text="Aged at least this on the occurrence day.")
    age_max = serializers.IntegerField(required=False)
    years_min = serializers.IntegerField(required=False, help_text="Years of membership on the occurrence day.")
    years_max = serializers.IntegerField(required=False)
    statuses = serializers.ListField(child=serializers.ChoiceField(MemberStatus.choices), required=False,
                                     help_text="Deceased and moved-out members are never included (but deceased "
                                               "ones for death care).")
    hardship = serializers.ListField(
        child=serializers.ChoiceField([*HardshipCategory.choices, (ANY_HARDSHIP, "any")]), required=False,
        help_text='Members with an open ledger entry of these categories; ["any"] for any category.')
    node = serializers.IntegerField(required=False, help_text="Members of this organisation's subtree.")
    uses_smartphone = serializers.BooleanField(required=False, allow_null=True)
    extra = serializers.DictField(child=serializers.CharField(), required=False,
                                  help_text='Unit-defined fields: {"key": value, "key__gte": value, ...}.')


class RuleVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField(read_only=True)
    task_kind = TaskKindField(read_only=True, allow_blank=True)
    event_kind = LifeEventKindField(read_only=True, allow_blank=True)

    class Meta:
        model = RuleVersion
        fields = ["number", "name", "trigger", "occasion", "calendar", "month", "day", "anniversary_of",
                  "prefer_lunar", "round_every", "round_years", "every_months", "event_kind", "audience",
                  "task_kind", "lead_days", "due_days", "greeting_template", "created_by", "created_at"]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    current = RuleVersionSerializer(read_only=True)

    class Meta:
        model = Rule
        fields = ["id", "key", "is_active", "current", "created_at"]
        read_only_fields = fields


class RuleDetailSerializer(RuleSerializer):
    versions = RuleVersionSerializer(many=True, read_only=True)

    class Meta(RuleSerializer.Meta):
        fields = [*RuleSerializer.Meta.fields, "versions"]
        read_only_fields = fields


class RuleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    trigger = serializers.ChoiceField(Trigger.choices)
    occasion = serializers.CharField(required=False, allow_blank=True, help_text="A built-in occasion's key "
                                     "(see occasions/); or give calendar, month and day.")
    calendar = serializers.ChoiceField(Calendar.choices, required=False, allow_blank=True)
    month = serializers.IntegerField(required=False, allow_null=True)
    day = serializers.IntegerField(required=False, allow_null=True)
    anniversary_of = serializers.ChoiceField(AnniversaryOf.choices, required=False, allow_blank=True)
    prefer_lunar = serializers.BooleanField(required=False, help_text="Birthdays: the lunar one where recorded.")
    round_every = serializers.IntegerField(required=False, allow_null=True, help_text="Only every N years.")
    round_years = serializers.ListField(child=serializers.IntegerField(), required=False,
                                        help_text="Only these anniversaries, such as [50].")
    every_months = serializers.IntegerField(required=False, allow_null=True, help_text="1, 2, 3, 4, 6 or 12.")
    event_kind = LifeEventKindField(required=False, allow_blank=True)
    audience = AudienceSerializer(required=False)
    task_kind = TaskKindField(required=False, allow_blank=True)
    lead_days = serializers.IntegerField(required=False, help_text="The task opens this many days before.")
    due_days = serializers.IntegerField(required=False, help_text="Due this many days after (life events: "
                                        "within N days).")
    greeting_template = serializers.CharField(required=False, allow_blank=True, max_length=40)


class RuleUpdateSerializer(RuleWriteSerializer):
    is_active = serializers.BooleanField(required=False, help_text="Off: its future open items are removed.")


class PreviewRowSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member = serializers.CharField()
    node = serializers.CharField()
    day = serializers.DateField(help_text="The occurrence.")
    opens_on = serializers.DateField()
    due_on = serializers.DateField()
    assignee = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(help_text="Days ahead.")
    tasks = serializers.IntegerField(help_text="Tasks the rule would create in the horizon, in your scope.")
    greetings = serializers.IntegerField()
    rows = PreviewRowSerializer(many=True, help_text="The first 20.")


class OccasionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    calendar = serializers.ChoiceField(Calendar.choices)
    month = serializers.IntegerField()
    day = serializers.IntegerField()
    dates = serializers.ListField(child=serializers.DateField(), help_text="Solar dates in the year asked.")
    rules = serializers.ListField(child=serializers.CharField(), help_text="Names of the active rules on it.")


class OccasionQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1901, max_value=2099, help_text="Default: this year.")


class SettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgrammeSettings
        fields = ["horizon_days", "escalate_after_days"]


class RunSerializer(serializers.Serializer):
    tasks = serializers.IntegerField(help_text="Tasks created by this run.")
    greetings = serializers.IntegerField()


# Tasks and greetings


class RuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="rule_id")
    name = serializers.CharField(source="version.name")
    version = serializers.IntegerField(source="version.number")


class CareTaskSerializer(serializers.ModelSerializer):
    kind = TaskKindField(read_only=True)
    member = MemberRefSerializer(read_only=True)
    rule = RuleRefSerializer(source="*", read_only=True)
    assignee = StaffRefSerializer(read_only=True)
    escalated_to = StaffRefSerializer(read_only=True)
    effective_due = serializers.DateField(read_only=True, help_text="The due date, or the snooze date.")

    class Meta:
        model = CareTask
        fields = ["id", "kind", "member", "rule", "event", "occurs_on", "opens_on", "due_on", "snoozed_until",
                  "effective_due", "status", "reason", "assignee", "escalated_to", "escalated_at", "visit", "talk",
                  "done_on", "created_at"]
        read_only_fields = fields


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="A day after today.")
    reason = serializers.CharField(max_length=200)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class AssignSerializer(serializers.Serializer):
    assignee = ScopedPrimaryKeyField(active_staff, help_text="An active staff account who may see the member.")


class GreetingSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Greeting
        fields = ["id", "member", "rule", "send_on", "template", "via_sms", "status", "created_at"]
        read_only_fields = fields


# Records


class PhotoSerializer(serializers.ModelSerializer):
    file_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "file_name", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_name(self, photo) -> str:
        return posixpath.basename(photo.file.name)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, photo) -> str:
        return reverse("programme-api:visit-photo", kwargs={"pk": photo.visit_id, "photo_id": photo.pk},
                       request=self.context.get("request"))


class VisitSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    visitors = StaffRefSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Tasks this visit completed.")
    recorded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "member", "visited_on", "visitors", "other_visitors", "occasion", "goods", "notes", "photos",
                  "tasks", "recorded_by", "created_at"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    visited_on = serializers.DateField()
    visitors = ScopedPrimaryKeyField(active_staff, many=True, required=False, help_text="Staff account ids.")
    other_visitors = serializers.CharField(required=False, allow_blank=True, max_length=200)
    occasion = serializers.CharField(max_length=100)
    goods = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)
    tasks = ScopedPrimaryKeyField(visible_tasks, many=True, required=False,
                                  help_text="Open tasks of the member this visit completes.")


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.ImageField()


class TalkSerializer(serializers.ModelSerializer):
    """Without the confidential notes: only the detail shows them, to those allowed, and records the reading."""

    member = MemberRefSerializer(read_only=True)
    participants = StaffRefSerializer(many=True, read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recorded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Talk
        fields = ["id", "member", "held_on", "participants", "topic", "summary", "tasks", "recorded_by",
                  "created_at"]
        read_only_fields = fields


class TalkDetailSerializer(TalkSerializer):
    confidential_notes = serializers.SerializerMethodField(
        help_text="Null unless you may read them (sensitive-details permission, or you held the talk).")

    class Meta(TalkSerializer.Meta):
        fields = [*TalkSerializer.Meta.fields, "confidential_notes"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_confidential_notes(self, talk) -> str | None:
        user = self.context["request"].user
        return records.read_notes(user, talk) if records.can_read_notes(user, talk) else None


class TalkCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    held_on = serializers.DateField()
    participants = ScopedPrimaryKeyField(active_staff, many=True, help_text="Staff account ids.")
    topic = serializers.CharField(max_length=100)
    summary = serializers.CharField(required=False, allow_blank=True)
    confidential_notes = serializers.CharField(required=False, allow_blank=True)
    tasks = ScopedPrimaryKeyField(visible_tasks, many=True, required=False)


class LifeEventSerializer(serializers.ModelSerializer):
    kind = LifeEventKindField(read_only=True)
    member = MemberRefSerializer(read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Tasks it created.")

    class Meta:
        model = LifeEvent
        fields = ["id", "member", "kind", "occurred_on", "note", "tasks", "created_at"]
        read_only_fields = fields


class LifeEventCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    kind = LifeEventKindField()
    occurred_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)


class PairingSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    partner = StaffRefSerializer(read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "member", "partner", "started_on", "ended_on", "note", "created_at"]
        read_only_fields = fields


class PairingCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    partner = ScopedPrimaryKeyField(active_staff, help_text="A staff account whose scope includes the member.")
    started_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PairingEndSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class WorkloadSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    partner__full_name = serializers.CharField()
    partner__email = serializers.CharField()
    members = serializers.IntegerField()
    open_tasks = serializers.IntegerField()
    overdue_tasks = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    unpaired = MemberRefSerializer(many=True, help_text="Hardship members without a partner.")
    workload = WorkloadSerializer(many=True)


class CommendationSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    node = NodeRefSerializer(read_only=True)

    class Meta:
        model = Commendation
        fields = ["id", "year", "title", "member", "node", "awarded_on", "note", "created_at"]
        read_only_fields = fields


class CommendationCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    member = ScopedPrimaryKeyField(access.visible_members, required=False, allow_null=True)
    node = ScopedPrimaryKeyField(access.visible_nodes, required=False, allow_null=True)
    awarded_on = serializers.DateField(required=False)
    year = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


# Field work on a phone (care.programme.services.field) -----------------------------------------------------------

class FieldUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


FIELD_RECORD_KINDS = ["visit", "talk"]  # what a phone records (FieldRecordKindEnum in the schema)


class FieldTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = TaskKindField()
    kind_label = serializers.CharField(help_text="The kind in words.")
    name = serializers.CharField(help_text="The rule's name.")
    form = serializers.ChoiceField(choices=FIELD_RECORD_KINDS, help_text="The record that does this task.")
    purpose = serializers.CharField(help_text="The visit's occasion or the talk's topic, to prefill.")
    due_on = serializers.DateField(help_text="Due by (the postponed date where it was postponed).")
    member = serializers.IntegerField()


class FieldMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    node = serializers.CharField(help_text="The member's organisation.")
    address = serializers.CharField()
    phone = serializers.CharField(help_text="E.164, or empty.")
    phone_display = serializers.CharField(help_text="As people write it: 138 0013 8000.")
    proxy_name = serializers.CharField()
    proxy_phone = serializers.CharField()
    proxy_phone_display = serializers.CharField()
    last_visit = serializers.DateField(allow_null=True)
    last_talk = serializers.DateField(allow_null=True)
    hardship = serializers.CharField(allow_null=True, help_text="The open hardship entry's category in words; "
                                     "null without one, or without the sensitive-details permission.")


class FieldSnapshotSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="The phone deletes the snapshot after this.")
    today = serializers.DateField(help_text="The unit's today.")
    time_zone = serializers.CharField()
    user = FieldUserSerializer()
    tasks = FieldTaskSerializer(many=True, help_text="Your open tasks due within 14 days, the late ones first.")
    members = FieldMemberSerializer(many=True, help_text="The members of those tasks.")


FIELD_VISIT_FIELDS = ("occasion", "goods", "notes")
FIELD_TALK_FIELDS = ("topic", "summary", "confidential_notes")
FIELD_PHOTOS = 6


class FieldRecordSerializer(serializers.Serializer):
    client_id = serializers.UUIDField(help_text="Made by the phone; a retry with the same id stores nothing new.")
    kind = serializers.ChoiceField(choices=FIELD_RECORD_KINDS)
    member = serializers.IntegerField(min_value=1)
    task = serializers.IntegerField(min_value=1, required=False, help_text="The open task this record does.")
    happened_at = serializers.DateTimeField(help_text="When it was recorded on the phone, with its UTC offset.")
    occasion = serializers.CharField(required=False, allow_blank=True, max_length=100)
    goods = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True)
    topic = serializers.CharField(required=False, allow_blank=True, max_length=100)
    summary = serializers.CharField(required=False, allow_blank=True)
    confidential_notes = serializers.CharField(required=False, allow_blank=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, max_length=FIELD_PHOTOS,
                                   help_text="A visit's photos.")

    def validate(self, data):
        other = FIELD_TALK_FIELDS if data["kind"] == "visit" else (*FIELD_VISIT_FIELDS, "photos")
        wrong = {name: [_("This field belongs to the other kind of record.")] for name in other if data.get(name)}
        if wrong:
            raise serializers.ValidationError(wrong)
        return data


class FieldReceiptSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=FIELD_RECORD_KINDS)
    id = serializers.IntegerField(help_text="The visit's or talk's id.")
    member = serializers.IntegerField()
    task = serializers.IntegerField(allow_null=True)
    happened_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    duplicate = serializers.BooleanField(help_text="Stored by an earlier try: nothing new was stored.")
