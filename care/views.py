from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from care.registers.models import Member, MemberStatus


@login_required
def dashboard(request):
    """The unit's home page. Later capabilities add their tiles (due visits, fund balances, ...)."""
    counts = {
        "members": Member.objects.exclude(status=MemberStatus.DECEASED).count(),
        "without_smartphone": Member.objects.exclude(status=MemberStatus.DECEASED)
        .filter(uses_smartphone=False).count(),
    }
    return render(request, "carehub/dashboard.html", {"counts": counts})
