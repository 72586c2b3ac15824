"""The upload form of the import wizard."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from care.registers.models import ImportKind

from .reading import MAX_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices, initial=ImportKind.MEMBERS,
                             widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), help_text=_(
        "An Excel workbook (.xlsx) or a CSV file in UTF-8 or GBK. The first row names the columns."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read into memory
            raise ValidationError(gettext("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // 2**20})
        return upload
