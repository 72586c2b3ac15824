"""Who sees which report runs (the registers' scopes decide who may ask for what: care.registers.access).

A run is visible to staff whose scope holds the run's organisation (runs of the whole unit: to unit-wide staff),
and runs that include sensitive hardship categories only to staff allowed to see them, whoever asked for them.
"""

from care.registers import access
from care.reports.models import ReportRun


def visible_runs(user):
    path = access.root_path(user)
    if path is None:
        return ReportRun.objects.none()
    runs = ReportRun.objects.all() if path == "" else ReportRun.objects.filter(node__path__startswith=path)
    if not access.can_see_sensitive(user):
        runs = runs.filter(sensitive=False)
    return runs.select_related("node", "requested_by")
