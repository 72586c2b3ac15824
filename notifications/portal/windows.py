"""Members' own sending windows: the list of members who have one (within one's scope) and, for one member
(`?member=<id>`, linked from the member's page), the window their messages go out in, with a form to set it or
go back to the unit's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from care.registers import access
from carehub.portal.common import NOT_DONE, attempt, page_of
from notifications import access as queries
from notifications.portal.forms import WindowForm
from notifications.services import windows


@login_required
def window_page(request):
    member = None
    chosen = request.POST.get("member") or request.GET.get("member")
    if str(chosen or "").isdigit():
        member = get_object_or_404(access.visible_members(request.user).select_related("node"), pk=chosen)
    window = own = form = None
    if member:
        window, own = windows.window_of(member)
        form = WindowForm(request.POST or None, initial={"send_from": window[0], "send_until": window[1]})
        if request.method == "POST":
            done = _change(request, form, member)
            if done is not NOT_DONE:
                return redirect(f"{reverse('sms:windows')}?member={member.pk}")
    rows = queries.visible_windows(request.user).select_related("member", "member__node")
    return render(request, "notifications/windows.html", {
        "member": member, "window": window, "own": own, "form": form,
        "can_write": access.can_write(request.user),  # every member they see is within their subtree
        "page": page_of(request, rows.order_by("member__name_initials", "member__name", "pk"))})


def _change(request, form, member):
    if "clear" in request.POST:
        windows.clear_window(request.user, member)
        messages.success(request, _("Messages to %(name)s follow the unit's sending window.") % {"name": member.name})
        return None
    if not form.is_valid():
        return NOT_DONE
    data = form.cleaned_data
    return attempt(request, form, lambda: windows.set_window(
        request.user, member, send_from=data["send_from"], send_until=data["send_until"]),
        _("The sending window of %(name)s is saved.") % {"name": member.name})
