"""The reports page: ask for a report, watch it render (HTMX polling), download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.reports.access import visible_runs
from care.reports.api.downloads import download_response
from care.reports.portal.forms import ReportForm
from care.reports.services import branding, runs
from carehub.portal.actions import FormActionView

RECENT = 25


class ReportsPage(FormActionView):
    """Ask for a report; the page lists the recent runs the user may see."""

    form_class = ReportForm
    template_name = "reports/page.html"
    success_message = gettext_lazy("The report is on its way. It appears below when it is ready.")

    def get_form_kwargs(self, obj):
        return {"user": self.request.user}

    def act(self, form, obj):
        return runs.request_report(self.request.user, **form.service_arguments())

    def success_url(self, run, obj):
        return reverse("reports:page")

    def get_context(self, form, obj):
        return {"form": form, "runs": visible_runs(self.request.user)[:RECENT], "logo": branding.logo_uri()}


@login_required
def run_row(request, pk):
    """One run's row, polled by HTMX while it is queued or rendering."""
    run = get_object_or_404(visible_runs(request.user), pk=pk)
    return render(request, "reports/_run.html", {"run": run})


@login_required
def download(request, pk, fmt):
    return download_response(request.user, get_object_or_404(visible_runs(request.user), pk=pk), fmt)


@login_required
@require_POST
def logo(request):
    """Upload (or, with `clear`, remove) the logo printed on report covers. Admins only."""
    try:
        if request.POST.get("clear"):
            branding.clear_logo(request.user)
            messages.success(request, _("The logo was removed from report covers."))
        elif "logo" in request.FILES:
            branding.set_logo(request.user, request.FILES["logo"])
            messages.success(request, _("Report covers now carry this logo."))
        else:
            messages.error(request, _("Choose a PNG or JPEG file."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("reports:page")
