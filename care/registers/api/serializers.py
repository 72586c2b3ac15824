"""Shapes of the API's requests and responses. Request serializers check types and formats only; the business
rules (dates that make sense, phone numbers, scope, sensitive categories) stay in care.registers.services, whose
ValidationErrors reach the client in the same error format (carehub.api.errors)."""

import posixpath

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from care.registers import access
from care.registers.models import (
    Evidence,
    ExtraField,
    HardshipCategory,
    HardshipEntry,
    HardshipLevel,
    HardshipReview,
    Member,
    MemberStatus,
    Node,
    ReviewOutcome,
    StatusChange,
    Transfer,
)
from care.registers.services.members import EDITABLE as MEMBER_EDITABLE
from carehub.accounts.models import Role, User
from carehub.api.base import ScopedPrimaryKeyField
from carehub.audit.models import AuditEvent

# Organisation tree


class NodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["id", "parent", "name", "kind", "secretary", "contact", "path", "depth"]
        read_only_fields = fields


class NodeWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["name", "kind", "secretary", "contact"]


class NodeCreateSerializer(NodeWriteSerializer):
    parent = ScopedPrimaryKeyField(access.visible_nodes, allow_null=True,
                                   help_text="The parent organisation; null makes a root (unit admins only).")

    class Meta(NodeWriteSerializer.Meta):
        fields = ["parent", *NodeWriteSerializer.Meta.fields]
        validators = []  # unique sibling names: care.registers.services.nodes says it, on the name field


class NodeMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyField(access.visible_nodes, help_text="The new parent; the subtree moves along.")


class NodeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Node
        fields = ["id", "name"]
        read_only_fields = fields


# Members


class MemberSerializer(serializers.ModelSerializer):
    node = NodeRefSerializer(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "sex", "birth_date", "birth_month_only", "lunar_birth_month", "lunar_birth_day",
                  "lunar_birth_leap", "joined_on", "joined_month_only", "phone", "proxy_name", "proxy_phone",
                  "uses_smartphone", "address", "node", "status", "died_on", "extra", "created_at", "updated_at"]
        read_only_fields = fields


class StatusChangeSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "effective_on", "note", "by", "at"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    from_node = NodeRefSerializer(read_only=True)
    to_node = NodeRefSerializer(read_only=True)
    by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Transfer
        fields = ["from_node", "to_node", "effective_on", "note", "by", "at"]
        read_only_fields = fields


class MemberDetailSerializer(MemberSerializer):
    status_changes = StatusChangeSerializer(many=True, read_only=True)
    transfers = TransferSerializer(many=True, read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "status_changes", "transfers"]
        read_only_fields = fields


class MemberWriteSerializer(serializers.ModelSerializer):
    extra = serializers.DictField(required=False, help_text="Values of the unit's extra fields, by key.")

    class Meta:
        model = Member
        fields = MEMBER_EDITABLE


class MemberCreateSerializer(MemberWriteSerializer):
    node = ScopedPrimaryKeyField(access.visible_nodes)

    class Meta(MemberWriteSerializer.Meta):
        fields = ["node", *MEMBER_EDITABLE]


class MemberStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(MemberStatus.choices)
    effective_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")
    died_on = serializers.DateField(required=False, allow_null=True, help_text="Required for “deceased”.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MemberTransferSerializer(serializers.Serializer):
    node = ScopedPrimaryKeyField(access.visible_nodes, help_text="The organisation the member moves to.")
    effective_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


# Hardship ledger


class MemberRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "name", "node"]
        read_only_fields = fields


class HardshipEntrySerializer(serializers.ModelSerializer):
    """A ledger row. The reason is a detail: reading it goes through the (audited) detail view."""

    member = MemberRefSerializer(read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = HardshipEntry
        fields = ["id", "member", "category", "level", "opened_on", "closed_on", "review_due_on", "is_open",
                  "created_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    file_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    uploaded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "file_name", "description", "uploaded_by", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_file_name(self, evidence) -> str:
        return posixpath.basename(evidence.file.name)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, evidence) -> str:
        """The API's download action, which checks access first; files are never public media."""
        return reverse("api:hardship-evidence-file", kwargs={"pk": evidence.entry_id, "evidence_id": evidence.pk},
                       request=self.context.get("request"))


class HardshipReviewSerializer(serializers.ModelSerializer):
    reviewed_by = serializers.StringRelatedField(read_only=True)
    changes = serializers.DictField(child=serializers.ListField(), read_only=True,
                                    help_text="{field: [before, after]} of what the review changed.")

    class Meta:
        model = HardshipReview
        fields = ["id", "outcome", "note", "changes", "reviewed_on", "reviewed_by", "at"]
        read_only_fields = fields


class HardshipEntryDetailSerializer(HardshipEntrySerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)
    reviews = HardshipReviewSerializer(many=True, read_only=True)

    class Meta(HardshipEntrySerializer.Meta):
        fields = [*HardshipEntrySerializer.Meta.fields, "reason", "evidence", "reviews"]
        read_only_fields = fields


class HardshipEntryCreateSerializer(serializers.ModelSerializer):
    member = ScopedPrimaryKeyField(access.visible_members)
    opened_on = serializers.DateField(required=False, help_text="Default: today.")

    class Meta:
        model = HardshipEntry
        fields = ["member", "category", "level", "reason", "opened_on"]


class HardshipReviewRequestSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(ReviewOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, help_text="Required unless unchanged.")
    reviewed_on = serializers.DateField(required=False, help_text="Default: today.")
    category = serializers.ChoiceField(HardshipCategory.choices, required=False, help_text="Only when changed.")
    level = serializers.ChoiceField(HardshipLevel.choices, required=False, help_text="Only when changed.")
    reason = serializers.CharField(required=False, help_text="Only when changed.")


class HardshipChangesSerializer(serializers.Serializer):
    changes = serializers.DictField(child=serializers.ListField(), help_text=(
        "{field: [value at the last review, value now]}; since opening if never reviewed."))


class DueQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="Reviews due on or before this day; default: today.")


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


# Unit settings, audit trail, staff, the current user


class ExtraFieldSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(child=serializers.CharField(max_length=60), required=False)

    class Meta:
        model = ExtraField
        fields = ["id", "key", "label", "kind", "choices", "required", "position"]


class ExtraFieldUpdateSerializer(ExtraFieldSerializer):
    class Meta(ExtraFieldSerializer.Meta):
        read_only_fields = ["key"]  # members' stored values are keyed by it


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "actor_label", "source", "action", "object_type", "object_id",
                  "object_label", "changes"]
        read_only_fields = fields


class StaffSerializer(serializers.ModelSerializer):
    node = serializers.IntegerField(source="scope.node_id", read_only=True, allow_null=True,
                                    help_text="The subtree the account acts in; null: the whole unit.")
    can_view_sensitive = serializers.SerializerMethodField(
        help_text="May see sensitive hardship categories (unit admins always may).")

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "role", "is_active", "node", "can_view_sensitive",
                  "date_joined", "last_login"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_view_sensitive(self, user) -> bool:
        return access.can_see_sensitive(user)


class StaffInvitedSerializer(StaffSerializer):
    invitation_url = serializers.URLField(read_only=True, help_text="One-time link; shown only in this answer.")

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "invitation_url"]
        read_only_fields = fields


class StaffInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(Role.choices)
    node = ScopedPrimaryKeyField(access.visible_nodes, allow_null=True, default=None)
    can_view_sensitive = serializers.BooleanField(default=False)
    full_name = serializers.CharField(max_length=100, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, allow_blank=True, default="")


class StaffUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(Role.choices, required=False)
    node = ScopedPrimaryKeyField(access.visible_nodes, allow_null=True, required=False)
    can_view_sensitive = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(Role.choices)
    node = NodeRefSerializer(allow_null=True, help_text="Where the account acts; null: the whole unit.")
    can_write = serializers.BooleanField()
    can_see_sensitive = serializers.BooleanField()
    unit = serializers.CharField(help_text="The unit's name.")


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send as the header "Authorization: Token <token>".')
