"""Fund settings for unit admins: cost sharing rules between levels, and staff accounts that are members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.fund import access
from care.fund.models import CostShareRule, MemberAccount
from care.fund.portal.forms import MemberLinkForm, RuleForm
from care.fund.services import funds
from care.registers.models import Member
from carehub.portal.common import show_errors


def _page(request, rule_form=None, link_form=None):
    return render(request, "fund/settings.html", {
        "rules": CostShareRule.objects.all(), "rule_form": rule_form or RuleForm(prefix="rule"),
        "accounts": MemberAccount.objects.select_related("user", "member__node").order_by("user__email"),
        "link_form": link_form or MemberLinkForm(prefix="link")})


@login_required
def overview(request):
    access.require_admin(request.user)
    return _page(request)


@login_required
@require_POST
def save_rule(request):
    access.require_admin(request.user)
    form = RuleForm(request.POST, prefix="rule")
    if form.is_valid():
        try:
            funds.save_rule(request.user, category=form.cleaned_data["category"], legs=form.legs())
        except ValidationError as exc:
            show_errors(form, exc, names={"legs": "level_0"})
        else:
            messages.success(request, _("Saved."))
            return redirect("fund:settings")
    return _page(request, rule_form=form)


@login_required
@require_POST
def delete_rule(request, pk):
    access.require_admin(request.user)
    funds.delete_rule(request.user, get_object_or_404(CostShareRule, pk=pk))
    messages.success(request, _("The rule is removed: payments of the category come from one fund again."))
    return redirect("fund:settings")


@login_required
@require_POST
def link_member(request):
    access.require_admin(request.user)
    form = MemberLinkForm(request.POST, prefix="link")
    if form.is_valid():
        member = Member.objects.filter(pk=form.cleaned_data["member"]).first()
        if member is None:
            form.add_error("member", _("No member has this number."))
        else:
            funds.link_member(request.user, form.cleaned_data["user"], member)
            messages.success(request, _("Saved."))
            return redirect("fund:settings")
    return _page(request, link_form=form)


@login_required
@require_POST
def unlink_member(request, pk):
    access.require_admin(request.user)
    funds.unlink_member(request.user, get_object_or_404(MemberAccount, pk=pk))
    messages.success(request, _("Saved."))
    return redirect("fund:settings")
