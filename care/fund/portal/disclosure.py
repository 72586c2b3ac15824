"""Disclosure pages: staff look at a fund's disclosure for a year or month and manage its public links; members
open a link without any login (/fund/public/<token>/). Both render the same fragment, built only from what
services.disclosure lets out (masked names, general categories, amounts, dates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.fund import access
from care.fund.portal.forms import DisclosureForm
from care.fund.portal.funds import visible_fund
from care.fund.services import disclosure
from carehub.portal.actions import FormActionView


class StaffView(FormActionView):
    """A fund's disclosure for the period of ?year=&month= (this year by default), its links, and the form that
    makes a link (bookkeepers of the fund)."""

    form_class = DisclosureForm
    template_name = "fund/disclosure.html"
    success_message = gettext_lazy("The link is ready. Anyone who has it can read this disclosure.")

    @cached_property
    def period(self) -> tuple:
        """(the period form, year, month) the page shows."""
        period = DisclosureForm(self.request.GET or None)
        if period.is_valid():
            return period, period.cleaned_data["year"], period.cleaned_data["month"]
        return period, period.initial["year"], None

    def get_object(self):
        return visible_fund(self.request, self.kwargs["pk"])

    def check(self, fund):
        if self.request.method == "POST":
            access.require_bookkeeper(self.request.user, fund)

    def get_form_kwargs(self, fund) -> dict:
        _period, year, month = self.period
        return {"initial": {"year": year, "month": month}}

    def act(self, form, fund):
        return disclosure.create_link(self.request.user, fund, **form.cleaned_data)

    def success_url(self, link, fund) -> str:
        _period, year, month = self.period
        return f"{reverse('fund:disclosure', args=[fund.pk])}?year={year}&month={month or ''}"

    def get_context(self, form, fund) -> dict:
        period, year, month = self.period
        links = [(link, self.request.build_absolute_uri(reverse("fund:public", args=[link.token])))
                 for link in fund.disclosure_links.all()]
        return {"fund": fund, "report": disclosure.build(fund, year, month), "period": period, "link_form": form,
                "links": links, "keeps_books": access.may_keep_books(self.request.user, fund)}


@login_required
@require_POST
def revoke(request, pk):
    link = get_object_or_404(access.visible_links(request.user), pk=pk)
    disclosure.revoke_link(request.user, link)
    messages.success(request, _("The link no longer works."))
    return redirect("fund:disclosure", pk=link.fund_id)


def public(request, token):
    """No login: the token is the permission. Revoked or unknown links, and archived units (the unit
    middleware), answer 404."""
    link = disclosure.active_link(token)
    if link is None:
        raise Http404
    response = render(request, "fund/public.html", {
        "report": disclosure.build(link.fund, link.year, link.month), "link": link})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response
