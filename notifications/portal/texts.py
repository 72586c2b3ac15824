"""Message templates with their live preview, the unit's SMS settings (admins), and the development page of
what the sandbox gateway delivered to each phone."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.registers import access
from carehub.portal.actions import FormActionView
from carehub.portal.common import flash_error
from notifications import rendering
from notifications.access import visible_messages
from notifications.models import Category, Template
from notifications.portal.forms import AccountForm, SettingsForm, TemplateForm
from notifications.services import sandbox_phones
from notifications.services import settings as sms_settings
from notifications.services import templates as service
from notifications.services.config import get_settings


@login_required
def template_list(request):
    """Every purpose by its name, a row per language it has a text in; a purpose of the unit's own that lacks a
    language offers to write it."""
    languages, kinds = dict(settings.LANGUAGES), dict(Category.choices)
    effective = service.effective_templates()
    written = {(row["key"], row["language"]) for row in effective}
    rows = [{**row, "language_label": languages.get(row["language"], row["language"]),
             "category_label": kinds.get(row["category"], row["category"]),
             "missing": [(code, label) for code, label in settings.LANGUAGES if (row["key"], code) not in written]}
            for row in effective]
    return render(request, "notifications/templates.html", {
        "rows": rows, "is_admin": request.user.role == "admin", "variables": rendering.words()})


class EditTemplate(FormActionView):
    """The unit's text for ?key=&language= (a new purpose, named on the form, when no key is given); saving
    replaces any earlier one. The key is in the address, never on the form."""

    form_class = TemplateForm
    template_name = "notifications/template_form.html"
    success_message = gettext_lazy("The template was saved.")

    @property
    def key(self) -> str:
        return self.request.GET.get("key", "")

    def check(self, obj):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, obj):
        language = self.request.GET.get("language", "")
        rows = [row for row in service.effective_templates() if row["key"] == self.key and self.key]
        default = next((row for row in rows if row["language"] == language), rows[0] if rows else None)
        body = default["body"] if default and default["language"] == language else ""
        initial = {"name": default["name"] if default else "", "language": language or self.request.LANGUAGE_CODE,
                   "category": default["category"] if default else "notice", "body": rendering.in_words(body)}
        return {"initial": initial, "preview_url": reverse("sms:preview"),
                "built_in": self.key in service.BUILT_IN_NAMES}

    def act(self, form, obj):
        return service.save_template(self.request.user, key=self.key, **form.cleaned_data)

    def success_url(self, template, obj):
        return reverse("sms:templates")

    def get_context(self, form, obj):
        own = Template.objects.filter(key=self.key, language=self.request.GET.get("language", "")).first()
        return {"form": form, "own": own, "variables": rendering.words(),
                "purpose": service.name_of(self.key) if self.key else ""}


class DeleteTemplate(FormActionView):
    """The unit's own text goes; the built-in one (if any) applies again."""

    form_class = forms.Form
    post_only = True
    success_message = gettext_lazy("The unit's own text was removed; the built-in one applies again.")

    def get_object(self):
        return get_object_or_404(Template, pk=self.kwargs["pk"])

    def check(self, template):
        access.require_admin(self.request.user)

    def act(self, form, template):
        return service.delete_template(self.request.user, template)

    def success_url(self, result, template):
        return reverse("sms:templates")

    def render_page(self, form, template):  # a refusal is shown on the list the button belongs to
        flash_error(self.request, ValidationError(form.non_field_errors()))
        return redirect("sms:templates")


@login_required
@require_POST
def preview(request):
    """HTMX, as one types: the text with sample values, its characters, segments and encoding."""
    body = request.POST.get("body", "")
    text, count = service.preview(body)
    return render(request, "notifications/_preview.html", {
        "text": text, "count": count, "limit": get_settings().max_segments,
        "unknown": rendering.unknown_variables(body)})


class SettingsPage(FormActionView):
    """The unit's sender, sending hours and limits, and in a second form on the page its own Twilio account (the
    button pressed says which form is posted). Admins only."""

    template_name = "notifications/settings.html"

    @property
    def saving_account(self) -> bool:
        return "save_account" in self.request.POST

    @property
    def form_class(self):
        return AccountForm if self.saving_account else SettingsForm

    def get_object(self):
        return get_settings()

    def check(self, sms):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, sms):
        return self._account_kwargs(sms) if self.saving_account else self._settings_kwargs(sms)

    @staticmethod
    def _settings_kwargs(sms) -> dict:
        return {"instance": sms, "prefix": "sms"}

    @staticmethod
    def _account_kwargs(sms) -> dict:
        return {"initial": {"account_sid": sms.account_sid}, "prefix": "account"}

    def act(self, form, sms):
        data = form.cleaned_data
        if self.saving_account:
            return sms_settings.set_own_account(self.request.user, data["account_sid"], data["auth_token"])
        return sms_settings.update_settings(self.request.user, **{name: data[name] for name in sms_settings.EDITABLE})

    def get_success_message(self, result, sms):
        return _("Saved. The token is stored encrypted.") if self.saving_account else _("Saved.")

    def success_url(self, result, sms):
        return reverse("sms:settings")

    def get_context(self, form, sms):
        if self.saving_account:
            settings_form, account_form = SettingsForm(**self._settings_kwargs(sms)), form
        else:
            settings_form, account_form = form, AccountForm(**self._account_kwargs(sms))
        return {"form": settings_form, "account_form": account_form, "sms": sms,
                "has_own_account": bool(sms.account_sid and sms.auth_token_encrypted)}


@login_required
def sandbox_phones_page(request):
    """What the sandbox gateway "delivered" to a phone: the messages it holds for that number."""
    if not sandbox_phones.enabled():
        raise Http404
    recent = list(visible_messages(request.user).exclude(sid=None).order_by("-created_at")
                  .values_list("to", flat=True)[:500])
    phones = list(dict.fromkeys(recent))[:30]
    phone = request.GET.get("phone") or (phones[0] if phones else "")
    if phone not in phones and not visible_messages(request.user).filter(to=phone).exists():
        phone = ""  # only phones this account may see messages to
    inbox = sandbox_phones.inbox(phone) if phone else []
    return render(request, "notifications/sandbox.html", {
        "phones": phones, "phone": phone, "inbox": inbox, "unreachable": inbox is None,
        "gateway": settings.TWILIO_API_BASE_URL})
