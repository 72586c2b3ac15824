"""Recording care work from a member's profile (visits, talks, life events, pairing, commendations), the visit
and talk pages (photos and confidential notes only after the access checks), coverage and commendations."""

import posixpath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.programme import access as programme_access
from care.programme.models import TaskStatus
from care.programme.portal.forms import CommendationForm, LifeEventForm, PairingForm, TalkForm, VisitForm
from care.programme.services import commendations, coverage, events, pairing, records, tasks
from care.registers import access
from carehub.clock import unit_today
from carehub.portal.actions import FormActionView


def _from_task(request, member, kinds, purpose_field: str) -> dict:
    """What the form opened from a task (`?task=`) starts with: the task ticked and its purpose in words. Only an
    open task of this member that such a record completes; any other is ignored."""
    pk = request.GET.get("task", "")
    task = (member.care_tasks.filter(pk=pk, status=TaskStatus.OPEN, kind__in=kinds).select_related("version").first()
            if pk.isdigit() else None)
    return {"tasks": [task.pk], purpose_field: tasks.purpose(task)} if task else {}


class MemberRecord(FormActionView):
    """A record about the member of the URL (`member_pk`), on a page of its own; staff who may write for the
    member's organisation."""

    template_name = "programme/record.html"
    title = ""
    form_id = ""

    def get_object(self):
        return get_object_or_404(access.visible_members(self.request.user).select_related("node"),
                                 pk=self.kwargs["member_pk"])

    def check(self, member):
        access.require_write(self.request.user, member.node)

    def success_url(self, result, member) -> str:
        return reverse("portal:member_detail", args=[member.pk])

    def get_context(self, form, member) -> dict:
        return {"form": form, "member": member, "title": self.title, "form_id": self.form_id}


class NewVisit(MemberRecord):
    form_class = VisitForm
    title = gettext_lazy("Record a visit")
    form_id = "visit-form"
    success_message = gettext_lazy("The visit was recorded.")

    def get_form_kwargs(self, member) -> dict:
        return {"member": member, "initial": {
            "visited_on": unit_today().isoformat(), "visitors": [self.request.user.pk],
            **_from_task(self.request, member, records.VISIT_COMPLETES, "occasion")}}

    def act(self, form, member):
        data = dict(form.cleaned_data)
        photo = data.pop("photo")
        with transaction.atomic():  # the visit and its photo, or neither
            visit = records.record_visit(self.request.user, member, **data)
            if photo:
                records.add_photo(self.request.user, visit, photo)
        return visit

    def success_url(self, visit, member) -> str:
        return reverse("programme:visit", args=[visit.pk])

    def get_context(self, form, member) -> dict:
        return {**super().get_context(form, member), "multipart": True}


class NewTalk(MemberRecord):
    form_class = TalkForm
    title = gettext_lazy("Record a talk")
    form_id = "talk-form"
    success_message = gettext_lazy("The talk was recorded.")

    def get_form_kwargs(self, member) -> dict:
        return {"member": member, "initial": {
            "held_on": unit_today().isoformat(), "participants": [self.request.user.pk],
            **_from_task(self.request, member, records.TALK_COMPLETES, "topic")}}

    def act(self, form, member):
        return records.record_talk(self.request.user, member, **form.cleaned_data)

    def success_url(self, talk, member) -> str:
        return reverse("programme:talk", args=[talk.pk])


class NewLifeEvent(MemberRecord):
    form_class = LifeEventForm
    title = gettext_lazy("Record a life event")
    form_id = "event-form"
    success_message = gettext_lazy("The life event was recorded; the tasks it calls for were created.")

    def get_form_kwargs(self, member) -> dict:
        return {"initial": {"occurred_on": unit_today().isoformat()}}

    def act(self, form, member):
        return events.record_life_event(self.request.user, member, **form.cleaned_data)


class Commend(MemberRecord):
    form_class = CommendationForm
    title = gettext_lazy("Commend")
    form_id = "commend-form"
    success_message = gettext_lazy("The commendation was recorded.")

    def get_form_kwargs(self, member) -> dict:
        return {"initial": {"year": unit_today().year}}

    def act(self, form, member):
        return commendations.record_commendation(self.request.user, member=member, **form.cleaned_data)


class MemberPairing(MemberRecord):
    """The member's partner and pairing history (everyone who sees the member); assigning a partner, or ending
    the pairing (a form with `end`), for those who may write."""

    form_class = PairingForm
    template_name = "programme/pairing.html"
    success_message = gettext_lazy("The partner was assigned; the member's open tasks follow.")

    def check(self, member):
        if self.request.method == "POST":
            super().check(member)

    def get_form_kwargs(self, member) -> dict:
        return {"member": member}

    def post(self, request, *args, **kwargs):
        if not request.POST.get("end"):
            return super().post(request, *args, **kwargs)
        member = self.get_object()
        self.check(member)
        try:
            pairing.end_pairing(request.user, member, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The pairing ended."))
        return redirect(self.success_url(None, member))

    def act(self, form, member):
        return pairing.assign_partner(self.request.user, member, form.cleaned_data["partner"],
                                      note=form.cleaned_data["note"])

    def success_url(self, result, member) -> str:
        return reverse("programme:pairing", kwargs={"member_pk": member.pk})

    def get_context(self, form, member) -> dict:
        return {"member": member, "form": form, "current": pairing.current_partner(member),
                "history": member.pairings.select_related("partner"), "can_write": access.can_write(self.request.user)}


@login_required
def visit_page(request, pk):
    visit = get_object_or_404(programme_access.visible_visits(request.user).select_related("member", "recorded_by")
                              .prefetch_related("visitors", "tasks"), pk=pk)
    return render(request, "programme/visit.html", {"visit": visit, "photos": visit.photos.all()})


@login_required
def photo_file(request, pk):
    """Photos are served only through here, after the same check as their visit: never as public media."""
    photo = get_object_or_404(programme_access.visible_photos(request.user), pk=pk)
    response = FileResponse(photo.file.open("rb"), filename=posixpath.basename(photo.file.name))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def talk_page(request, pk):
    talk = get_object_or_404(programme_access.visible_talks(request.user).select_related("member", "recorded_by")
                             .prefetch_related("participants", "tasks"), pk=pk)
    allowed = records.can_read_notes(request.user, talk)
    notes = records.read_notes(request.user, talk) if allowed else None
    return render(request, "programme/talk.html", {"talk": talk, "notes_allowed": allowed, "notes": notes})


@login_required
def coverage_page(request):
    return render(request, "programme/coverage.html", {
        "unpaired": coverage.unpaired(request.user), "workload": coverage.workload(request.user),
        "can_write": access.can_write(request.user)})


@login_required
def commendation_list(request):
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else unit_today().year
    nodes = access.visible_nodes(request.user)
    form = CommendationForm(initial={"year": year}, nodes=nodes)
    visible = programme_access.visible_commendations(request.user)
    listed = visible.filter(year=year).select_related("member", "node")
    years = sorted(set(visible.values_list("year", flat=True)) | {year}, reverse=True)
    return render(request, "programme/commendations.html", {
        "year": year, "years": years, "commendations": listed, "form": form,
        "can_write": access.can_write(request.user)})


class CommendNode(FormActionView):
    """A commendation of an organisation (or a member), from the commendations page."""

    form_class = CommendationForm
    post_only = True
    success_message = gettext_lazy("The commendation was recorded.")

    def get_form_kwargs(self, obj) -> dict:
        return {"nodes": access.visible_nodes(self.request.user)}

    def act(self, form, obj):
        return commendations.record_commendation(self.request.user, **form.cleaned_data)

    def success_url(self, commendation, obj) -> str:
        return f"{reverse('programme:commendations')}?year={commendation.year}"

    def render_page(self, form, obj):
        year = unit_today().year
        return render(self.request, "programme/commendations.html", {
            "year": year, "years": [year], "form": form, "can_write": True,
            "commendations": programme_access.visible_commendations(self.request.user).filter(year=year)})
