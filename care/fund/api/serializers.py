"""Shapes of the fund API. Amounts travel as strings with two decimals ("1234.50"), never as JSON numbers, so no
client's float ever touches them. Request serializers check types; care.fund.services judges the rest."""

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from care.fund import access
from care.fund.models import (
    ApplicationStatus,
    AssistanceApplication,
    Attachment,
    ClosedPeriod,
    CostShareRule,
    DisclosureLink,
    EntryKind,
    Fund,
    LedgerEntry,
    MemberAccount,
    PeriodKind,
    Step,
    StepAction,
)
from care.fund.money import MAX_DIGITS
from care.fund.services.disclosure import general_category
from care.registers import access as register_access
from care.registers.api.serializers import MemberRefSerializer, NodeRefSerializer
from care.registers.models import HardshipCategory, NodeKind
from carehub.api.base import ScopedPrimaryKeyField


class MoneyField(serializers.DecimalField):
    """An amount as a JSON string of digits ("1234.50", "-3", ".5"). JSON numbers are refused: clients hold them as
    binary floats (1.1 + 2.2 is 3.3000000000000003); so are exponents ("1e3"), spaces and separators. More than two
    decimal places are refused by DecimalField, never rounded."""

    default_error_messages = {"not_digits": _("Send the amount as a string of digits, such as \"1234.50\".")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not DIGITS.fullmatch(data):
            self.fail("not_digits")
        return super().to_internal_value(data)


DIGITS = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def money(**kwargs):
    return MoneyField(max_digits=MAX_DIGITS, decimal_places=2, **kwargs)


def named_choice(choices, component: str):
    """A choice field documented as its own OpenAPI component (plain "kind"/"status" enums would collide)."""
    @extend_schema_field({"type": "string", "enum": [value for value, _label in choices]}, component_name=component)
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices, **kwargs)

    Field.__name__ = f"{component}Field"
    return Field


EntryKindField = named_choice(EntryKind.choices, "EntryKind")
ApplicationStatusField = named_choice(ApplicationStatus.choices, "ApplicationStatus")
StepActionField = named_choice(StepAction.choices, "StepAction")
PeriodKindField = named_choice(PeriodKind.choices, "PeriodKind")
LevelField = named_choice(NodeKind.choices, "OrganisationLevel")


class FundRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "name"]
        read_only_fields = fields


class FundSerializer(serializers.ModelSerializer):
    node = NodeRefSerializer(read_only=True)
    balance = money(read_only=True, help_text="The sum of the fund's ledger.")
    second_approval_above = money(read_only=True, allow_null=True)

    class Meta:
        model = Fund
        fields = ["id", "name", "node", "currency", "balance", "allows_overdraft", "second_approval_above",
                  "created_at"]
        read_only_fields = fields


class FundWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    allows_overdraft = serializers.BooleanField(required=False)
    second_approval_above = money(required=False, allow_null=True, min_value=0,
                                  help_text="Applications approved for more need a second approver; null: never.")


class FundCreateSerializer(FundWriteSerializer):
    node = ScopedPrimaryKeyField(register_access.visible_nodes, help_text="The organisation that keeps the fund.")
    name = serializers.CharField(max_length=100)
    currency = serializers.CharField(max_length=3, required=False, default="CNY")


class AttachmentSerializer(serializers.ModelSerializer):
    file_name = serializers.SerializerMethodField()
    uploaded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "file_name", "description", "uploaded_by", "uploaded_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_name(self, attachment) -> str:
        return attachment.file.name.rsplit("/", 1)[-1]


class EntrySerializer(serializers.ModelSerializer):
    fund = FundRefSerializer(read_only=True)
    kind = EntryKindField(read_only=True)
    amount = money(read_only=True, help_text="Positive into the fund, negative out of it.")
    balance_after = money(read_only=True, help_text="The fund's balance right after this posting (running balance).")
    member = MemberRefSerializer(read_only=True, allow_null=True)
    reversed_by = serializers.PrimaryKeyRelatedField(source="reversal", read_only=True, allow_null=True,
                                                     help_text="The entry that reversed this one, if any.")
    created_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "fund", "kind", "booked_on", "amount", "balance_after", "counterparty", "purpose", "reference",
                  "member", "application", "reverses", "reversed_by", "transfer_of", "created_by", "created_at"]
        read_only_fields = fields


class EntryDetailSerializer(EntrySerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "attachments"]
        read_only_fields = fields


class PostingSerializer(serializers.Serializer):
    kind = EntryKindField(help_text="Income, or spending other than assistance (paid from applications).")
    amount = money(help_text="Positive; the kind says which way it goes.")
    booked_on = serializers.DateField(required=False, help_text="Default: today. Not in a closed period.")
    counterparty = serializers.CharField(max_length=100, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    member = ScopedPrimaryKeyField(register_access.visible_members, required=False, allow_null=True,
                                   help_text="The member who gave or received it, if one did.")


class TransferSerializer(serializers.Serializer):
    target = ScopedPrimaryKeyField(access.visible_funds, help_text="The fund the money goes to.")
    amount = money()
    booked_on = serializers.DateField(required=False)
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True)


class TransferResultSerializer(serializers.Serializer):
    outgoing = EntrySerializer(help_text="Out of the fund posted to.")
    incoming = EntrySerializer(help_text="Into the target, linked to the outgoing entry (transfer_of).")


class ReverseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=150, help_text="Why the entry is reversed.")
    booked_on = serializers.DateField(required=False, help_text="Default: today; must be in an open period.")


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ClosedPeriodSerializer(serializers.ModelSerializer):
    kind = PeriodKindField(read_only=True)
    closed_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = ClosedPeriod
        fields = ["id", "kind", "starts_on", "ends_on", "note", "closed_by", "closed_at"]
        read_only_fields = fields


class ClosePeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2999)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True,
                                     help_text="Empty: close the whole year.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PeriodQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2999)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)


class LineSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = money()


class DisclosedPaymentSerializer(serializers.Serializer):
    day = serializers.DateField()
    name = serializers.CharField(help_text="Masked: 张*明.")
    category = serializers.CharField(help_text="In general terms; sensitive categories read “hardship assistance”.")
    amount = money()
    correction = serializers.BooleanField(help_text="A reversal of an earlier payment.")


class DisclosureSerializer(serializers.Serializer):
    fund = FundRefSerializer()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    opening = money()
    income = LineSerializer(many=True)
    total_income = money()
    spending = LineSerializer(many=True)
    total_spending = money()
    payments = DisclosedPaymentSerializer(many=True)
    closing = money()


class DisclosureLinkSerializer(serializers.ModelSerializer):
    fund = FundRefSerializer(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureLink
        fields = ["id", "fund", "year", "month", "url", "created_at", "revoked_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link) -> str:
        """The public page; opens without logging in until revoked."""
        return self.context["request"].build_absolute_uri(reverse("fund:public", args=[link.token]))


class DisclosureLinkCreateSerializer(serializers.Serializer):
    fund = ScopedPrimaryKeyField(access.visible_funds)
    year = serializers.IntegerField(min_value=2000, max_value=2999)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, allow_null=True)


class LegSerializer(serializers.Serializer):
    level = LevelField(help_text="The share comes from the member's nearest organisation of this kind that keeps "
                                 "a fund.")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class CostShareRuleSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(HardshipCategory.choices, allow_blank=True, required=False,
                                       help_text="Empty: every category without a rule of its own.")
    legs = LegSerializer(many=True)

    class Meta:
        model = CostShareRule
        fields = ["id", "category", "legs", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class MemberAccountSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    user = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MemberAccount
        fields = ["id", "user", "member", "linked_at"]
        read_only_fields = fields


class MemberAccountCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="The staff account's id.")
    member = ScopedPrimaryKeyField(register_access.visible_members)


class StepSerializer(serializers.ModelSerializer):
    action = StepActionField(read_only=True)
    from_status = ApplicationStatusField(read_only=True)
    to_status = ApplicationStatusField(read_only=True)
    amount = money(read_only=True, allow_null=True)
    actor = serializers.StringRelatedField(read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["action", "from_status", "to_status", "amount", "note", "actor", "at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_note(self, step) -> str | None:
        """Hidden (null) on applications of a sensitive category without the permission to see them."""
        return step.note if self.context["sight"].details(step.application) else None


class ApplicationSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    fund = FundRefSerializer(read_only=True)
    status = ApplicationStatusField(read_only=True)
    category = serializers.SerializerMethodField()
    category_label = serializers.SerializerMethodField()
    amount_requested = money(read_only=True)
    amount_approved = money(read_only=True, allow_null=True)
    amount_paid = money(read_only=True, allow_null=True)

    class Meta:
        model = AssistanceApplication
        fields = ["id", "member", "fund", "status", "category", "category_label", "amount_requested",
                  "amount_approved", "amount_paid", "paid_on", "created_at", "updated_at"]
        read_only_fields = fields

    def shown(self, application) -> bool:
        return self.context["sight"].details(application)

    @extend_schema_field(serializers.ChoiceField(HardshipCategory.choices, allow_null=True))
    def get_category(self, application):
        """Null for a sensitive category the caller may not see."""
        return application.category if self.shown(application) else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_category_label(self, application) -> str:
        if self.shown(application):
            return str(application.get_category_display())
        return general_category(application.category)


class ApplicationDetailSerializer(ApplicationSerializer):
    reason = serializers.SerializerMethodField()
    rejection_reason = serializers.CharField(read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "reason", "rejection_reason", "steps", "attachments", "actions"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_reason(self, application) -> str | None:
        return application.reason if self.shown(application) else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, application):
        if not self.shown(application):
            return []
        return AttachmentSerializer(application.attachments.select_related("uploaded_by"), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, application) -> list[str]:
        """What the caller may do now: edit, submit, verify, approve, reject, pay, attach."""
        return self.context["actions"]


class ApplicationCreateSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyField(register_access.visible_members)
    category = serializers.ChoiceField(HardshipCategory.choices)
    reason = serializers.CharField()
    amount_requested = money()
    fund = serializers.PrimaryKeyRelatedField(queryset=Fund.objects.all(), required=False, allow_null=True,
                                              help_text="Default: the fund that decides for the member's line.")
    submit = serializers.BooleanField(default=False, help_text="Submit at once instead of keeping a draft.")


class ApplicationUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(HardshipCategory.choices, required=False)
    reason = serializers.CharField(required=False)
    amount_requested = money(required=False)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ApproveSerializer(NoteSerializer):
    amount = money(required=False, allow_null=True, help_text="Required at the first approval; a second approver "
                                                              "confirms the approved amount.")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PaySerializer(NoteSerializer):
    amount = money(required=False, allow_null=True, help_text="Default: the approved amount; never more.")
    paid_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
