"""Report runs: who asked for which report of which period and organisation, and how its rendering went.

A run's figures are computed from the data as it stood when it was asked for (`requested_at`), so rendering it
again, or later, gives the same numbers; only the footer says when the file itself was made.
"""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from care.registers.models import Node


class ReportKind(models.TextChoices):
    VISITS = "visits", _("Visit report")
    FUND = "fund", _("Fund report")
    DISCLOSURE = "disclosure", _("Fund report for public disclosure")
    COVERAGE = "coverage", _("Care coverage report")
    LEDGER = "ledger", _("Hardship ledger")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def report_path(instance, filename):
    return f"{connection.schema_name}/reports/{instance.pk}/{filename}"


class ReportRun(models.Model):
    kind = models.CharField(_("report"), max_length=12, choices=ReportKind.choices)
    # The organisation whose subtree the report covers; empty: the whole unit.
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organisation"))
    # {"period": kind, "starts_on", "ends_on", "label", "language", "time_zone"}: everything the figures need.
    params = models.JSONField(default=dict)
    # Whether the report includes sensitive hardship categories: only those allowed to see them may open it.
    sensitive = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    pdf = models.FileField(upload_to=report_path, max_length=300, blank=True)
    xlsx = models.FileField(upload_to=report_path, max_length=300, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # The headline figures (amounts as strings), for the API and the portal without opening the file.
    totals = models.JSONField(default=dict, blank=True)
    # Seconds spent: {"data": gathering figures, "html": templates, "pdf": WeasyPrint, "xlsx": the workbook}.
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["status", "finished_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.params.get('label', '')}"

    @property
    def period_label(self) -> str:
        return self.params.get("label", "")


class Branding(models.Model):
    """The unit's logo on report covers (one row, pk=1), kept as a data: URI: it is small, and the PDF renderer
    fetches nothing but our static files and data: URIs."""

    logo = models.TextField(_("logo"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report branding")
        verbose_name_plural = _("report branding")

    def __str__(self):
        return "branding"
