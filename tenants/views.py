"""The operator console at the base domain: the list of units, onboarding and lifecycle actions."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import services
from .models import Unit, UnitEvent, UnitKind


def operator_required(view):
    def check(user):
        if user.is_authenticated and not user.is_staff:
            raise PermissionDenied
        return user.is_authenticated

    return login_required(user_passes_test(check)(view))


class OnboardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(label=_("Slug"), max_length=services.SLUG_MAX,
                           help_text=_("Lowercase letters, digits and hyphens; the unit's address."))
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    admin_email = forms.EmailField(label=_("First admin's email"))
    admin_phone = forms.CharField(label=_("First admin's phone"), required=False, max_length=20)
    time_zone = forms.CharField(label=_("Time zone"), initial=settings.CAREHUB_TIME_ZONE)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


# Service error keys that the form names differently.
SERVICE_FIELDS = {"email": "admin_email", "phone": "admin_phone"}


@operator_required
def console(request):
    units = Unit.objects.units().prefetch_related("domains").order_by("name")
    rows = [(unit, services.unit_url(unit)) for unit in units]
    return render(request, "tenants/console.html", {"rows": rows})


@operator_required
def onboard(request):
    form = OnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.onboard_unit(request.user, source="console", **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = SERVICE_FIELDS.get(field, field)
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, "tenants/onboarded.html", {"result": result})
    return render(request, "tenants/onboard.html", {"form": form})


@operator_required
@require_POST
def change_status(request, slug, action):
    unit = get_object_or_404(Unit.objects.units(), slug=slug)
    if action not in {UnitEvent.Action.SUSPENDED, UnitEvent.Action.RESUMED, UnitEvent.Action.ARCHIVED}:
        raise PermissionDenied
    try:
        services.change_status(request.user, unit, action, note=request.POST.get("note", ""), source="console")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("home")
