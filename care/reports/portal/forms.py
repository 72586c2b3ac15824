from django import forms
from django.utils.translation import gettext_lazy as _

from care.registers import access
from care.reports.models import ReportKind
from care.reports.services.periods import KINDS
from carehub.clock import unit_today
from carehub.portal.widgets import NodeSelect


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    node = forms.ModelChoiceField(label=_("Organisation"), queryset=None, required=False,
                                  empty_label=_("Whole unit"), widget=NodeSelect,
                                  help_text=_("The report covers this organisation and everything below it."))
    period = forms.ChoiceField(label=_("Period"), choices=list(KINDS.items()), initial="year")
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2200, required=False)
    number = forms.IntegerField(label=_("Month, quarter or half"), min_value=1, max_value=12, required=False,
                                help_text=_("For a month: 1 to 12; a quarter: 1 to 4; a half-year: 1 or 2."))
    starts_on = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = access.visible_nodes(user)
        if access.root_path(user) != "":  # only who sees the whole unit may report on it
            self.fields["node"].required, self.fields["node"].empty_label = True, None
        self.fields["year"].initial = unit_today().year

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)
