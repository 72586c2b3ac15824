from django.db import models
from django.utils.translation import gettext_lazy as _


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
    """A member of the unit (党员档案). The registers issue extends it with the tree, history and extras."""

    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    joined_on = models.DateField(_("date joined"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    uses_smartphone = models.BooleanField(_("uses a smartphone"), default=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices,
                              default=MemberStatus.ACTIVE)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [models.Index(fields=["status"]), models.Index(fields=["phone"])]

    def __str__(self):
        return self.name
