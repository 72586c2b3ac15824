"""The operator console at the base domain: units, onboarding, lifecycle, health, support access, tokens."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.models import Plan, SubscriptionStatus
from carehub.accounts.operators import operator_required
from carehub.accounts.services import FULL_NAME_MAX
from carehub.portal.common import flash_error, show_errors
from tenants.models import OperatorToken, Unit, UnitEvent, UnitKind
from tenants.services import console as read
from tenants.services import lifecycle, support, tokens
from tenants.services import onboarding as services
from tenants.services.health import unit_health
from tenants.tasks import request_export


class OnboardForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    slug = forms.CharField(label=gettext_lazy("Slug"), max_length=services.SLUG_MAX,
                           help_text=gettext_lazy("Lowercase letters, digits and hyphens; the unit's address."))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=UnitKind.choices)
    # Asked for as a staff invitation asks (carehub.accounts.services.clean_full_name checks both): the unit's
    # staff list, its audit trail and members' timelines name the admin, not their address.
    admin_name = forms.CharField(label=gettext_lazy("First admin's name"), max_length=FULL_NAME_MAX,
                                 help_text=gettext_lazy("As colleagues know them; shown instead of the email."))
    admin_email = forms.EmailField(label=gettext_lazy("First admin's email"))
    admin_phone = forms.CharField(label=gettext_lazy("First admin's phone"), required=False, max_length=20)
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), initial=settings.CAREHUB_TIME_ZONE)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)


# Service error keys that the form names differently.
SERVICE_FIELDS = {"email": "admin_email", "full_name": "admin_name", "phone": "admin_phone"}
STATUS_ACTIONS = {UnitEvent.Action.SUSPENDED, UnitEvent.Action.RESUMED, UnitEvent.Action.ARCHIVED,
                  UnitEvent.Action.RESTORED}


@operator_required
def console(request):
    rows = [(unit, services.unit_url(unit)) for unit in read.unit_rows()]
    return render(request, "tenants/console.html", {"rows": rows})


@operator_required
def onboard(request):
    form = OnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.onboard_unit(request.user, source="console", **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc, SERVICE_FIELDS)
        else:
            return render(request, "tenants/onboarded.html", {"result": result})
    return render(request, "tenants/onboard.html", {"form": form})


def _unit(slug) -> Unit:
    return get_object_or_404(Unit.objects.units().exclude(status="deleted"), slug=slug)


@operator_required
@require_POST
def change_status(request, slug, action):
    unit = _unit(slug)
    if action not in STATUS_ACTIONS:
        raise PermissionDenied
    try:
        services.change_status(request.user, unit, action, note=request.POST.get("note", ""), source="console")
    except ValidationError as exc:
        flash_error(request, exc)
    return redirect(request.POST.get("back") or "home")


@operator_required
def unit_detail(request, slug):
    unit = _unit(slug)
    subscription = getattr(unit, "subscription", None)
    return render(request, "tenants/unit.html", {
        "target": unit, "url": services.unit_url(unit),  # not "unit": that names the current unit
        "health": unit_health(unit) if unit.status != "archived" else None,
        "events": unit.events.select_related("actor")[:30], "usage": read.monthly_usage(unit),
        "exports": unit.exports.all()[:5], "consent": support.active_consent(unit),
        "subscription": subscription, "plans": Plan.objects.filter(is_active=True),
        "subscription_changes": subscription.changes.select_related("plan", "actor").reverse()[:10]
        if subscription else [],
        "invoices": unit.invoices.all()[:12], "status_choices": SubscriptionStatus.choices,
    })


def _action(request, slug, function, success):
    """Run a lifecycle service for the console: flash its outcome or its error, back to the unit's page."""
    unit = _unit(slug)
    try:
        outcome = function(unit)
    except ValidationError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, success(outcome) if callable(success) else success)
    unit.refresh_from_db()
    return redirect("unit_detail", unit.slug) if unit.status != "deleted" else redirect("home")


@operator_required
@require_POST
def rename(request, slug):
    return _action(request, slug, lambda unit: lifecycle.rename(request.user, unit, request.POST.get("name", "")),
                   _("The unit was renamed."))


@operator_required
@require_POST
def change_address(request, slug):
    def move(unit):
        return lifecycle.change_address(request.user, unit, request.POST.get("slug", "").strip())

    return _action(request, slug, move, lambda unit: _("The unit now lives at %(url)s.")
                   % {"url": services.unit_url(unit)})


@operator_required
@require_POST
def resend_invitation(request, slug):
    return _action(request, slug, lambda unit: lifecycle.resend_invitation(request.user, unit),
                   lambda link: _("New invitation link for the first admin (send it to them): %(link)s")
                   % {"link": link})


@operator_required
@require_POST
def export(request, slug):
    return _action(request, slug, lambda unit: request_export(request.user, unit),
                   _("The export is being prepared. The unit's admins download it in their portal under "
                     "“Platform support and data”."))


@operator_required
@require_POST
def deletion(request, slug, step):
    steps = {
        "request": (lambda unit: lifecycle.request_deletion(request.user, unit),
                    _("Deletion requested. It can be confirmed after the grace period.")),
        "cancel": (lambda unit: lifecycle.cancel_deletion(request.user, unit), _("Deletion cancelled.")),
        "confirm": (lambda unit: lifecycle.delete_unit(request.user, unit,
                                                       confirm_slug=request.POST.get("confirm_slug", "")),
                    _("The unit's data was deleted.")),
    }
    if step not in steps:
        raise PermissionDenied
    return _action(request, slug, *steps[step])


@operator_required
@require_POST
def enter_support(request, slug):
    unit = _unit(slug)
    try:
        link = support.issue_pass(request.user, unit)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("unit_detail", unit.slug)
    return redirect(link)


@operator_required
def platform_usage(request):
    return render(request, "tenants/usage.html", {"months": read.platform_usage()})


@operator_required
def api_tokens(request):
    created_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(OperatorToken, pk=request.POST["revoke"], user=request.user)
            tokens.revoke_token(request.user, token)
        else:
            try:
                _token, created_key = tokens.create_token(request.user, request.POST.get("name", ""))
            except ValidationError as exc:
                flash_error(request, exc)
    return render(request, "tenants/tokens.html", {
        "tokens": OperatorToken.objects.filter(user=request.user), "created_key": created_key})
