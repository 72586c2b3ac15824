from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from care.fund import dashboard as fund_dashboard
from care.programme.services import coverage as programme_coverage
from care.registers import access, checklist
from care.registers.models import MemberStatus
from care.registers.services.hardship import due_for_review
from care.reports.services import dashboard as reports_dashboard
from carehub.accounts.models import Role


def getting_started(user) -> list[checklist.Progress] | None:
    """A new unit's checklist, for its admins while a step is left; None once all are done (or for other staff,
    who cannot do the steps)."""
    if user.role != Role.ADMIN:
        return None
    steps = checklist.progress()
    return steps if not all(item.done for item in steps) else None


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
                                                      "getting_started": getting_started(request.user),
                                                      "fund": fund_dashboard.tiles(request.user),
                                                      "programme": programme_coverage.tiles(request.user),
                                                      "reports": reports_dashboard.tiles(request.user)})
