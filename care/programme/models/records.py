"""Records of care work: life events, visits (with photos), talks (with confidential notes), pairings and
commendations. They are facts recorded by staff, so deleting a member never silently removes them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from care.registers.models import Member, Node


class LifeEventKind(models.TextChoices):
    HOSPITALISED = "hospitalised", _("Hospitalised")
    DISASTER = "disaster", _("Disaster or accident")
    BEREAVEMENT = "bereavement", _("Death of a close relative")
    DEATH = "death", _("Death of the member")
    JOB_CHANGE = "job_change", _("Job change")
    COMMENDATION = "commendation", _("Commendation")
    DISCIPLINE = "discipline", _("Discipline")
    CONFLICT = "conflict", _("Conflict")
    COMPLAINT = "complaint", _("Complaint from the public")
    RETIREMENT = "retirement", _("Retirement")
    OTHER = "other", _("Other")


class LifeEvent(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="life_events",
                               verbose_name=_("member"))
    kind = models.CharField(_("event"), max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self):
        return f"{self.member} · {self.get_kind_display()}"


class Visit(models.Model):
    """Who visited whom, when, why and what was given. One visit may complete several of the member's tasks."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="visits", verbose_name=_("member"))
    visited_on = models.DateField(_("date"))
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="visits", verbose_name=_("visitors"))
    other_visitors = models.CharField(_("other visitors"), max_length=200, blank=True)
    occasion = models.CharField(_("occasion"), max_length=100)
    goods = models.CharField(_("goods given"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A visit recorded on a phone offline: the id the phone made (its retries are stored once) and the moment it
    # was saved there, which may be hours before created_at (see services.field).
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    happened_at = models.DateTimeField(_("recorded on the phone at"), null=True, blank=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["visited_on"])]

    def __str__(self):
        return f"{self.member} · {self.occasion}"


def photo_path(instance, filename):
    from django.db import connection

    return f"{connection.schema_name}/visits/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    """Served only through access-checked views, never as public media."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=photo_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.file.name


class Talk(models.Model):
    """A heart-to-heart talk. The confidential notes are for staff allowed to see sensitive details and for the
    talk's participants only (see services.talks.can_read_notes)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="talks", verbose_name=_("member"))
    held_on = models.DateField(_("date"))
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="talks",
                                          verbose_name=_("talked with the member"))
    topic = models.CharField(_("topic"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    confidential_notes = models.TextField(_("confidential notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)  # as Visit.client_id
    happened_at = models.DateTimeField(_("recorded on the phone at"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        indexes = [models.Index(fields=["held_on"])]

    def __str__(self):
        return f"{self.member} · {self.topic}"


class Pairing(models.Model):
    """A partner looking after a member (结对帮扶). History is kept: a pairing ends, it is never deleted."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("member"))
    partner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pairings",
                                verbose_name=_("partner"))
    started_on = models.DateField(pgettext_lazy("range", "from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [models.UniqueConstraint(fields=["member"], condition=models.Q(ended_on__isnull=True),
                                               name="one_current_partner")]

    def __str__(self):
        return f"{self.member} ← {self.partner}"


class Commendation(models.Model):
    """A yearly award (表彰) to a member or to an organisation."""

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=100)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="commendations",
                               verbose_name=_("member"))
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organisation"))
    awarded_on = models.DateField(_("awarded on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "title", "pk"]
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        constraints = [models.CheckConstraint(condition=models.Q(member__isnull=False) | models.Q(node__isnull=False),
                                              name="commendation_has_recipient")]

    def __str__(self):
        return f"{self.year} {self.title} · {self.member or self.node}"
