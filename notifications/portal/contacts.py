"""A member's contact plan (preferred channel, whether they read an SMS), set from the SMS panel of the member's
page: the form lives there, this view only takes its post."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from care.registers import access
from carehub.portal.actions import FormActionView
from carehub.portal.common import flash_error
from notifications.portal.forms import ContactPlanForm
from notifications.services import contacts


class ContactPlanView(FormActionView):
    form_class = ContactPlanForm
    post_only = True

    def get_object(self):
        return get_object_or_404(access.visible_members(self.request.user).select_related("node"),
                                 pk=self.kwargs["pk"])

    def check(self, member):
        access.require_write(self.request.user, member.node)

    def get_form_kwargs(self, member):
        return {"prefix": "plan"}

    def act(self, form, member):
        return contacts.set_contact_plan(self.request.user, member, **form.cleaned_data)

    def get_success_message(self, plan, member):
        return _("The contact plan of %(name)s is saved.") % {"name": member.name}

    def success_url(self, plan, member):
        return reverse("portal:member_detail", args=[member.pk]) + "#member-sms"

    def render_page(self, form, member):  # the form is on the member's page: its errors are shown there
        flash_error(self.request, ValidationError([f"{form.fields[name].label}: {error}" if name in form.fields
                                                   else error for name, errors in form.errors.items()
                                                   for error in errors]))
        return redirect(self.success_url(None, member))
