"""The forms of the import wizard: the upload, and the column step."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from care.registers.models import ImportKind
from carehub.portal.widgets import NodeSelect
from carehub.uploads import SPREADSHEET, UploadField

FILE_HELP = _("An Excel workbook (.xlsx) or a CSV file in UTF-8 or GBK. The first row names the columns.")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), initial=ImportKind.MEMBERS, widget=forms.RadioSelect,
                             choices=[(kind, label) for kind, label in ImportKind.choices if kind != ImportKind.TREE])
    file = UploadField(SPREADSHEET, label=_("File"), help_text=FILE_HELP)


class TreeUploadForm(forms.Form):
    file = UploadField(SPREADSHEET, label=_("File"), help_text=FILE_HELP)


class ColumnsForm(forms.Form):
    """One choice per column of the file: the field it holds, or "not imported". `columns` are the report's
    (care.imports.services.imports.ImportReport.columns), `targets` {field: label}, `required` the fields a
    file must have."""

    def __init__(self, *args, columns: list[dict], targets: dict, required: list[str], nodes=None, **kwargs):
        """`nodes`: the organisations a members file may put every row into (when it has no such column)."""
        super().__init__(*args, **kwargs)
        choices = [("", _("Not imported")), *((key, _("%(field)s (required)") % {"field": label}
                                                 if key in required else label) for key, label in targets.items())]
        self.headers = {}  # form field -> the column's header
        for index, column in enumerate(columns):
            name = f"column_{index}"
            examples = pgettext("name separator", ", ").join(column["examples"])
            self.fields[name] = forms.ChoiceField(
                label=column["column"], choices=choices, required=False, initial=column["field"] or "",
                help_text=_("For example: %(cells)s") % {"cells": examples} if examples else _("The column is empty."))
            self.fields[name].to_check = column["how"] in ("unknown", "duplicate")
            self.headers[name] = column["column"]

        if nodes is not None:
            self.fields["node"] = forms.ModelChoiceField(
                queryset=nodes, required=False, widget=NodeSelect, label=_("Every row belongs to"),
                empty_label=_("Each row says (a column of the file)"),
                help_text=_("For a roster of one organisation without a column naming it."))

    def to_check(self):
        return [self[name] for name in self.headers if self.fields[name].to_check]

    def recognised(self):
        return [self[name] for name in self.headers if not self.fields[name].to_check]

    def choices(self) -> dict:
        """{header: field, or "" for not imported}, as the service takes them."""
        return {header: self.cleaned_data[name] for name, header in self.headers.items()}
