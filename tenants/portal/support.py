"""In a unit's portal: its admins allow or end support access and download the unit's data exports; an
operator's one-time support link signs them in as the unit's support account while consent lasts."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from carehub.accounts.roles import require_admin
from carehub.audit.services import record
from carehub.clock import current_unit
from tenants.actions import EXPORT_DOWNLOADED
from tenants.models import UnitExport
from tenants.services import support


@login_required
def support_page(request):
    require_admin(request.user)
    unit = current_unit()
    return render(request, "tenants/support.html", {
        "consent": support.active_consent(unit),
        "exports": UnitExport.objects.filter(unit=unit, status=UnitExport.Status.DONE)[:10]})


@login_required
@require_POST
def grant(request):
    require_admin(request.user)
    support.grant_consent(request.user, current_unit(), reason=request.POST.get("reason", ""))
    messages.success(request, _("Platform support may now enter this portal, read-only, until the time shown."))
    return redirect("support:page")


@login_required
@require_POST
def revoke(request):
    require_admin(request.user)
    support.revoke_consent(request.user, current_unit())
    messages.success(request, _("Support access has ended."))
    return redirect("support:page")


@login_required
def download(request, pk):
    require_admin(request.user)
    export = get_object_or_404(UnitExport, pk=pk, unit=current_unit(), status=UnitExport.Status.DONE)
    if not default_storage.exists(export.file):
        raise Http404
    record(request.user, EXPORT_DOWNLOADED, export)
    return FileResponse(default_storage.open(export.file, "rb"), as_attachment=True,
                        filename=export.file.rsplit("/", 1)[-1])


@never_cache
def enter(request, token):
    user, consent = support.redeem_pass(current_unit(), token)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.set_expiry(consent.expires_at)
    return redirect("home")
