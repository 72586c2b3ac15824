"""Console login for operators (public schema): password first, then the TOTP code (see two_factor)."""

from django import forms
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from carehub.accounts.models import User
from tenants.portal import two_factor

PENDING = "operator_2fa_pending"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _locked_message():
    return _("Too many failed attempts. Try again in %(minutes)d minutes.") % {
        "minutes": two_factor.LOCK_SECONDS // 60}


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Six-digit code from your authenticator app"), max_length=8,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class OperatorLoginForm(AuthenticationForm):
    """The password step: refused while the account is locked out, and for accounts that are not operators
    with the same message as a wrong password."""

    def clean(self):
        if two_factor.is_locked(self.data.get("username", "")):
            raise forms.ValidationError(_locked_message(), code="locked")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise self.get_invalid_login_error()


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = OperatorLoginForm(request, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            request.session.cycle_key()
            request.session[PENDING] = {"user": form.get_user().pk, "next": request.POST.get("next", "")}
            return redirect("two_factor")
        if not form.has_error(forms.forms.NON_FIELD_ERRORS, "locked"):
            two_factor.register_failure(request.POST.get("username", ""))
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


@never_cache
@sensitive_post_parameters("code")
def two_factor_view(request):
    pending = request.session.get(PENDING)
    user = User.objects.filter(pk=(pending or {}).get("user"), is_active=True, is_staff=True).first()
    if user is None:
        return redirect("login")
    device = two_factor.device_for(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if two_factor.is_locked(user.email):
            form.add_error(None, _locked_message())
        elif form.is_valid() and two_factor.verify(device, form.cleaned_data["code"]):
            two_factor.clear_failures(user.email)
            del request.session[PENDING]
            login(request, user, backend=BACKEND)
            target = pending.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "home"
            return redirect(target)
        else:
            two_factor.register_failure(user.email)
            form.add_error("code", _("That code is not valid. Codes change every 30 seconds."))
    context = {"form": form, "enrol": device.confirmed_at is None}
    if context["enrol"]:
        context.update(qr=two_factor.qr_svg(device), secret=device.secret)
    return render(request, "accounts/two_factor.html", context)
