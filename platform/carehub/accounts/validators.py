"""Password rules as Django gives them, with one message Django 5.2 no longer has translated: its minimum-length
error changed its wording (%d for %(min_length)d) and the Chinese catalog still carries the old one, so Chinese
users saw it in English."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext("This password is too short. It must have at least %(count)d character.",
                        "This password is too short. It must have at least %(count)d characters.",
                        self.min_length) % {"count": self.min_length}
