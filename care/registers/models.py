"""The unit's registers: its organisation tree, members (党员档案) and hardship ledger (困难党员台账)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carehub.collation import by_pinyin


class NodeKind(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    DEPARTMENT = "department", _("Department")
    OTHER = "other", _("Other")


class Node(models.Model):
    """A node of the organisation tree, any depth.

    `path` is the chain of ids from the root ("/1/4/9/"), so "this node and everything below" is one indexed
    prefix query, and moving a subtree is one UPDATE.
    """

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices, default=NodeKind.BRANCH)
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["path"], name="node_path_prefix", opclasses=["varchar_pattern_ops"])]
        # Imports and people name an organisation by its name under its parent: two siblings may not share one.
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="node_name_unique_among_siblings"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(parent__isnull=True),
                                    name="node_name_unique_among_roots"),
        ]

    def __str__(self):
        return self.name

    def subtree(self):
        return Node.objects.filter(path__startswith=self.path)

    def is_within(self, other: "Node") -> bool:
        return self.path.startswith(other.path)


class Sex(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    FLOWING = "flowing", _("Away from home")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Member(models.Model):
    """A member of the unit (党员档案)."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_initials = models.CharField(max_length=50, blank=True, editable=False)  # pinyin initials, for search
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    lunar_birth_month = models.PositiveSmallIntegerField(_("lunar birth month"), null=True, blank=True)
    lunar_birth_day = models.PositiveSmallIntegerField(_("lunar birth day"), null=True, blank=True)
    lunar_birth_leap = models.BooleanField(_("leap month"), default=False)
    joined_on = models.DateField(_("date joined"), null=True, blank=True)
    # Rosters often give only the month (出生年月 1948.05): the date is then the month's first day, which is also
    # when its greeting goes out, as units greet a month's birthdays together (集体生日).
    birth_month_only = models.BooleanField(_("only the month of birth is known"), default=False)
    joined_month_only = models.BooleanField(_("only the month of joining is known"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    proxy_name = models.CharField(_("proxy recipient"), max_length=50, blank=True,
                                  help_text=_("Someone who receives SMS on the member's behalf, such as a child."))
    proxy_phone = models.CharField(_("proxy phone"), max_length=20, blank=True)
    uses_smartphone = models.BooleanField(_("uses a smartphone"), default=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices,
                              default=MemberStatus.ACTIVE)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [by_pinyin("name"), "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["name_initials"]),
            models.Index(fields=["name"]),
            models.Index(fields=["node", "name"]),
            models.Index(by_pinyin("name"), "id", name="member_name_pinyin"),  # the member list's default order
        ]

    def __str__(self):
        return self.name


class MemberEvent(models.Model):
    """What every entry of a member's history records: when it took effect, why, by whom and when noted."""

    effective_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-effective_on", "-at"]


class StatusChange(MemberEvent):
    """History of a member's status (retired, away, deceased, ...)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=MemberStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=MemberStatus.choices)

    def __str__(self):
        return f"{self.member_id}: {self.from_status} -> {self.to_status}"


class Transfer(MemberEvent):
    """A member's move between nodes of the tree."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    to_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.member_id}: {self.from_node_id} -> {self.to_node_id}"


class ExtraFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class ExtraField(models.Model):
    """A unit-defined field of the member register; values live in Member.extra under `key`."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=60)
    kind = models.CharField(_("type"), max_length=10, choices=ExtraFieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("extra field")
        verbose_name_plural = _("extra fields")

    def __str__(self):
        return self.label


class HardshipCategory(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    LOW_INCOME = "low_income", _("Low income")
    ILLNESS = "illness", _("Serious illness or hospitalised")
    DISABILITY = "disability", _("Disability")
    DISASTER = "disaster", _("Disaster or accident")
    BEREAVED = "bereaved", _("Bereaved")
    UNEMPLOYED = "unemployed", _("Unemployed")
    ALONE = "alone", _("Living alone or without children")
    AWAY = "away", _("Away from home")
    DISTRESS = "distress", _("Emotional distress")
    OTHER = "other", _("Other")


# Visible only to staff allowed to see sensitive details.
SENSITIVE_CATEGORIES = frozenset({HardshipCategory.ILLNESS, HardshipCategory.DISABILITY, HardshipCategory.DISTRESS})


class HardshipLevel(models.IntegerChoices):
    GENERAL = 1, _("General")
    SERIOUS = 2, _("Serious")
    SEVERE = 3, _("Severe")


class HardshipEntry(models.Model):
    """An entry of the hardship ledger, reviewed every six months (动态管理)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="hardship_entries",
                               verbose_name=_("member"))
    category = models.CharField(_("category"), max_length=16, choices=HardshipCategory.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=HardshipLevel.choices,
                                             default=HardshipLevel.GENERAL)
    reason = models.TextField(_("reason"))
    opened_on = models.DateField(_("opened"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    review_due_on = models.DateField(_("review due"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_due_on", "pk"]
        verbose_name = _("hardship entry")
        verbose_name_plural = _("hardship entries")
        indexes = [models.Index(fields=["closed_on", "review_due_on"]), models.Index(fields=["category"])]

    def __str__(self):
        return f"{self.member} · {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_sensitive(self) -> bool:
        return self.category in SENSITIVE_CATEGORIES


def evidence_path(instance, filename):
    from django.db import connection

    return f"{connection.schema_name}/hardship/{instance.entry_id}/{filename}"


class Evidence(models.Model):
    entry = models.ForeignKey(HardshipEntry, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.description or self.file.name


class ReviewOutcome(models.TextChoices):
    UNCHANGED = "unchanged", _("Unchanged")
    CHANGED = "changed", _("Changed")
    CLOSED = "closed", _("Closed")


class HardshipReview(models.Model):
    """A half-yearly review of an entry; `changes` holds before/after of what the review changed."""

    entry = models.ForeignKey(HardshipEntry, on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-at"]

    def __str__(self):
        return f"{self.entry_id} {self.outcome} {self.reviewed_on}"


class StaffScope(models.Model):
    """Where a staff account may act: a node's subtree (secretaries, viewers) or the whole unit (null node)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope")
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organisation"))
    can_view_sensitive = models.BooleanField(_("may see sensitive details"), default=False)

    def __str__(self):
        return f"{self.user_id} @ {self.node_id or 'unit'}"


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("Members")
    HARDSHIP = "hardship", _("Hardship entries")
    TREE = "tree", _("Organisation tree")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    COMMITTED = "committed", _("Committed")


class ImportBatch(models.Model):
    """An uploaded import file between its preview and its commit, then the record of what it created.

    The file is kept in the unit's own schema rather than in media storage, so it is isolated like the register
    itself; it is emptied once committed. `report` holds the outcome of the last preview or commit.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.PREVIEWED)
    report = models.JSONField(default=dict, blank=True)
    # The columns as chosen in the import's column step: {header as compared: field, "" when not imported}.
    columns = models.JSONField(default=dict, blank=True)
    # The organisation of every row, chosen in the column step for a roster without an organisation column.
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("organisation of every row"))
    created = models.PositiveIntegerField(_("records created"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.filename}"


class ColumnMapping(models.Model):
    """Which field a column of the unit's import files holds, as someone chose it in an import's column step;
    applied to the next files of the same kind. `header` is the header as compared
    (care.imports.services.columns.header_key); an empty `target` means the column is not imported."""

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    header = models.CharField(_("column"), max_length=200)
    target = models.CharField(_("field"), max_length=60, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "header"]
        verbose_name = _("import column")
        verbose_name_plural = _("import columns")
        constraints = [models.UniqueConstraint(fields=["kind", "header"], name="column_mapping_unique_header")]

    def __str__(self):
        return self.header
