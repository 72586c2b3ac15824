"""Rule pages (unit admins change them, everyone reads them): the list with the programme settings and the
"run now" button, the rule form with its live preview, a rule's versions, and the occasion calendar."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from care.programme.models import ProgrammeSettings, Rule
from care.programme.portal.forms import RuleForm, SettingsForm
from care.programme.services import calendar_view, rules, runs
from care.registers import access
from carehub.clock import unit_today
from carehub.portal.actions import FormActionView


@login_required
def rule_list(request):
    return render(request, "programme/rules.html", {
        "rules": Rule.objects.select_related("current").order_by("-is_active", "pk"),
        "settings_form": SettingsForm(instance=ProgrammeSettings.load()),
        "is_admin": request.user.role == "admin",
        "reviewed": rules.rules_reviewed(),
    })


def _rule_page(request, form, rule=None):
    return render(request, "programme/rule_form.html", {
        "form": form, "rule": rule, "is_admin": request.user.role == "admin",
        "versions": rule.versions.select_related("created_by") if rule else [],
    })


class RuleAction(FormActionView):
    """The rule form: everyone reads a rule, unit admins create and change them."""

    form_class = RuleForm
    # The audience's organisation is a field of its own on the form.
    error_names = {"audience.node": "node"}

    def success_url(self, saved, rule) -> str:
        return reverse("programme:rule", args=[saved.pk])

    def render_page(self, form, rule):
        return _rule_page(self.request, form, rule)


class NewRule(RuleAction):
    success_message = gettext_lazy("The rule was created and its tasks planned.")

    def check(self, rule):
        access.require_admin(self.request.user)

    def get_form_kwargs(self, rule) -> dict:
        return {"user": self.request.user, "initial": {"trigger": "occasion", "prefer_lunar": True}}

    def act(self, form, rule):
        return rules.create_rule(self.request.user, form.service_data())


class RulePage(RuleAction):
    success_message = gettext_lazy("Saved as a new version; its future open tasks were replanned.")

    def get_object(self):
        return get_object_or_404(Rule.objects.select_related("current"), pk=self.kwargs["pk"])

    def check(self, rule):
        if self.request.method == "POST":
            access.require_admin(self.request.user)

    def get_form_kwargs(self, rule) -> dict:
        return {"user": self.request.user, "initial": RuleForm.initial_for(rule.current)}

    def act(self, form, rule):
        return rules.update_rule(self.request.user, rule, form.service_data())


@login_required
@require_POST
def rule_preview(request):
    """HTMX: what the rule as filled in would create in the horizon, within the user's scope."""
    form = RuleForm(request.POST, user=request.user)
    preview = error = None
    if form.is_valid():
        try:
            preview = rules.preview(request.user, form.service_data())
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Correct the highlighted fields first.")
    return render(request, "programme/_preview.html", {"preview": preview, "error": error})


@login_required
@require_POST
def rule_active(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    rule = rules.set_active(request.user, rule, request.POST.get("active") == "1")
    messages.success(request, _("The rule is on.") if rule.is_active else _("The rule is off."))
    return redirect("programme:rule", pk=rule.pk)


@login_required
@require_POST
def rules_reviewed(request):
    """The new unit's checklist: "I have looked through the rules"."""
    rules.mark_reviewed(request.user)
    messages.success(request, _("Thank you. The checklist on the dashboard shows this step as done."))
    return redirect("programme:rules")


@login_required
@require_POST
def settings(request):
    access.require_admin(request.user)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            rules.update_settings(request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Give whole numbers."))
    return redirect("programme:rules")


@login_required
@require_POST
def run_now(request):
    outcome = runs.generate(request.user)
    messages.success(request, ngettext("%(tasks)d task and %(greetings)d greetings planned.",
                                       "%(tasks)d tasks and %(greetings)d greetings planned.", outcome.tasks)
                     % {"tasks": outcome.tasks, "greetings": outcome.greetings})
    return redirect("programme:rules")


@login_required
def occasion_calendar(request):
    today = unit_today()
    try:
        year = int(request.GET.get("year") or today.year)
        datetime.date(year, 1, 1)
        if not 1901 <= year <= 2099:
            raise ValueError
    except ValueError:
        year = today.year
    return render(request, "programme/calendar.html", {
        "year": year, "occasions": calendar_view.occasions_of_year(year), "today": today})
