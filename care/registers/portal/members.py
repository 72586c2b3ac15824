"""Member pages: the filtered list with live search, the profile with its timeline, and the forms."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.registers import access
from care.registers.models import ExtraField
from care.registers.portal.conditions import ExtraConditions
from care.registers.portal.member_forms import MemberForm, MemberListFilter, StatusForm, TransferForm
from care.registers.portal.timeline import CHIPS, KINDS, summary_of, timeline_of
from care.registers.services import members as service
from carehub.clock import unit_today
from carehub.collation import by_pinyin
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of, show_errors, vary_on_htmx, wants_fragment

# Names sort by pinyin: code-point order of Chinese characters means nothing to a reader.
SORTS = {
    "name": [by_pinyin("name"), "pk"],
    "-name": [by_pinyin("name").desc(), "-pk"],
    "age": [F("birth_date").desc(nulls_last=True), "pk"],
    "-age": [F("birth_date").asc(nulls_last=True), "pk"],
    "joined": [F("joined_on").asc(nulls_last=True), "pk"],
    "-joined": [F("joined_on").desc(nulls_last=True), "pk"],
}


@login_required
def member_list(request):
    extra_fields = list(ExtraField.objects.all())
    filterset = MemberListFilter(request.GET, request=request)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "name"
    page = page_of(request, filterset.qs.order_by(*SORTS[sort]))
    today = unit_today()
    for member in page:
        member.age = service.age_on(member.birth_date, today) if member.birth_date else None
    conditions = ExtraConditions(request.GET, extra_fields=extra_fields, errors=filterset.errors)
    context = {"filter": filterset, "conditions": conditions,
               "page": page, "sort": sort, "can_write": access.can_write(request.user),
               # Nobody at all (not just nobody matching): the page says how members come in.
               "register_empty": not page.paginator.count and not access.visible_members(request.user).exists()}
    fragment = wants_fragment(request, "results")
    template = "registers/members/_results.html" if fragment else "registers/members/list.html"
    return vary_on_htmx(render(request, template, context))


def _visible_member(request, pk):
    return get_object_or_404(access.visible_members(request.user).select_related("node"), pk=pk)


@login_required
def detail(request, pk):
    member = _visible_member(request, pk)
    extra = [(field.label, member.extra.get(field.key)) for field in ExtraField.objects.all()
             if member.extra.get(field.key) not in (None, "")]
    today = unit_today()
    shown = request.GET.get("history") if request.GET.get("history") in KINDS else ""
    return render(request, "registers/members/detail.html", {
        "member": member,
        "age": service.age_on(member.birth_date, today) if member.birth_date else None,
        "extra": extra,
        "entries": access.visible_hardship(request.user).filter(member=member),
        "summary": summary_of(member, request.user),
        "chips": CHIPS,
        "shown": shown,
        "timeline": timeline_of(member, request.user, shown),
        "can_write": access.can_write(request.user),
    })


def _member_form_kwargs(request, member=None) -> dict:
    """How MemberForm is built for a new member (organisation chosen here) or for `member`."""
    extra_fields = ExtraField.objects.all()
    if member is None:
        validate_url = reverse("portal:member_validate")
        initial = {"node": request.GET.get("node"), "uses_smartphone": True}
        nodes = access.visible_nodes(request.user)
    else:
        validate_url = reverse("portal:member_validate", args=[member.pk])
        initial, nodes = MemberForm.initial_for(member), None
    return {"initial": initial, "extra_fields": extra_fields, "nodes": nodes, "validate_url": validate_url}


def _check(form, member=None) -> None:
    """Add the service's verdict on the values to the form's own errors."""
    try:
        service.clean_member(form.service_data(), existing=member, extra_fields=form.extra_fields)
    except ValidationError as exc:
        show_errors(form, exc)


class CreateMember(FormActionView):
    form_class = MemberForm
    template_name = "registers/members/form.html"
    acted = False  # whether the form was valid and the service called

    def check(self, obj):
        access.require_write(self.request.user)

    def get_form_kwargs(self, obj):
        return _member_form_kwargs(self.request)

    def act(self, form, obj):
        self.acted = True
        return service.create_member(self.request.user, node=form.cleaned_data["node"], **form.service_data())

    def get_success_message(self, member, obj):
        return _("%(name)s was added to the register.") % {"name": member.name}

    def success_url(self, member, obj):
        return reverse("portal:member_detail", args=[member.pk])

    def render_page(self, form, obj):
        if form.is_bound and not self.acted:
            _check(form)  # no organisation chosen: still show every other error at once
        return super().render_page(form, obj)


class MemberAction(FormActionView):
    """A change to a visible member the user may change, made on a page of its own."""

    template_name = "registers/members/action.html"

    def get_object(self):
        return _visible_member(self.request, self.kwargs["pk"])

    def check(self, member):
        access.require_write(self.request.user, member.node)

    def success_url(self, result, member):
        return reverse("portal:member_detail", args=[member.pk])


class EditMember(MemberAction):
    form_class = MemberForm
    template_name = "registers/members/form.html"

    def get_form_kwargs(self, member):
        return _member_form_kwargs(self.request, member)

    def act(self, form, member):
        return service.update_member(self.request.user, member, **form.service_data())

    def get_context(self, form, member):
        return {"form": form, "member": member}


@login_required
@require_POST
def validate(request, pk=None):
    """HTMX: check the form as it is filled in, with services.members.clean_member, and answer with the
    error slots (out-of-band swaps) of the field just changed and of every field already filled in."""
    member = _visible_member(request, pk) if pk else None
    access.require_write(request.user, member.node if member else None)
    form = MemberForm(request.POST, **_member_form_kwargs(request, member))
    form.is_valid()
    _check(form, member)
    changed = request.headers.get("HX-Trigger-Name")
    slots = [(field.html_name, field.errors if field.html_name == changed or field.value() not in (None, "", False)
              else []) for field in form]
    return render(request, "registers/members/_errors.html", {"slots": slots})


class ChangeStatus(MemberAction):
    form_class = StatusForm
    success_message = gettext_lazy("The status was changed.")

    def get_form_kwargs(self, member):
        return {"initial": {"status": member.status}}

    def act(self, form, member):
        return service.change_status(self.request.user, member, **form.cleaned_data)

    def get_context(self, form, member):
        return {"form": form, "member": member, "title": _("Change the status"), "form_id": "status-form"}


class TransferMember(MemberAction):
    form_class = TransferForm
    success_message = gettext_lazy("The member was transferred.")

    def get_form_kwargs(self, member):
        return {"user": self.request.user, "member": member}

    def act(self, form, member):
        data = form.cleaned_data
        return service.transfer_member(self.request.user, member, data["node"], effective_on=data["effective_on"],
                                       note=data["note"])

    def get_context(self, form, member):
        return {"form": form, "member": member, "title": _("Transfer to another organisation"),
                "form_id": "transfer-form"}
