"""Forms of the member pages. They only render and collect values: services.members validates them, with the
same rules the API and the imports apply, and its errors are shown next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from care.registers import access
from care.registers.filters import MemberFilter
from care.registers.models import SENSITIVE_CATEGORIES, ExtraFieldKind, HardshipCategory, Member, MemberStatus, Sex
from care.registers.services.members import EDITABLE
from carehub.portal.common import extra_name, forget_built_fields, label_of
from carehub.portal.widgets import NodeSelect

BLANK = [("", "—")]


def date_input():
    # ISO whatever the language: the browser's date picker needs it, and the services parse it.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def date_field(label, **kwargs):
    return forms.CharField(label=label, required=False, widget=date_input(), **kwargs)


def _extra_form_field(field):
    options = {"label": field.label, "required": False,
               "help_text": _("Required.") if field.required else ""}
    if field.kind == ExtraFieldKind.CHOICE:  # a plain CharField: the service, not the form, judges the value
        return forms.CharField(widget=forms.Select(choices=BLANK + [(choice, choice) for choice in field.choices]),
                               **options)
    if field.kind == ExtraFieldKind.DATE:
        return forms.CharField(widget=date_input(), **options)
    if field.kind == ExtraFieldKind.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **options)
    return forms.CharField(max_length=200, **options)


MONTH_ONLY_HELP = _("The date above is then the month's first day, when its greeting goes out.")


class MemberForm(forms.Form):
    name = forms.CharField(label=label_of(Member, "name"), max_length=50, required=False)
    sex = forms.CharField(label=label_of(Member, "sex"), required=False,
                          widget=forms.Select(choices=BLANK + Sex.choices))
    birth_date = date_field(label_of(Member, "birth_date"))
    lunar_birth_month = forms.CharField(label=label_of(Member, "lunar_birth_month"), required=False,
                                        widget=forms.NumberInput(attrs={"min": 1, "max": 12}))
    lunar_birth_day = forms.CharField(label=label_of(Member, "lunar_birth_day"), required=False,
                                      widget=forms.NumberInput(attrs={"min": 1, "max": 30}))
    lunar_birth_leap = forms.BooleanField(label=label_of(Member, "lunar_birth_leap"), required=False)
    birth_month_only = forms.BooleanField(label=label_of(Member, "birth_month_only"), required=False,
                                          help_text=MONTH_ONLY_HELP)
    joined_on = date_field(label_of(Member, "joined_on"),
                           help_text=_("Its anniversary is the member's political birthday."))
    joined_month_only = forms.BooleanField(label=label_of(Member, "joined_month_only"), required=False,
                                           help_text=MONTH_ONLY_HELP)
    phone = forms.CharField(label=label_of(Member, "phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    uses_smartphone = forms.BooleanField(label=label_of(Member, "uses_smartphone"), required=False)
    proxy_name = forms.CharField(label=label_of(Member, "proxy_name"), max_length=50, required=False,
                                 help_text=Member._meta.get_field("proxy_name").help_text)
    proxy_phone = forms.CharField(label=label_of(Member, "proxy_phone"), max_length=30, required=False,
                                  widget=forms.TextInput(attrs={"type": "tel"}))
    address = forms.CharField(label=label_of(Member, "address"), max_length=200, required=False)

    def __init__(self, *args, extra_fields, validate_url, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_fields = list(extra_fields)
        if nodes is not None:  # creating: the organisation is chosen here; later it changes by transfer
            self.fields["node"] = forms.ModelChoiceField(label=label_of(Member, "node"), queryset=nodes,
                                                         empty_label=_("Choose an organisation"), widget=NodeSelect)
            self.order_fields(["node"])
        for field in self.extra_fields:
            self.fields[extra_name(field.key)] = _extra_form_field(field)
        for field in self.fields.values():
            # Each change is checked at once by the same service that will save it (see members.validate).
            # A newer check replaces one still running, so an older answer never wipes out a newer error.
            field.widget.attrs.update({"hx-post": validate_url, "hx-trigger": "change", "hx-swap": "none",
                                       "hx-sync": "closest form:replace"})

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        initial = {name: getattr(member, name) for name in EDITABLE if name != "extra"}
        initial.update({extra_name(key): value for key, value in member.extra.items()})
        return initial

    def extra_bound_fields(self):
        return [self[extra_name(field.key)] for field in self.extra_fields]

    def service_data(self) -> dict:
        """The values as services.members takes them (extra fields as one dict keyed by their keys)."""
        data = {name: self.cleaned_data.get(name) for name in EDITABLE if name != "extra"}
        data["extra"] = {field.key: self.cleaned_data.get(extra_name(field.key)) for field in self.extra_fields}
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=MemberStatus.choices)
    effective_on = date_field(_("Effective from"), help_text=_("Empty: today."))
    died_on = date_field(label_of(Member, "died_on"), help_text=_("Only when the member has died."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TransferForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Transfer to"), queryset=None, widget=NodeSelect)
    effective_on = date_field(_("Effective from"), help_text=_("Empty: today."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = access.visible_nodes(user).exclude(pk=member.node_id)


def visible_categories(user) -> list:
    """The hardship categories the user may see, and so choose or filter by."""
    if access.can_see_sensitive(user):
        return HardshipCategory.choices
    return [(value, label) for value, label in HardshipCategory.choices if value not in SENSITIVE_CATEGORIES]


class MemberListFilter(MemberFilter):
    """The shared member filter, offering only the user's organisations and the categories they may see."""

    def __init__(self, data, *, request):
        super().__init__(data, queryset=access.visible_members(request.user).select_related("node"),
                         request=request)
        forget_built_fields(self)
        self.filters["node"].queryset = access.visible_nodes(request.user)
        self.filters["node"].extra["empty_label"] = _("All organisations")
        self.filters["sex"].extra["empty_label"] = _("Any")
        self.filters["status"].extra["widget"] = forms.CheckboxSelectMultiple
        self.filters["hardship"].extra.update(widget=forms.CheckboxSelectMultiple,
                                              choices=visible_categories(request.user))
