"""Unit settings for admins: the member register's extra fields, and staff (invitations, roles, scopes)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from care.registers import access
from care.registers.models import ExtraField, ExtraFieldKind, Node, StaffScope
from care.registers.services import extra_fields, staff
from carehub.accounts.models import Role, User
from carehub.portal.actions import FormActionView
from carehub.portal.common import label_of, show_errors
from carehub.portal.widgets import NodeSelect


class ExtraFieldForm(forms.Form):
    """A field of the member register, known by its label (imports and exports match it by label); its key, which
    the stored values are keyed by, is made from the label and never shown."""

    label = forms.CharField(label=label_of(ExtraField, "label"), max_length=60, required=False)
    kind = forms.ChoiceField(label=label_of(ExtraField, "kind"), choices=ExtraFieldKind.choices)
    choices = forms.CharField(label=label_of(ExtraField, "choices"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("For a choice field: one choice a line."))
    required = forms.BooleanField(label=label_of(ExtraField, "required"), required=False)
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0, initial=0)

    def __init__(self, *args, field=None, **kwargs):
        if field is not None:
            kwargs["initial"] = {"label": field.label, "kind": field.kind, "choices": "\n".join(field.choices),
                                 "required": field.required, "position": field.position}
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["choices"] = [line.strip() for line in data["choices"].splitlines() if line.strip()]
        return data


class StaffForm(forms.Form):
    role = forms.ChoiceField(label=label_of(User, "role"), choices=Role.choices)
    node = forms.ModelChoiceField(label=label_of(StaffScope, "node"), queryset=Node.objects.all(), required=False,
                                  empty_label=gettext_lazy("The whole unit"), widget=NodeSelect,
                                  help_text=gettext_lazy("They see and act only within this organisation."))
    can_view_sensitive = forms.BooleanField(label=label_of(StaffScope, "can_view_sensitive"), required=False)


class InviteForm(StaffForm):
    email = forms.EmailField(label=label_of(User, "email"))
    # Asked for, not optional: lists, the audit trail and the member's timeline name people, not addresses.
    full_name = forms.CharField(label=label_of(User, "full_name"), max_length=100,
                                help_text=gettext_lazy("As colleagues know them; shown instead of the email."))
    phone = forms.CharField(label=label_of(User, "phone"), max_length=30, required=False)
    field_order = ["email", "full_name", "phone"]


class StaffChangeForm(StaffForm):
    is_active = forms.BooleanField(label=label_of(User, "is_active"), required=False)


@login_required
def overview(request):
    access.require_admin(request.user)
    people = User.objects.select_related("scope__node").order_by("email")
    return render(request, "registers/settings/overview.html", {"fields": ExtraField.objects.all(), "people": people})


class EditExtraField(FormActionView):
    """A new extra field, or (with `pk`) a change to one."""

    form_class = ExtraFieldForm
    template_name = "registers/settings/extra_field.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        return get_object_or_404(ExtraField, pk=pk) if pk else None

    def check(self, field):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, field):
        return {"field": field}

    def act(self, form, field):
        return extra_fields.save_extra_field(self.request.user, field, **form.service_data())

    def success_url(self, result, field):
        return reverse("portal:settings")

    def get_context(self, form, field):
        return {"form": form, "field": field}


@login_required
def invite(request):
    """Not a FormActionView: success renders the one-time link instead of redirecting."""
    access.require_admin(request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = staff.invite_staff(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            # Rendered, not redirected: the link exists only in this response and is never shown again.
            return render(request, "registers/settings/invited.html", {
                "invited": issued.invitation.user, "invitation": issued.invitation,
                "link": request.build_absolute_uri(issued.path)})
    return render(request, "registers/settings/invite.html", {"form": form})


class EditStaff(FormActionView):
    form_class = StaffChangeForm
    template_name = "registers/settings/staff.html"

    def get_object(self):
        return get_object_or_404(User.objects.select_related("scope__node"), pk=self.kwargs["pk"])

    def check(self, person):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, person):
        scope = access.scope_of(person)
        return {"initial": {"role": person.role, "is_active": person.is_active,
                            "node": scope.node_id if scope else None,
                            "can_view_sensitive": bool(scope and scope.can_view_sensitive)}}

    def act(self, form, person):
        return staff.update_staff(self.request.user, person, **form.cleaned_data)

    def success_url(self, result, person):
        return reverse("portal:settings")

    def get_context(self, form, person):
        return {"form": form, "person": person}
