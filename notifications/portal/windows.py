"""Members' own sending windows: the list of members who have one (within one's scope) and, for one member
(`?member=<id>`, linked from the member's page), the window their messages go out in, with a form to set it or
go back to the unit's."""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from care.registers import access
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of
from notifications.access import visible_windows
from notifications.portal.forms import WindowForm
from notifications.services import hours, windows


class WindowPage(FormActionView):
    template_name = "notifications/windows.html"

    @property
    def clearing(self) -> bool:
        return "clear" in self.request.POST

    @property
    def form_class(self):
        return forms.Form if self.clearing else WindowForm  # going back to the unit's window takes no times

    def get_object(self):
        chosen = self.request.POST.get("member") or self.request.GET.get("member")
        if str(chosen or "").isdigit():
            return get_object_or_404(access.visible_members(self.request.user).select_related("node"), pk=chosen)
        if self.request.method == "POST":  # a window is always a member's
            raise Http404
        return None

    def check(self, member):
        if self.request.method == "POST":
            access.require_write(self.request.user, member.node)

    def get_form_kwargs(self, member):
        if member is None:
            return {}
        window, _own = hours.window_of(member)
        return {"initial": {"send_from": window[0], "send_until": window[1]}}

    def act(self, form, member):
        if self.clearing:
            return windows.clear_window(self.request.user, member)
        return windows.set_window(self.request.user, member, send_from=form.cleaned_data["send_from"],
                                  send_until=form.cleaned_data["send_until"])

    def get_success_message(self, result, member):
        if self.clearing:
            return _("Messages to %(name)s follow the unit's sending window.") % {"name": member.name}
        return _("The sending window of %(name)s is saved.") % {"name": member.name}

    def success_url(self, result, member):
        return f"{reverse('sms:windows')}?member={member.pk}"

    def get_context(self, form, member):
        window, own = hours.window_of(member) if member else (None, None)
        rows = visible_windows(self.request.user).select_related("member", "member__node")
        return {"member": member, "window": window, "own": own, "form": form if member else None,
                "can_write": access.can_write(self.request.user),  # every member they see is within their subtree
                "page": page_of(self.request, rows.order_by("member__name_initials", "member__name", "pk"))}
