"""Disclosure pages: staff look at a fund's disclosure for a year or month and manage its public links; members
open a link without any login (/fund/public/<token>/). Both render the same fragment, built only from what
services.disclosure lets out (masked names, general categories, amounts, dates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.fund import access
from care.fund.models import DisclosureLink
from care.fund.portal.forms import DisclosureForm
from care.fund.portal.funds import visible_fund
from care.fund.services import disclosure
from carehub.portal.common import show_errors


@login_required
def staff_view(request, pk):
    fund = visible_fund(request, pk)
    period = DisclosureForm(request.GET or None)
    year, month = (period.cleaned_data["year"], period.cleaned_data["month"]) if period.is_valid() else (
        period.initial["year"], None)
    link_form = DisclosureForm(request.POST or None, initial={"year": year, "month": month})
    if request.method == "POST":
        access.require_bookkeeper(request.user, fund)
        if link_form.is_valid():
            try:
                disclosure.create_link(request.user, fund, **link_form.cleaned_data)
            except ValidationError as exc:
                show_errors(link_form, exc)
            else:
                messages.success(request, _("The link is ready. Anyone who has it can read this disclosure."))
                return redirect(f"{reverse('fund:disclosure', args=[fund.pk])}?year={year}&month={month or ''}")
    links = [(link, request.build_absolute_uri(reverse("fund:public", args=[link.token])))
             for link in fund.disclosure_links.all()]
    return render(request, "fund/disclosure.html", {
        "fund": fund, "report": disclosure.build(fund, year, month), "period": period, "link_form": link_form,
        "links": links, "keeps_books": access.may_keep_books(request.user, fund)})


@login_required
@require_POST
def revoke(request, pk):
    link = get_object_or_404(DisclosureLink.objects.filter(fund__in=access.visible_funds(request.user)), pk=pk)
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
