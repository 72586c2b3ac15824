from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_creation_fakes_migrations, get_public_schema_name, schema_exists

from tenants.clone import clone_schema


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class UnitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")
    DELETED = "deleted", _("Deleted")


class UnitQuerySet(models.QuerySet):
    def units(self):
        """Every real unit: the public schema's row is the platform itself."""
        return self.exclude(schema_name=get_public_schema_name())

    def active(self):
        return self.units().filter(status=UnitStatus.ACTIVE)


class Unit(TenantMixin):
    """A tenant: one organisation running its own care programme in its own PostgreSQL schema."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.OTHER)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.CAREHUB_TIME_ZONE)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=16, choices=UnitStatus.choices,
                              default=UnitStatus.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set when deletion was requested: the schema is dropped only after this moment and a second confirmation.
    delete_after = models.DateTimeField(_("may be deleted after"), null=True, blank=True)
    # Latest audit event or staff login, noted by the daily metering pass (billing.services.metering).
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    auto_create_schema = True
    auto_drop_schema = False

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Clone the template with our lean copy (see tenants.clone), then apply, for real, any migration the
        template lacks: django-tenants would *fake* those, leaving the unit without the columns."""
        template = self.get_base_schema() if get_creation_fakes_migrations() else False
        if not (sync_schema and template and schema_exists(template)) or self.is_platform:
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        clone_schema(template, self.schema_name)
        call_command("migrate_schemas", tenant=True, schema_name=self.schema_name, interactive=False,
                     verbosity=verbosity)
        connection.set_schema_to_public()
        return True

    @property
    def is_platform(self) -> bool:
        return self.schema_name == get_public_schema_name()

    @property
    def is_read_only(self) -> bool:
        return self.status == UnitStatus.SUSPENDED


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class UnitEvent(models.Model):
    """Append-only audit of a unit's lifecycle: who created, suspended, resumed or archived it, and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("Restored read-only")
        DELETION_REQUESTED = "deletion_requested", _("Deletion requested")
        DELETION_CANCELLED = "deletion_cancelled", _("Deletion cancelled")
        DELETED = "deleted", _("Deleted")
        RENAMED = "renamed", _("Renamed")
        EXPORTED = "exported", _("Data exported")
        INVITATION_RESENT = "invitation_resent", _("Invitation resent")
        SUPPORT_ENTERED = "support_entered", _("Support access")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=24, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=16, default="cli")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    # Where a change without an operator came from, in words (`source` holds the key).
    SOURCES = {"cli": _("command line"), "console": _("console"), "billing": _("billing"), "task": _("background task"),
               "api": _("platform API")}

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.unit_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def source_label(self) -> str:
        return str(self.SOURCES.get(self.source, self.source))


class OperatorDevice(models.Model):
    """An operator's TOTP secret. Confirmed once the operator typed a first valid code; `last_step` stops a
    code from being used twice."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self):
        return f"TOTP of {self.user_id}"


class OperatorToken(models.Model):
    """A key for the operator REST API; only its hash is stored, the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class SupportConsent(models.Model):
    """A unit admin's time-limited permission for platform support to enter the unit's portal."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="support_consents")
    granted_by = models.CharField(max_length=254)  # the unit admin's email: their account lives in the unit
    reason = models.CharField(max_length=200, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("support access consent")
        verbose_name_plural = _("support access consents")

    def __str__(self):
        return f"support consent {self.unit_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class SupportPass(models.Model):
    """A one-time link taking one operator into a unit's portal under a consent; only its hash is stored."""

    consent = models.ForeignKey(SupportConsent, on_delete=models.CASCADE, related_name="passes")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Copied at issue: the link is spent inside the unit's schema, where a join to users finds the unit's own.
    operator_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"support pass {self.pk}"


class UnitExport(models.Model):
    """A whole-unit data export, built by a background task into MEDIA storage."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("export", "Pending")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=300, blank=True)  # storage name of the zip
    size = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"export {self.pk} of {self.unit_id}"
