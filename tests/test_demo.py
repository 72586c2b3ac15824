from django.core.management import call_command
from django_tenants.utils import schema_context

from care.registers.models import Member
from carehub.accounts.models import User
from tenants.models import Unit


def test_demo_is_idempotent_and_realistic(db, capsys):
    call_command("demo", members=300)
    first = capsys.readouterr().out
    call_command("demo", members=300)
    assert capsys.readouterr().out == first
    assert set(Unit.objects.units().values_list("slug", flat=True)) >= {"ganjingzi", "dlsz", "dlyy", "xinxing"}
    assert User.objects.filter(email="operator@carehub.local", is_staff=True).exists()
    assert "http://" in first or "https://" in first
    with schema_context("ganjingzi"):
        assert Member.objects.count() == 300
        assert User.objects.get(email="admin@ganjingzi.demo").is_active
        phones = list(Member.objects.exclude(phone="").values_list("phone", flat=True))
        assert all(phone.startswith("+861") and len(phone) == 14 for phone in phones)
        assert Member.objects.filter(name__regex=r"^[\u4e00-\u9fff]{2,3}$").count() == 300
    with schema_context("xinxing"):
        assert Member.objects.count() == 60
