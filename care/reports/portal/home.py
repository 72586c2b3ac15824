from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from care.fund import dashboard as fund_dashboard
from care.programme.services import coverage as programme_coverage
from care.registers import access
from care.registers.models import MemberStatus
from care.registers.services.hardship import due_for_review
from care.reports.services import dashboard as reports_dashboard


@login_required
def dashboard(request):
    """The unit's home page, counted within the user's own scope. Later capabilities add their tiles."""
    living = access.visible_members(request.user).exclude(status=MemberStatus.DECEASED)
    counts = {
        "members": living.count(),
        "without_smartphone": living.filter(uses_smartphone=False).count(),
    }
    ledger = {
        "open": access.visible_hardship(request.user).filter(closed_on__isnull=True).count(),
        "reviews_due": due_for_review(request.user).count(),
    }
    return render(request, "reports/home.html", {"counts": counts, "ledger": ledger,
                                                      "fund": fund_dashboard.tiles(request.user),
                                                      "programme": programme_coverage.tiles(request.user),
                                                      "reports": reports_dashboard.tiles(request.user)})
