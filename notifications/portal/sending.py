"""The outbox (status and error per message, refreshing while messages are on their way), composing a notice
(count and cost shown before confirming), opt-outs recorded by staff, and the monthly statistics."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.registers import access
from care.registers.filters import EXTRA_PREFIX, with_picked_conditions
from care.registers.portal.conditions import ExtraConditions
from care.registers.portal.member_forms import MemberListFilter
from carehub.portal.actions import FormActionView
from carehub.portal.common import flash_error, page_of, vary_on_htmx, wants_fragment
from notifications import rendering
from notifications.access import visible_messages, visible_notices, visible_opt_outs
from notifications.models import Channel, OptOutChannel, OptOutSource, Status
from notifications.portal.forms import ComposeForm, OptOutForm, OutboxFilterForm
from notifications.services import contacts, notices, optouts, templates
from notifications.services.stats import monthly_stats
from notifications.services.voice import outcome_words

# Statuses that will still change: the outbox keeps refreshing while any row shown has one.
IN_FLIGHT = {Status.PENDING, Status.SENDING, Status.UNKNOWN, Status.SENT}  # a call waiting to try again too
MULTIPLE = {"status", "hardship"}


@login_required
def outbox(request):
    form = OutboxFilterForm(request.GET or None)
    rows = visible_messages(request.user).select_related("member", "user", "notice")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = rows.filter(status=data["status"])
        if data["category"]:
            rows = rows.filter(category=data["category"])
        if data["channel"]:
            rows = rows.filter(channel=data["channel"])
        if data["date"]:
            rows = rows.filter(created_at__date=data["date"])
        if data["notice"]:
            rows = rows.filter(notice_id=data["notice"])
        if data["q"].strip():
            rows = rows.filter(Q(member__name__icontains=data["q"].strip()) | Q(to__contains=data["q"].strip()))
    page = page_of(request, rows.prefetch_related("calls").order_by("-created_at", "-pk"))
    ladders = contacts.reaches_of([row.pk for row in page])  # the whole page's in one go, not per row
    for row in page:  # a call's tries, outcome and key in words; the ladders the message was a rung of
        row.call_words = outcome_words(row) if row.channel == Channel.VOICE else ""
        row.ladders = ladders.get(row.pk, [])
    context = {"form": form, "page": page, "in_flight": any(row.status in IN_FLIGHT for row in page),
               # No message ever (not just none matching): the page says how messages start.
               "outbox_empty": not page.paginator.count and not visible_messages(request.user).exists(),
               "notice": visible_notices(request.user).filter(pk=form.data.get("notice") or None).first()
               if form.is_bound and str(form.data.get("notice", "")).isdigit() else None}
    template = "notifications/_outbox_rows.html" if wants_fragment(request, "outbox-rows") else \
        "notifications/outbox.html"
    return vary_on_htmx(render(request, template, context))


def filters_of(data) -> dict:
    """The member filter's values from a form post, as the notice service (and Notice.filters) keeps them: the
    conditions picked on the unit's own fields as `extra.<key>...`."""
    names = set(MemberListFilter.base_filters)
    data = with_picked_conditions(data)
    return {key: values if key in MULTIPLE else values[-1] for key, values in data.lists()
            if (key in names or key.startswith(EXTRA_PREFIX)) and any(values)}


def _compose_page(request, form, filterset, audience=None):
    return render(request, "notifications/compose.html", {
        "form": form, "filter": filterset, "audience": audience, "conditions": ExtraConditions(filterset.data),
        "variables": rendering.words(("member_name", "unit_name"))})


def _compose_form_kwargs() -> dict:
    names = {row["key"]: row["name"] for row in templates.effective_templates() if row["category"] == "notice"}
    return {"preview_url": reverse("sms:preview"),
            "templates": sorted(names.items(), key=lambda choice: choice[1])}


def _body(form) -> str:
    return notices.text_of(form.cleaned_data["body"], form.cleaned_data["template"])


@login_required
def compose(request):
    access.require_write(request.user)
    return _compose_page(request, ComposeForm(**_compose_form_kwargs()), MemberListFilter(request.GET, request=request))


@login_required
@require_POST
def prepare(request):
    """HTMX: how many messages the notice would send and their cost, with the button that confirms it."""
    form = ComposeForm(request.POST, **_compose_form_kwargs())
    audience = error = None
    if form.is_valid():
        try:
            audience = notices.prepare(request.user, filters=filters_of(request.POST), body=_body(form),
                                       template_key=form.cleaned_data["template"],
                                       channel=form.cleaned_data["channel"] or Channel.SMS)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(request, "notifications/_audience.html", {"audience": audience, "error": error})


class SendNotice(FormActionView):
    """Queue the notice composed on the compose page, confirming the count `prepare` showed."""

    form_class = ComposeForm
    post_only = True
    success_message = gettext_lazy("The notice is queued.")

    def check(self, obj):
        access.require_write(self.request.user)

    def get_form_kwargs(self, obj):
        return _compose_form_kwargs()

    def act(self, form, obj):
        return notices.send_notice(self.request.user, filters=filters_of(self.request.POST), body=_body(form),
                                   expected=int(self.request.POST.get("expected") or 0),
                                   template_key=form.cleaned_data["template"],
                                   channel=form.cleaned_data["channel"] or Channel.SMS)

    def success_url(self, notice, obj):
        return f"{reverse('sms:outbox')}?notice={notice.pk}"

    def render_page(self, form, obj):
        return _compose_page(self.request, form, MemberListFilter(self.request.POST, request=self.request))


@login_required
def notice_list(request):
    rows = visible_notices(request.user).select_related("created_by").order_by("-created_at")
    return render(request, "notifications/notices.html", {"page": page_of(request, rows)})


class OptOuts(FormActionView):
    """The opt-outs one may see and, for those who may change members, the form recording one (for the member of
    `?member=<id>` when given: linked from the member's page)."""

    form_class = OptOutForm
    template_name = "notifications/opt_outs.html"
    success_message = gettext_lazy("The opt-out is recorded; waiting messages it covers are cancelled.")

    def get_object(self):
        chosen = self.request.GET.get("member") or self.request.POST.get("member")
        if not str(chosen or "").isdigit():
            return None
        return get_object_or_404(access.visible_members(self.request.user), pk=chosen)

    def check(self, member):
        if self.request.method == "POST":
            access.require_write(self.request.user, member.node if member else None)

    def get_form_kwargs(self, member):
        return {"initial": {"member": member.pk if member else None,
                            "phone": (member.proxy_phone or member.phone) if member else ""}}

    def act(self, form, member):
        data = form.cleaned_data
        return optouts.record_opt_out(self.request.user, phone=data["phone"], scope=data["scope"],
                                      source=OptOutSource.STAFF, member=member, note=data["note"],
                                      channel=data["channel"] or OptOutChannel.ALL)

    def success_url(self, opt_out, member):
        return reverse("sms:opt_outs")

    def get_context(self, form, member):
        show_all = self.request.GET.get("show") == "all"
        rows = visible_opt_outs(self.request.user).select_related("member", "created_by")
        if not show_all:
            rows = rows.filter(ended_at__isnull=True)
        return {"form": form, "member": member, "page": page_of(self.request, rows.order_by("-created_at", "-pk")),
                "show_all": show_all, "can_write": access.can_write(self.request.user)}


class EndOptOut(FormActionView):
    """The "End" button of an opt-out on the list: the recipient accepts messages again."""

    form_class = forms.Form
    post_only = True

    def get_object(self):
        return get_object_or_404(visible_opt_outs(self.request.user), pk=self.kwargs["pk"])

    def act(self, form, opt_out):
        return optouts.end_opt_out(self.request.user, opt_out)

    def get_success_message(self, result, opt_out):
        return _("Messages reach %(phone)s again.") % {"phone": opt_out.phone}

    def success_url(self, result, opt_out):
        return reverse("sms:opt_outs")

    def render_page(self, form, opt_out):  # a refusal is shown on the list the button belongs to
        flash_error(self.request, ValidationError(form.non_field_errors()))
        return redirect("sms:opt_outs")


@login_required
def stats(request):
    return render(request, "notifications/stats.html", {"months": monthly_stats(visible_messages(request.user))})
