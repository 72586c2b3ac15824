"""Fund pages: the list with balances, one fund's ledger with filters and running balance, the forms to post
income and spending, transfer and close periods, and a ledger entry with its reversal and receipts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.fund import access
from care.fund.filters import EntryFilter
from care.fund.models import LedgerEntry
from care.fund.money import format_amount
from care.fund.portal.forms import FundForm, PeriodForm, PostingForm, ReverseForm, TransferForm, UploadForm
from care.fund.services import funds, ledger, periods
from carehub.portal.common import NOT_DONE, attempt, page_of, show_errors, vary_on_htmx, wants_fragment


def visible_fund(request, pk):
    return get_object_or_404(ledger.with_balances(access.visible_funds(request.user)), pk=pk)


@login_required
def fund_list(request):
    return render(request, "fund/funds.html", {
        "funds": ledger.with_balances(access.visible_funds(request.user)),
        "is_admin": request.user.role == "admin"})


@login_required
def fund_form(request, pk=None):
    fund = visible_fund(request, pk) if pk else None  # out of scope: 404 before 403
    access.require_admin(request.user)
    form = FundForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            fund = (funds.update_fund(request.user, fund, **data) if fund
                    else funds.create_fund(request.user, data.pop("node"), **data))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("fund:fund", pk=fund.pk)
    return render(request, "fund/fund_form.html", {"form": form, "fund": fund})


class LedgerFilter(EntryFilter):
    """The shared ledger filter for one fund's page (the fund is the page's)."""

    def __init__(self, data, *, fund, request):
        super().__init__(data, queryset=fund.entries.select_related("member", "created_by", "reversal"),
                         request=request)
        for name in ("fund", "member", "application"):
            del self.filters[name]


@login_required
def fund_page(request, pk):
    fund = visible_fund(request, pk)
    filterset = LedgerFilter(request.GET, fund=fund, request=request)
    context = {"fund": fund, "filter": filterset, "page": page_of(request, filterset.qs.order_by("-pk")),
               "keeps_books": access.may_keep_books(request.user, fund), "is_admin": request.user.role == "admin",
               "closed": fund.closed_periods.all()[:3]}
    template = "fund/_ledger.html" if wants_fragment(request, "ledger") else "fund/fund.html"
    return vary_on_htmx(render(request, template, context))


@login_required
def post(request, pk, direction):
    """Income (`direction` "in") or spending ("out"), with an optional receipt."""
    fund = visible_fund(request, pk)
    access.require_bookkeeper(request.user, fund)
    spending = direction == "out"
    form = PostingForm(request.POST or None, request.FILES or None, user=request.user, spending=spending)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            entry = ledger.post_entry(request.user, fund, receipt=data.pop("attachment"), **data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Posted. The balance is now %(balance)s.") % {
                "balance": format_amount(entry.balance_after, fund.currency)})
            return redirect("fund:fund", pk=fund.pk)
    return render(request, "fund/posting.html", {"form": form, "fund": fund, "spending": spending})


@login_required
def transfer(request, pk):
    fund = visible_fund(request, pk)
    access.require_bookkeeper(request.user, fund)
    form = TransferForm(request.POST or None, user=request.user, fund=fund)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        outcome = attempt(
            request, form, lambda: ledger.transfer(request.user, fund, data.pop("target"), **data),
            _("Transferred."))
        if outcome is not NOT_DONE:
            return redirect("fund:fund", pk=fund.pk)
    return render(request, "fund/transfer.html", {"form": form, "fund": fund})


@login_required
def period_list(request, pk):
    fund = visible_fund(request, pk)
    keeps_books = access.may_keep_books(request.user, fund)
    form = PeriodForm(request.POST or None)
    if request.method == "POST":
        access.require_bookkeeper(request.user, fund)
        if form.is_valid():
            outcome = attempt(
                request, form, lambda: periods.close_period(request.user, fund, **form.cleaned_data),
                _("The period is closed."))
            if outcome is not NOT_DONE:
                return redirect("fund:periods", pk=fund.pk)
    return render(request, "fund/periods.html", {
        "fund": fund, "form": form, "keeps_books": keeps_books,
        "closed": fund.closed_periods.select_related("closed_by")})


def visible_entry(request, pk) -> LedgerEntry:
    entries = access.visible_entries(request.user).select_related(
        "fund", "member", "application", "reverses", "reversal", "transfer_of", "transfer_pair__fund", "created_by")
    return get_object_or_404(entries, pk=pk)


def _entry_page(request, entry, *, reverse_form=None, upload_form=None):
    return render(request, "fund/entry.html", {
        "entry": entry, "attachments": entry.attachments.select_related("uploaded_by"),
        "keeps_books": access.may_keep_books(request.user, entry.fund),
        "linked": [item for item in ledger.linked(entry) if item.pk != entry.pk],
        "reverse_form": reverse_form or ReverseForm(), "upload_form": upload_form or UploadForm()})


@login_required
def entry_page(request, pk):
    return _entry_page(request, visible_entry(request, pk))


@login_required
@require_POST
def reverse(request, pk):
    entry = visible_entry(request, pk)
    access.require_bookkeeper(request.user, entry.fund)
    form = ReverseForm(request.POST)
    if form.is_valid():
        outcome = attempt(
            request, form, lambda: ledger.reverse(request.user, entry, **form.cleaned_data),
            _("The entry was reversed."))
        if outcome is not NOT_DONE:
            return redirect("fund:entry", pk=entry.pk)
    return _entry_page(request, entry, reverse_form=form)


@login_required
@require_POST
def attach(request, pk):
    entry = visible_entry(request, pk)
    access.require_bookkeeper(request.user, entry.fund)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        ledger.attach(request.user, entry, form.cleaned_data["file"], form.cleaned_data["description"])
        messages.success(request, _("The file was attached."))
        return redirect("fund:entry", pk=entry.pk)
    return _entry_page(request, entry, upload_form=form)
