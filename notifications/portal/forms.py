"""Forms of the SMS pages. They collect values; notifications.services validates them with the rules the API
applies, and their errors are shown next to the fields (carehub.portal.common.show_errors)."""

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from notifications.models import (
    Approval,
    Category,
    Channel,
    ContactPlan,
    LadderEnd,
    OptOut,
    OptOutChannel,
    OptOutScope,
    Preferred,
    Provider,
    SendWindow,
    SmsSettings,
    Status,
    Template,
)
from notifications.services.settings import EDITABLE

BLANK = [("", "—")]
TEXT_ATTRS = {"rows": 4, "hx-trigger": "input changed delay:300ms, load", "hx-target": "#text-preview",
              "hx-swap": "innerHTML"}


def body_field(preview_url: str, required: bool = True) -> forms.CharField:
    """The text of a message, with its live preview (characters, segments, encoding) as one types."""
    return forms.CharField(label=capfirst(Template._meta.get_field("body").verbose_name), required=required,
                           strip=False, widget=forms.Textarea(attrs={**TEXT_ATTRS, "hx-post": preview_url}))


class TemplateForm(forms.Form):
    """A text for a purpose: a new purpose is named here (its key is derived from the name); a built-in one keeps
    its own name, so the form does not ask for it."""

    name = forms.CharField(label=_("Purpose"), max_length=60, required=False,
                           help_text=_("What the text is for, such as “Branch meeting notice”."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    category = forms.ChoiceField(label=_("Kind"), choices=Category.choices)

    def __init__(self, *args, preview_url: str, built_in: bool = False, aliyun: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if built_in:
            del self.fields["name"]
        self.fields["body"] = body_field(preview_url)
        self.fields["body"].widget.attrs["hx-include"] = "#template-form [name='category']"  # the rules differ
        if aliyun:  # the provider sends only templates it approved: their code and approval, as its console says
            self.fields["vendor_code"] = forms.CharField(
                label=_("Template code at Alibaba Cloud"), max_length=40, required=False,
                help_text=_("As the Alibaba Cloud console shows it once you submitted the text, such as "
                            "SMS_123456789."))
            self.fields["approval"] = forms.ChoiceField(
                label=_("Approved by Alibaba Cloud?"), choices=Approval.choices, widget=forms.RadioSelect,
                help_text=_("As the console says. A changed text waits for approval again."))


class ComposeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send as"), choices=Channel.choices, initial=Channel.SMS, required=False,
                                widget=forms.RadioSelect, help_text=_(
                                    "A voice call reads the text aloud in Mandarin, twice, to members who cannot "
                                    "read an SMS; they press 1 to ask for a visit, 2 to say they heard it."))
    template = forms.ChoiceField(label=_("Start from a template"), required=False,
                                 help_text=_("Used when the text below is left empty."))

    def __init__(self, *args, preview_url: str, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = BLANK + list(templates)  # (key, name)
        self.fields["body"] = body_field(preview_url, required=False)


class OptOutForm(forms.Form):
    phone = forms.CharField(label=capfirst(OptOut._meta.get_field("phone").verbose_name), max_length=30)
    scope = forms.ChoiceField(label=_("Declines"), choices=OptOutScope.choices, widget=forms.RadioSelect,
                              initial=OptOutScope.GREETINGS)
    channel = forms.ChoiceField(label=_("Refuses"), choices=OptOutChannel.choices, widget=forms.RadioSelect,
                                initial=OptOutChannel.ALL, required=False)  # left out: both, as before calls
    note = forms.CharField(label=_("How it was given"), max_length=200, required=False,
                           help_text=_("For example: by phone to the branch secretary, 3 May."))
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ContactPlanForm(forms.Form):
    preferred = forms.ChoiceField(label=capfirst(ContactPlan._meta.get_field("preferred").verbose_name),
                                  choices=Preferred.choices, widget=forms.RadioSelect)
    reads_sms = forms.BooleanField(label=capfirst(ContactPlan._meta.get_field("reads_sms").verbose_name),
                                   required=False, help_text=_("Untick for a member who cannot read a text "
                                                               "message (eyesight, literacy): they are called."))


class LadderForm(forms.Form):
    """How far each purpose's messages climb: one choice per purpose (contacts.purposes()), named in words."""

    def __init__(self, *args, purposes: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for row in purposes:
            default = str(LadderEnd(row["default"]).label)
            self.fields[row["purpose"]] = forms.ChoiceField(
                label=row["name"], choices=LadderEnd.choices, initial=row["end"],
                help_text=_("Default: %(end)s") % {"end": default})


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status"))] + Status.choices, required=False)
    category = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind"))] + Category.choices, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("SMS and calls"))] + Channel.choices,
                                required=False)
    date = forms.DateField(label=_("Queued on"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Member name or phone digits")}))
    notice = forms.IntegerField(required=False, widget=forms.HiddenInput)


def time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WindowForm(forms.ModelForm):
    class Meta:
        model = SendWindow
        fields = ["send_from", "send_until"]
        widgets = {"send_from": time_input(), "send_until": time_input()}


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SmsSettings
        fields = EDITABLE
        widgets = {"send_from": time_input(), "send_until": time_input()}


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label=_("Messages go out through"), choices=Provider.choices,
                                 widget=forms.RadioSelect)
    aliyun_access_key_id = forms.CharField(label=_("AccessKey ID"), max_length=64, required=False,
                                           help_text=_("Of the unit's own Alibaba Cloud account (a RAM user allowed "
                                                       "to send SMS is best)."))
    aliyun_access_key_secret = forms.CharField(
        label=_("AccessKey secret"), required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again; leave it empty to keep the one saved."))
    sign_name = forms.CharField(label=_("Signature"), max_length=40, required=False,
                                help_text=_("As Alibaba Cloud approved it: 2 to 12 characters naming the unit, "
                                            "without 【】."))


class RenewPushForm(forms.Form):
    """Nothing to fill in: the button says it (new push addresses for Alibaba Cloud)."""


class AccountForm(forms.Form):
    account_sid = forms.CharField(label=_("Own Twilio account SID"), max_length=34, required=False,
                                  help_text=_("Leave empty to send through the platform's account."))
    auth_token = forms.CharField(label=_("Auth token"), required=False,
                                 widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                                 help_text=_("Stored encrypted and never shown again."))
