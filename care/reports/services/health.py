"""Report rendering health of one unit, for the platform console's unit health view (call it inside the unit's
schema)."""

from care.reports.models import ReportRun, RunStatus


def failed_render_count(since) -> int:
    """Runs that failed since `since` (an aware datetime)."""
    return ReportRun.objects.filter(status=RunStatus.FAILED, finished_at__gte=since).count()
