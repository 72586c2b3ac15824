"""The outbox (status and error per message, refreshing while messages are on their way), composing a notice
(count and cost shown before confirming), opt-outs recorded by staff, and the monthly statistics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.registers import access
from care.registers.portal.member_forms import MemberListFilter
from carehub.portal.common import NOT_DONE, attempt, page_of, vary_on_htmx, wants_fragment
from notifications import access as queries
from notifications.models import OptOutSource, Status
from notifications.portal.forms import ComposeForm, OptOutForm, OutboxFilterForm
from notifications.services import notices, optouts, templates

# Statuses that will still change: the outbox keeps refreshing while any row shown has one.
IN_FLIGHT = {Status.PENDING, Status.SENDING, Status.UNKNOWN, Status.SENT}
MULTIPLE = {"status", "hardship"}


@login_required
def outbox(request):
    form = OutboxFilterForm(request.GET or None)
    rows = queries.visible_messages(request.user).select_related("member", "user", "notice")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["category"]:
            rows = rows.filter(category=data["category"])
        if data["date"]:
            rows = rows.filter(created_at__date=data["date"])
        if data["notice"]:
            rows = rows.filter(notice_id=data["notice"])
        if data["q"].strip():
            rows = rows.filter(Q(member__name__icontains=data["q"].strip()) | Q(to__contains=data["q"].strip()))
    page = page_of(request, rows.order_by("-created_at", "-pk"))
    context = {"form": form, "page": page, "in_flight": any(row.status in IN_FLIGHT for row in page),
               "notice": queries.visible_notices(request.user).filter(pk=form.data.get("notice") or None).first()
               if form.is_bound and str(form.data.get("notice", "")).isdigit() else None}
    template = "notifications/_outbox_rows.html" if wants_fragment(request, "outbox-rows") else \
        "notifications/outbox.html"
    return vary_on_htmx(render(request, template, context))


def filters_of(data) -> dict:
    """The member filter's values from a form post, as the notice service (and Notice.filters) keeps them."""
    names = set(MemberListFilter.base_filters)
    return {key: values if key in MULTIPLE else values[-1] for key, values in data.lists()
            if (key in names or key.startswith("extra.")) and any(values)}


def _compose_page(request, form, filterset, audience=None):
    return render(request, "notifications/compose.html", {"form": form, "filter": filterset, "audience": audience})


def _compose_form(request, data=None):
    keys = sorted({row["key"] for row in templates.effective_templates() if row["category"] == "notice"})
    return ComposeForm(data, preview_url=reverse("sms:preview"), template_keys=keys)


def _body(form) -> str:
    return notices.text_of(form.cleaned_data["body"], form.cleaned_data["template"])


@login_required
def compose(request):
    access.require_write(request.user)
    return _compose_page(request, _compose_form(request), MemberListFilter(request.GET, request=request))


@login_required
@require_POST
def prepare(request):
    """HTMX: how many messages the notice would send and their cost, with the button that confirms it."""
    form = _compose_form(request, request.POST)
    audience = error = None
    if form.is_valid():
        try:
            audience = notices.prepare(request.user, filters=filters_of(request.POST), body=_body(form))
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "notifications/_audience.html", {"audience": audience, "error": error})


@login_required
@require_POST
def send(request):
    form = _compose_form(request, request.POST)
    filterset = MemberListFilter(request.POST, request=request)
    if form.is_valid():
        expected = int(request.POST.get("expected") or 0)
        notice = attempt(request, form, lambda: notices.send_notice(
            request.user, filters=filters_of(request.POST), body=_body(form), expected=expected,
            template_key=form.cleaned_data["template"]), _("The notice is queued."))
        if notice is not NOT_DONE:
            return redirect(f"{reverse('sms:outbox')}?notice={notice.pk}")
    return _compose_page(request, form, filterset)


@login_required
def notice_list(request):
    rows = queries.visible_notices(request.user).select_related("created_by").order_by("-created_at")
    return render(request, "notifications/notices.html", {"page": page_of(request, rows)})


@login_required
def opt_outs(request):
    member = None
    if str(request.GET.get("member") or request.POST.get("member") or "").isdigit():
        member = get_object_or_404(access.visible_members(request.user),
                                   pk=request.GET.get("member") or request.POST.get("member"))
    form = OptOutForm(request.POST or None, initial={
        "member": member.pk if member else None, "phone": (member.proxy_phone or member.phone) if member else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = attempt(request, form, lambda: optouts.record_opt_out(
            request.user, phone=data["phone"], scope=data["scope"], source=OptOutSource.STAFF, member=member,
            note=data["note"]), _("The opt-out is recorded; waiting messages it covers are cancelled."))
        if done is not NOT_DONE:
            return redirect("sms:opt_outs")
    rows = queries.visible_opt_outs(request.user).select_related("member", "created_by")
    if request.GET.get("show") != "all":
        rows = rows.filter(ended_at__isnull=True)
    return render(request, "notifications/opt_outs.html", {
        "form": form, "member": member, "page": page_of(request, rows.order_by("-created_at", "-pk")),
        "show_all": request.GET.get("show") == "all", "can_write": access.can_write(request.user)})


@login_required
@require_POST
def opt_out_end(request, pk):
    opt_out = get_object_or_404(queries.visible_opt_outs(request.user), pk=pk)
    try:
        optouts.end_opt_out(request.user, opt_out)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Messages reach %(phone)s again.") % {"phone": opt_out.phone})
    return redirect("sms:opt_outs")


@login_required
def stats(request):
    return render(request, "notifications/stats.html", {
        "months": queries.monthly_stats(queries.visible_messages(request.user))})
