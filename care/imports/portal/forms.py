"""The upload form of the import wizard."""

from django import forms
from django.utils.translation import gettext_lazy as _

from care.registers.models import ImportKind
from carehub.uploads import SPREADSHEET, UploadField


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices, initial=ImportKind.MEMBERS,
                             widget=forms.RadioSelect)
    file = UploadField(SPREADSHEET, label=_("File"), help_text=_(
        "An Excel workbook (.xlsx) or a CSV file in UTF-8 or GBK. The first row names the columns."))
