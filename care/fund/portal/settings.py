"""Fund settings for unit admins: cost sharing rules between levels, and staff accounts that are members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.fund import access
from care.fund.models import CostShareRule, MemberAccount
from care.fund.portal.forms import MemberLinkForm, RuleForm
from care.fund.services import funds
from care.registers.models import Member
from carehub.portal.actions import FormActionView


def _page(request, rule_form=None, link_form=None):
    return render(request, "fund/settings.html", {
        "rules": CostShareRule.objects.all(), "rule_form": rule_form or RuleForm(prefix="rule"),
        "accounts": MemberAccount.objects.select_related("user", "member__node").order_by("user__email"),
        "link_form": link_form or MemberLinkForm(prefix="link")})


@login_required
def overview(request):
    access.require_admin(request.user)
    return _page(request)


class SettingsAction(FormActionView):
    """A form on the settings page (unit admins); an invalid one goes back onto that page."""

    post_only = True

    def check(self, obj):
        access.require_admin(self.request.user)

    def success_url(self, result, obj) -> str:
        return reverse("fund:settings")


class SaveRule(SettingsAction):
    form_class = RuleForm
    error_names = {"legs": "level_0"}  # the shares' errors go next to the first line

    def get_form_kwargs(self, obj) -> dict:
        return {"prefix": "rule"}

    def act(self, form, obj):
        return funds.save_rule(self.request.user, category=form.cleaned_data["category"], legs=form.legs())

    def render_page(self, form, obj):
        return _page(self.request, rule_form=form)


@login_required
@require_POST
def delete_rule(request, pk):
    access.require_admin(request.user)
    funds.delete_rule(request.user, get_object_or_404(CostShareRule, pk=pk))
    messages.success(request, _("The rule is removed: payments of the category come from one fund again."))
    return redirect("fund:settings")


class LinkMember(SettingsAction):
    form_class = MemberLinkForm

    def get_form_kwargs(self, obj) -> dict:
        return {"prefix": "link"}

    def act(self, form, obj):
        member = Member.objects.filter(pk=form.cleaned_data["member"]).first()
        if member is None:
            raise ValidationError({"member": _("No member has this number.")})
        return funds.link_member(self.request.user, form.cleaned_data["user"], member)

    def render_page(self, form, obj):
        return _page(self.request, link_form=form)


@login_required
@require_POST
def unlink_member(request, pk):
    access.require_admin(request.user)
    funds.unlink_member(request.user, get_object_or_404(MemberAccount, pk=pk))
    messages.success(request, _("Saved."))
    return redirect("fund:settings")
