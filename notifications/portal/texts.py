"""Message templates with their live preview (and, for a unit sending through Alibaba Cloud, each template's code,
approval and compliance problems there), the unit's SMS settings and provider (admins), and the development page
of what the sandbox gateway delivered to each phone."""

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
from notifications.models import Approval, Category, Provider, Template
from notifications.portal.forms import (
    AccountForm,
    LadderForm,
    ProviderForm,
    RenewPushForm,
    SettingsForm,
    TemplateForm,
)
from notifications.services import compliance, contacts, sandbox_phones
from notifications.services import settings as sms_settings
from notifications.services import templates as service
from notifications.services.config import get_settings, uses_aliyun


@login_required
def template_list(request):
    """Every purpose by its name, a row per language it has a text in; a purpose of the unit's own that lacks a
    language offers to write it."""
    languages, kinds = dict(settings.LANGUAGES), dict(Category.choices)
    effective = service.effective_templates()
    written = {(row["key"], row["language"]) for row in effective}
    aliyun = uses_aliyun()
    rows = [{**row, "language_label": languages.get(row["language"], row["language"]),
             "category_label": kinds.get(row["category"], row["category"]),
             "missing": [(code, label) for code, label in settings.LANGUAGES if (row["key"], code) not in written],
             "review": compliance.template_review(row["body"], row["category"]) if aliyun else None}
            for row in effective]
    return render(request, "notifications/templates.html", {
        "rows": rows, "is_admin": request.user.role == "admin", "variables": rendering.words(), "aliyun": aliyun,
        "approved": Approval.APPROVED})


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
        own = default["own"] if default and default["language"] == language else None
        initial = {"name": default["name"] if default else "", "language": language or self.request.LANGUAGE_CODE,
                   "category": default["category"] if default else "notice", "body": rendering.in_words(body),
                   "vendor_code": own.vendor_code if own else "", "approval": own.approval if own else Approval.PENDING}
        return {"initial": initial, "preview_url": reverse("sms:preview"),
                "built_in": self.key in service.BUILT_IN_NAMES, "aliyun": uses_aliyun()}

    def act(self, form, obj):
        return service.save_template(self.request.user, key=self.key, **form.cleaned_data)

    def success_url(self, template, obj):
        return reverse("sms:templates")

    def get_context(self, form, obj):
        own = Template.objects.filter(key=self.key, language=self.request.GET.get("language", "")).first()
        return {"form": form, "own": own, "variables": rendering.words(),
                "purpose": service.name_of(self.key) if self.key else "", "aliyun": uses_aliyun(),
                "daily_cap": compliance.DAILY_CAP, "own_cap": get_settings().daily_cap_per_recipient}


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
    category = request.POST.get("category", "")
    return render(request, "notifications/_preview.html", {
        "text": text, "count": count, "limit": get_settings().max_segments,
        "unknown": rendering.unknown_variables(body),
        "review": compliance.template_review(body, category) if category and uses_aliyun() else None})


class SettingsPage(FormActionView):
    """The unit's sender, sending hours and limits; in further forms on the page its provider (Twilio, or Alibaba
    Cloud with its AccessKey and signature, and the push URLs to enter in the vendor's console), its own Twilio
    account and how far each purpose's messages climb the ladder of channels (the button pressed says which form
    is posted). Admins only."""

    template_name = "notifications/settings.html"
    FORMS = {"save_settings": SettingsForm, "save_provider": ProviderForm, "save_account": AccountForm,
             "save_ladders": LadderForm, "renew_push": RenewPushForm}

    @property
    def posted(self) -> str:
        """Which of the page's forms was posted (its button's name)."""
        return next((name for name in self.FORMS if name in self.request.POST), "save_settings")

    @property
    def form_class(self):
        return self.FORMS[self.posted]

    def get_object(self):
        return get_settings()

    def check(self, sms):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, sms):
        return self._kwargs(self.posted, sms)

    @staticmethod
    def _kwargs(name: str, sms) -> dict:
        if name == "save_provider":
            return {"initial": {"provider": sms.provider, "aliyun_access_key_id": sms.aliyun_access_key_id,
                                "sign_name": sms.sign_name}, "prefix": "provider"}
        if name == "save_account":
            return {"initial": {"account_sid": sms.account_sid}, "prefix": "account"}
        if name == "save_ladders":
            return {"purposes": contacts.purposes(), "prefix": "ladder"}
        if name == "renew_push":
            return {"prefix": "push"}
        return {"instance": sms, "prefix": "sms"}

    def act(self, form, sms):
        data, user = form.cleaned_data, self.request.user
        if self.posted == "save_provider":
            return sms_settings.set_provider(user, data["provider"], access_key_id=data["aliyun_access_key_id"],
                                             access_key_secret=data["aliyun_access_key_secret"],
                                             sign_name=data["sign_name"])
        if self.posted == "save_account":
            return sms_settings.set_own_account(user, data["account_sid"], data["auth_token"])
        if self.posted == "save_ladders":
            return contacts.set_ladders(user, data)
        if self.posted == "renew_push":
            return sms_settings.renew_push_secret(user)
        return sms_settings.update_settings(user, **{name: data[name] for name in sms_settings.EDITABLE})

    def get_success_message(self, result, sms):
        if self.posted == "save_account":
            return _("Saved. The token is stored encrypted.")
        if self.posted == "renew_push":
            return _("New push addresses made: enter them in the Alibaba Cloud console now. The old ones no longer "
                     "work.")
        if self.posted == "save_provider" and result.provider == Provider.ALIYUN:
            return _("Saved. The AccessKey secret is stored encrypted. Enter the push addresses below in the "
                     "Alibaba Cloud console.")
        return _("Saved.")

    def success_url(self, result, sms):
        return reverse("sms:settings")

    def get_context(self, form, sms):
        forms = {name: form if name == self.posted else self.FORMS[name](**self._kwargs(name, sms))
                 for name in self.FORMS}
        return {"form": forms["save_settings"], "provider_form": forms["save_provider"],
                "account_form": forms["save_account"], "ladder_form": forms["save_ladders"], "sms": sms,
                "aliyun": uses_aliyun(sms),
                "push_urls": sms_settings.push_urls(sms) if uses_aliyun(sms) else {},
                "has_own_account": bool(sms.account_sid and sms.auth_token_encrypted),
                "has_aliyun_secret": bool(sms.aliyun_secret_encrypted)}


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
