"""Forms of the fund pages. They render and collect text; care.fund.services validates it (amounts included, as
Decimal) with the rules the API applies, and the portal shows its errors next to the fields."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from care.fund import access
from care.fund.models import INCOME_KINDS, MANUAL_SPENDING, AssistanceApplication, Fund, LedgerEntry
from care.registers import access as register_access
from care.registers.models import HardshipCategory, Node, NodeKind
from care.registers.portal.member_forms import date_field, visible_categories
from carehub.accounts.models import User
from carehub.clock import unit_today
from carehub.portal.common import label_of
from carehub.portal.widgets import NodeSelect
from carehub.uploads import DOCUMENT, UploadField


def amount_field(label, **kwargs):
    # Text, not a float-typed NumberInput value: the service parses it as Decimal and says what is wrong.
    return forms.CharField(label=label, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)


class PostingForm(forms.Form):
    kind = forms.ChoiceField(label=label_of(LedgerEntry, "kind"))
    amount = amount_field(label_of(LedgerEntry, "amount"), required=False)
    booked_on = date_field(label_of(LedgerEntry, "booked_on"), help_text=_("Empty: today."))
    counterparty = forms.CharField(label=label_of(LedgerEntry, "counterparty"), max_length=100, required=False,
                                   help_text=_("Who paid in, or who was paid."))
    purpose = forms.CharField(label=label_of(LedgerEntry, "purpose"), max_length=200, required=False)
    reference = forms.CharField(label=label_of(LedgerEntry, "reference"), max_length=60, required=False,
                                help_text=LedgerEntry._meta.get_field("reference").help_text)
    member = forms.ModelChoiceField(label=_("Member number"), queryset=None, required=False,
                                    widget=forms.NumberInput(attrs={"min": 1}),
                                    help_text=_("If a member gave or received it: the number on their page."))
    attachment = UploadField(DOCUMENT, label=_("Receipt or voucher"), required=False)

    def __init__(self, *args, user, spending: bool, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = MANUAL_SPENDING if spending else INCOME_KINDS
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        self.fields["member"].queryset = register_access.visible_members(user)


class TransferForm(forms.Form):
    target = forms.ModelChoiceField(label=_("To the fund"), queryset=None, empty_label=_("Choose a fund"))
    amount = amount_field(label_of(LedgerEntry, "amount"), required=False)
    booked_on = date_field(label_of(LedgerEntry, "booked_on"), help_text=_("Empty: today."))
    purpose = forms.CharField(label=label_of(LedgerEntry, "purpose"), max_length=200, required=False)
    reference = forms.CharField(label=label_of(LedgerEntry, "reference"), max_length=60, required=False)

    def __init__(self, *args, user, fund: Fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = access.visible_funds(user).exclude(pk=fund.pk)


class ReverseForm(forms.Form):
    note = forms.CharField(label=_("Why is it reversed?"), max_length=150, required=False)
    booked_on = date_field(_("Date of the reversal"), help_text=_("Empty: today. It must be in an open period."))


class UploadForm(forms.Form):
    file = UploadField(DOCUMENT, label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


def month_choices():
    return [("", _("The whole year"))] + [(str(month), str(month)) for month in range(1, 13)]


class PeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    month = forms.TypedChoiceField(label=_("Month"), choices=month_choices, coerce=int, empty_value=None,
                                   required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        today = unit_today()
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        kwargs.setdefault("initial", {"year": last_month.year, "month": last_month.month})
        super().__init__(*args, **kwargs)


class DisclosureForm(PeriodForm):
    """The period a disclosure (or a link to it) covers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": unit_today().year})
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class FundForm(forms.Form):
    name = forms.CharField(label=label_of(Fund, "name"), max_length=100, required=False)
    allows_overdraft = forms.BooleanField(label=label_of(Fund, "allows_overdraft"), required=False,
                                          help_text=Fund._meta.get_field("allows_overdraft").help_text)
    second_approval_above = amount_field(label_of(Fund, "second_approval_above"), required=False,
                                         help_text=Fund._meta.get_field("second_approval_above").help_text)

    def __init__(self, *args, fund: Fund | None = None, **kwargs):
        if fund is not None:
            kwargs["initial"] = {"name": fund.name, "allows_overdraft": fund.allows_overdraft,
                                 "second_approval_above": fund.second_approval_above or ""}
        super().__init__(*args, **kwargs)
        if fund is None:
            self.fields["node"] = forms.ModelChoiceField(
                label=label_of(Fund, "node"), queryset=Node.objects.filter(fund__isnull=True),
                empty_label=_("Choose an organisation"), widget=NodeSelect)
            self.fields["currency"] = forms.CharField(label=label_of(Fund, "currency"), max_length=3,
                                                      initial="CNY")
            self.order_fields(["node", "name", "currency"])


class ApplicationForm(forms.Form):
    category = forms.ChoiceField(label=label_of(AssistanceApplication, "category"))
    amount_requested = amount_field(label_of(AssistanceApplication, "amount_requested"), required=False)
    reason = forms.CharField(label=label_of(AssistanceApplication, "reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))
    evidence = UploadField(DOCUMENT, label=_("Evidence"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = visible_categories(user)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(NoteForm):
    amount = amount_field(_("Approved amount"), required=False)
    field_order = ["amount", "note"]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the rejection"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PayForm(NoteForm):
    amount = amount_field(_("Amount paid"), required=False, help_text=_("Empty: the approved amount."))
    paid_on = date_field(_("Paid on"), help_text=_("Empty: today."))
    reference = forms.CharField(label=label_of(LedgerEntry, "reference"), max_length=60, required=False)
    field_order = ["amount", "paid_on", "reference", "note"]


class RuleForm(forms.Form):
    """A cost sharing rule of two to three levels (the rest of the lines left empty)."""

    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("Every category"))] + list(HardshipCategory.choices))

    LINES = 3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = [("", "—")] + list(NodeKind.choices)
        for index in range(self.LINES):
            self.fields[f"level_{index}"] = forms.ChoiceField(label=_("Level"), choices=levels, required=False)
            self.fields[f"percent_{index}"] = forms.CharField(label=_("Share (%)"), required=False, max_length=6)

    def legs(self) -> list[dict]:
        return [{"level": self.cleaned_data[f"level_{index}"], "percent": self.cleaned_data[f"percent_{index}"]}
                for index in range(self.LINES)
                if self.cleaned_data[f"level_{index}"] or self.cleaned_data[f"percent_{index}"]]

    def lines(self):
        return [(self[f"level_{index}"], self[f"percent_{index}"]) for index in range(self.LINES)]


class MemberLinkForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff account"), queryset=User.objects.order_by("email"),
                                  empty_label=_("Choose an account"))
    member = forms.IntegerField(label=_("Member number"), min_value=1,
                                help_text=_("The number on the member's page."))

