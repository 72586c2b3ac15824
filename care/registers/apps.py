from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "care.registers"
    label = "registers"
    verbose_name = _("Registers")

    def ready(self):
        from billing.services import limits
        from care.registers import getting_started
        from care.registers.models import Member, MemberStatus, StaffScope
        from tenants.signals import support_account_ready

        limits.count_members_with(
            lambda: Member.objects.exclude(status__in=[MemberStatus.DECEASED, MemberStatus.MOVED_OUT]))

        def read_whole_unit(sender, *, user, **kwargs):
            StaffScope.objects.get_or_create(user=user, defaults={"node": None})

        support_account_ready.connect(read_whole_unit, dispatch_uid="registers.support_reads_whole_unit",
                                      weak=False)
        getting_started.register_steps()
