"""Message templates with their live preview, the unit's SMS settings (admins), and the development page of
what the sandbox gateway delivered to each phone."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.registers import access
from carehub.portal.common import NOT_DONE, attempt, show_errors
from notifications import rendering
from notifications.access import visible_messages
from notifications.models import Category, Template
from notifications.portal.forms import AccountForm, SettingsForm, TemplateForm
from notifications.sandbox import sandbox_inbox
from notifications.services import settings as sms_settings
from notifications.services import templates as service


@login_required
def template_list(request):
    languages, kinds = dict(settings.LANGUAGES), dict(Category.choices)
    rows = [{**row, "language_label": languages.get(row["language"], row["language"]),
             "category_label": kinds.get(row["category"], row["category"])} for row in service.effective_templates()]
    return render(request, "notifications/templates.html", {
        "rows": rows, "is_admin": request.user.role == "admin", "variables": rendering.VARIABLES})


@login_required
def template_edit(request):
    """The unit's text for ?key=&language= (new when neither is given); saving replaces any earlier one."""
    access.require_admin(request.user)
    key, language = request.GET.get("key", ""), request.GET.get("language", "")
    own = Template.objects.filter(key=key, language=language).first()
    default = next((row for row in service.effective_templates(language or None) if row["key"] == key), None)
    initial = {"key": key, "language": language or request.LANGUAGE_CODE,
               "category": default["category"] if default else "notice", "body": default["body"] if default else ""}
    form = TemplateForm(request.POST or None, initial=initial, preview_url=reverse("sms:preview"))
    if request.method == "POST" and form.is_valid():
        template = attempt(request, form, lambda: service.save_template(request.user, **form.cleaned_data),
                           _("The template was saved."))
        if template is not NOT_DONE:
            return redirect("sms:templates")
    return render(request, "notifications/template_form.html", {"form": form, "own": own,
                                                                "variables": rendering.VARIABLES})


@login_required
@require_POST
def template_delete(request, pk):
    service.delete_template(request.user, get_object_or_404(Template, pk=pk))
    messages.success(request, _("The unit's own text was removed; the built-in one applies again."))
    return redirect("sms:templates")


@login_required
@require_POST
def preview(request):
    """HTMX, as one types: the text with sample values, its characters, segments and encoding."""
    body = request.POST.get("body", "")
    text, count = service.preview(body)
    return render(request, "notifications/_preview.html", {
        "text": text, "count": count, "limit": sms_settings.get_settings().max_segments,
        "unknown": rendering.unknown_variables(body)})


@login_required
def settings_page(request):
    access.require_admin(request.user)
    sms = sms_settings.get_settings()
    form = SettingsForm(request.POST if "save_settings" in request.POST else None, instance=sms, prefix="sms")
    account_form = AccountForm(request.POST if "save_account" in request.POST else None,
                               initial={"account_sid": sms.account_sid}, prefix="account")
    if form.is_bound and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in sms_settings.EDITABLE}
        if attempt(request, form, lambda: sms_settings.update_settings(request.user, **fields),
                   _("Saved.")) is not NOT_DONE:
            return redirect("sms:settings")
    if account_form.is_bound and account_form.is_valid():
        try:
            sms_settings.set_own_account(request.user, account_form.cleaned_data["account_sid"],
                                         account_form.cleaned_data["auth_token"])
        except ValidationError as exc:
            show_errors(account_form, exc)
        else:
            messages.success(request, _("Saved. The token is stored encrypted."))
            return redirect("sms:settings")
    return render(request, "notifications/settings.html", {
        "form": form, "account_form": account_form, "sms": sms,
        "has_own_account": bool(sms.account_sid and sms.auth_token_encrypted)})


def sandbox_enabled() -> bool:
    """Development only, and only when messages go to a local sandbox gateway rather than to Twilio."""
    host = urlsplit(settings.TWILIO_API_BASE_URL).hostname or ""
    return settings.DEBUG and not host.endswith("twilio.com")


@login_required
def sandbox_phones(request):
    """What the sandbox gateway "delivered" to a phone: the messages it holds for that number."""
    if not sandbox_enabled():
        raise Http404
    recent = list(visible_messages(request.user).exclude(sid=None).order_by("-created_at")
                  .values_list("to", flat=True)[:500])
    phones = list(dict.fromkeys(recent))[:30]
    phone = request.GET.get("phone") or (phones[0] if phones else "")
    if phone not in phones and not visible_messages(request.user).filter(to=phone).exists():
        phone = ""  # only phones this account may see messages to
    inbox = sandbox_inbox(phone) if phone else []
    return render(request, "notifications/sandbox.html", {
        "phones": phones, "phone": phone, "inbox": inbox, "unreachable": inbox is None,
        "gateway": settings.TWILIO_API_BASE_URL})
