"""Billing pages of the operator console: plans, subscriptions, invoices (draft, issue, pay, void, PDF)."""

import datetime
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tenants.utils import get_tenant_model

from billing.models import Feature, Invoice, InvoiceStatus, Plan
from billing.services import documents, subscriptions
from billing.services import invoices as service
from carehub.accounts.operators import operator_required
from carehub.clock import unit_today
from carehub.portal.common import flash_error, show_errors

PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")


class PriceField(forms.DecimalField):
    """A price as digits with an optional decimal point: Django's DecimalField would also take "1e3"."""

    def to_python(self, value):
        if value not in self.empty_values and not PLAIN_DECIMAL.fullmatch(str(value).strip()):
            raise ValidationError(_("Enter the price as digits, for example 2980.00."), code="invalid")
        return super().to_python(value)


class PlanForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    monthly_price = PriceField(label=gettext_lazy("Monthly price (CNY)"), max_digits=12, decimal_places=2)
    included_members = forms.IntegerField(label=gettext_lazy("Included members"), min_value=0)
    included_sms_segments = forms.IntegerField(label=gettext_lazy("Included SMS segments per month"), min_value=0)
    overage_price_per_segment = PriceField(label=gettext_lazy("Price per extra SMS segment (CNY)"),
                                                   max_digits=8, decimal_places=4, initial=0)
    sms_overage_allowed = forms.BooleanField(label=gettext_lazy("Keep sending beyond the included segments"),
                                             required=False, initial=True)
    features = forms.MultipleChoiceField(label=gettext_lazy("Features"), choices=Feature.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)


@operator_required
def plans(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.save_plan(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return redirect("billing:plans")
    return render(request, "billing/plans.html", {"plans": Plan.objects.all(), "form": form})


@operator_required
@require_POST
def subscribe(request, slug):
    unit = get_object_or_404(get_tenant_model().objects.units(), slug=slug)
    plan = get_object_or_404(Plan, pk=request.POST.get("plan"))
    try:
        subscriptions.subscribe(request.user, unit, plan, status=request.POST.get("status", ""),
                                note=request.POST.get("note", ""))
    except ValidationError as exc:
        flash_error(request, exc)
    return redirect("unit_detail", unit.slug)


@operator_required
def invoice_list(request):
    status = request.GET.get("status", "")
    listed = Invoice.objects.select_related("unit", "plan")
    if status in InvoiceStatus.values:
        listed = listed.filter(status=status)
    return render(request, "billing/invoices.html", {
        "invoices": listed[:500], "status": status, "statuses": InvoiceStatus.choices,
        "last_month": (unit_today().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")})


@operator_required
@require_POST
def draft(request):
    try:
        period = datetime.datetime.strptime(request.POST.get("month", ""), "%Y-%m").date()
    except ValueError:
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("billing:invoices")
    drafted = service.draft_invoices(period)
    messages.success(request, _("%(count)d invoices drafted.") % {"count": len(drafted)})
    return redirect("billing:invoices")


@operator_required
def invoice_detail(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("unit", "plan"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                service.issue(request.user, invoice)
            elif action == "paid":
                paid_on = forms.DateField().clean(request.POST.get("paid_on"))
                service.mark_paid(request.user, invoice, paid_on=paid_on,
                                  reference=request.POST.get("payment_reference", ""))
            elif action == "void":
                service.void(request.user, invoice, reason=request.POST.get("void_reason", ""))
        except ValidationError as exc:
            flash_error(request, exc)
        return redirect("billing:invoice", invoice.pk)
    return render(request, "billing/invoice.html", {"invoice": invoice, "lines": invoice.lines.all()})


@operator_required
def invoice_pdf(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("unit", "plan"), pk=pk)
    response = HttpResponse(documents.pdf_of(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{invoice.number or invoice.pk}.pdf"'
    return response
