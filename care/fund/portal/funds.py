"""Fund pages: the list with balances, one fund's ledger with filters and running balance, the forms to post
income and spending, transfer and close periods, and a ledger entry with its reversal and receipts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.fund import access
from care.fund.filters import EntryFilter
from care.fund.models import LedgerEntry
from care.fund.money import format_amount
from care.fund.portal.forms import FundForm, PeriodForm, PostingForm, ReverseForm, TransferForm, UploadForm
from care.fund.services import funds, ledger, periods
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of, vary_on_htmx, wants_fragment


def visible_fund(request, pk):
    return get_object_or_404(ledger.with_balances(access.visible_funds(request.user)), pk=pk)


@login_required
def fund_list(request):
    return render(request, "fund/funds.html", {
        "funds": ledger.with_balances(access.visible_funds(request.user)),
        "is_admin": request.user.role == "admin"})


class FundAction(FormActionView):
    """A form about one fund (the `pk` of the URL), shown on a page of its own."""

    def get_object(self):
        return visible_fund(self.request, self.kwargs["pk"])

    def success_url(self, result, fund) -> str:
        return reverse("fund:fund", args=[fund.pk])

    def get_context(self, form, fund) -> dict:
        return {"form": form, "fund": fund}


class EditFund(FundAction):
    """Set up a fund (no `pk`) or change one (unit admins)."""

    form_class = FundForm
    template_name = "fund/fund_form.html"

    def get_object(self):
        return super().get_object() if "pk" in self.kwargs else None

    def check(self, fund):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, fund) -> dict:
        return {"fund": fund}

    def act(self, form, fund):
        data = dict(form.cleaned_data)
        if fund is not None:
            return funds.update_fund(self.request.user, fund, **data)
        return funds.create_fund(self.request.user, data.pop("node"), **data)

    def success_url(self, saved, fund) -> str:
        return reverse("fund:fund", args=[saved.pk])


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
    context = {"fund": fund, "filter": filterset, "page": page_of(request, ledger.in_date_order(filterset.qs)),
               "keeps_books": access.may_keep_books(request.user, fund), "is_admin": request.user.role == "admin",
               "closed": fund.closed_periods.all()[:3]}
    template = "fund/_ledger.html" if wants_fragment(request, "ledger") else "fund/fund.html"
    return vary_on_htmx(render(request, template, context))


class PostEntry(FundAction):
    """Income (URL argument `direction` "in") or spending ("out"), with an optional receipt."""

    form_class = PostingForm
    template_name = "fund/posting.html"

    @property
    def spending(self) -> bool:
        return self.kwargs["direction"] == "out"

    def check(self, fund):
        access.require_bookkeeper(self.request.user, fund)

    def get_form_kwargs(self, fund) -> dict:
        return {"user": self.request.user, "spending": self.spending}

    def act(self, form, fund):
        data = dict(form.cleaned_data)
        return ledger.post_entry(self.request.user, fund, receipt=data.pop("attachment"), **data)

    def get_success_message(self, entry, fund) -> str:
        return _("Posted. The balance is now %(balance)s.") % {
            "balance": format_amount(entry.balance_after, fund.currency)}

    def get_context(self, form, fund) -> dict:
        return {**super().get_context(form, fund), "spending": self.spending}


class Transfer(FundAction):
    form_class = TransferForm
    template_name = "fund/transfer.html"
    success_message = gettext_lazy("Transferred.")

    def check(self, fund):
        access.require_bookkeeper(self.request.user, fund)

    def get_form_kwargs(self, fund) -> dict:
        return {"user": self.request.user, "fund": fund}

    def act(self, form, fund):
        data = dict(form.cleaned_data)
        return ledger.transfer(self.request.user, fund, data.pop("target"), **data)


class Periods(FundAction):
    """The fund's closed periods, which everyone who sees the fund may read, and the form to close one."""

    form_class = PeriodForm
    template_name = "fund/periods.html"
    success_message = gettext_lazy("The period is closed.")

    def check(self, fund):
        if self.request.method == "POST":
            access.require_bookkeeper(self.request.user, fund)

    def act(self, form, fund):
        return periods.close_period(self.request.user, fund, **form.cleaned_data)

    def success_url(self, period, fund) -> str:
        return reverse("fund:periods", args=[fund.pk])

    def get_context(self, form, fund) -> dict:
        return {**super().get_context(form, fund), "keeps_books": access.may_keep_books(self.request.user, fund),
                "closed": fund.closed_periods.select_related("closed_by")}


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


class EntryAction(FormActionView):
    """A form on a ledger entry's page (bookkeepers of its fund); an invalid one goes back onto that page."""

    post_only = True

    def get_object(self):
        return visible_entry(self.request, self.kwargs["pk"])

    def check(self, entry):
        access.require_bookkeeper(self.request.user, entry.fund)

    def success_url(self, result, entry) -> str:
        return reverse("fund:entry", args=[entry.pk])


class ReverseEntry(EntryAction):
    form_class = ReverseForm
    success_message = gettext_lazy("The entry was reversed.")

    def act(self, form, entry):
        return ledger.reverse(self.request.user, entry, **form.cleaned_data)

    def render_page(self, form, entry):
        return _entry_page(self.request, entry, reverse_form=form)


class AttachToEntry(EntryAction):
    form_class = UploadForm
    success_message = gettext_lazy("The file was attached.")

    def act(self, form, entry):
        return ledger.attach(self.request.user, entry, form.cleaned_data["file"], form.cleaned_data["description"])

    def render_page(self, form, entry):
        return _entry_page(self.request, entry, upload_form=form)
