"""Application pages: the inbox (waiting for me / all), applying for a member, and an application with its
steps, evidence, payment plan and the forms of the actions the user may take."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.fund import access
from care.fund.filters import ApplicationFilter
from care.fund.models import ApplicationStatus
from care.fund.portal.forms import ApplicationForm, ApproveForm, NoteForm, PayForm, RejectForm, UploadForm
from care.fund.services import applications, payments
from care.registers import access as register_access
from care.registers.models import Member
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of

ACTION_FORMS = {"submit": NoteForm, "verify": NoteForm, "approve": ApproveForm, "reject": RejectForm, "pay": PayForm}
DONE = {"submit": gettext_lazy("The application was submitted."), "verify": gettext_lazy("The facts are verified."),
        "approve": gettext_lazy("The application was approved."),
        "reject": gettext_lazy("The application was rejected."),
        "pay": gettext_lazy("The payment was posted to the ledger.")}


@login_required
def inbox(request):
    """Waiting for me (default), or every application in my organisations."""
    box = "all" if request.GET.get("box") == "all" else "mine"
    visible = access.visible_applications(request.user).select_related("member__node", "fund")
    if box == "mine":
        visible = access.awaiting(request.user, visible)
    filterset = ApplicationFilter(request.GET, queryset=visible, request=request)
    return render(request, "fund/applications.html", {
        "box": box, "filter": filterset, "page": page_of(request, filterset.qs.order_by("-updated_at", "-pk")),
        "sight": access.sight_of(request.user)})


def _member_for(request):
    """The member named by ?member=: one in the user's organisations, or the user's own."""
    own = access.own_member_ids(request.user)
    members = register_access.visible_members(request.user) | Member.objects.filter(pk__in=own)
    return get_object_or_404(members.select_related("node").distinct(), pk=request.GET.get("member") or 0)


class Apply(FormActionView):
    """Apply for the member named by ?member=; "submit" in the form submits at once, otherwise a draft."""

    form_class = ApplicationForm
    template_name = "fund/apply.html"

    def get_object(self):
        return _member_for(self.request)

    def check(self, member):
        access.require(access.may_apply(self.request.user, member), _("You may not apply for this member."))

    def get_form_kwargs(self, member) -> dict:
        return {"user": self.request.user}

    def act(self, form, member):
        return applications.create_application(self.request.user, member, submit="submit" in self.request.POST,
                                               **form.cleaned_data)

    def get_success_message(self, application, member) -> str:
        return _("The draft is saved.") if application.status == ApplicationStatus.DRAFT else DONE["submit"]

    def success_url(self, application, member) -> str:
        return reverse("fund:application", args=[application.pk])

    def get_context(self, form, member) -> dict:
        return {"form": form, "member": member}


def _visible(request, pk):
    return get_object_or_404(access.visible_applications(request.user).select_related("member__node", "fund__node"),
                             pk=pk)


def _page(request, application, forms=None, status=200):
    actions = applications.allowed_actions(request.user, application)
    shown = applications.view_application(request.user, application)
    plan, plan_error = [], ""
    if application.status == ApplicationStatus.APPROVED:
        try:
            plan = payments.plan(application, application.amount_approved)
        except ValidationError as exc:
            plan_error = " ".join(exc.messages)
    forms = forms or {}
    initial = {"approve": {"amount": application.amount_approved or application.amount_requested}}
    action_forms = {name: forms.get(name) or ACTION_FORMS[name](initial=initial.get(name), prefix=name)
                    for name in actions if name in ACTION_FORMS}
    return render(request, "fund/application.html", {
        "application": application, "shown": shown, "actions": actions, "forms": action_forms,
        "steps": application.steps.select_related("actor"),
        "attachments": application.attachments.select_related("uploaded_by") if shown else [],
        "upload_form": forms.get("attach") or UploadForm(prefix="attach"),
        "plan": plan, "plan_error": plan_error,
        "entries": application.entries.select_related("fund").order_by("pk"),
    }, status=status)


@login_required
def detail(request, pk):
    return _page(request, _visible(request, pk))


class ApplicationAction(FormActionView):
    """A form on an application's page; an invalid one (or one the service refused) goes back onto it."""

    post_only = True

    def get_object(self):
        return _visible(self.request, self.kwargs["pk"])

    def success_url(self, result, application) -> str:
        return reverse("fund:application", args=[application.pk])


class TakeStep(ApplicationAction):
    """submit, verify, approve, reject or pay (the URL's `name`); the services check who may."""

    def get_object(self):
        if self.kwargs["name"] not in ACTION_FORMS:
            raise Http404
        return super().get_object()

    @property
    def form_class(self):
        return ACTION_FORMS[self.kwargs["name"]]

    def get_form_kwargs(self, application) -> dict:
        return {"prefix": self.kwargs["name"]}

    def act(self, form, application):
        user, name, data = self.request.user, self.kwargs["name"], form.cleaned_data
        if name == "submit":
            return applications.submit(user, application, data["note"])
        if name == "verify":
            return applications.verify(user, application, data["note"])
        if name == "approve":
            return applications.approve(user, application, amount=data["amount"], note=data["note"])
        if name == "reject":
            return applications.reject(user, application, reason=data["reason"])
        return payments.pay(user, application, amount=data["amount"], booked_on=data["paid_on"],
                            reference=data["reference"], note=data["note"])

    def get_success_message(self, result, application) -> str:
        return DONE[self.kwargs["name"]]

    def render_page(self, form, application):
        application.refresh_from_db()
        return _page(self.request, application, {self.kwargs["name"]: form})


class AddEvidence(ApplicationAction):
    form_class = UploadForm
    success_message = gettext_lazy("The file was attached.")

    def check(self, application):
        applications.require_may_attach(self.request.user, application)

    def get_form_kwargs(self, application) -> dict:
        return {"prefix": "attach"}

    def act(self, form, application):
        return applications.attach_evidence(self.request.user, application, form.cleaned_data["file"],
                                            form.cleaned_data["description"])

    def render_page(self, form, application):
        return _page(self.request, application, {"attach": form})


@login_required
def attachment(request, pk):
    """A receipt of a visible entry, or evidence of a visible application whose details the user may see.
    Files are served only through here, never as public media."""
    item = get_object_or_404(access.visible_attachments(request.user).select_related("application"), pk=pk)
    if item.application_id and not applications.view_application(request.user, item.application):
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=item.file.name.rsplit("/", 1)[-1])
