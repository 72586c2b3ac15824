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
from django.views.decorators.http import require_POST

from care.programme.models import Talk, Visit, VisitPhoto
from care.programme.portal.forms import CommendationForm, LifeEventForm, PairingForm, TalkForm, VisitForm
from care.programme.services import commendations, coverage, events, pairing, records
from care.registers import access
from carehub.clock import unit_today
from carehub.portal.common import NOT_DONE, attempt, show_errors


def _member(request, pk, *, write=True):
    member = get_object_or_404(access.visible_members(request.user).select_related("node"), pk=pk)
    if write:
        access.require_write(request.user, member.node)
    return member


def _initial_tasks(request, member):
    task = request.GET.get("task", "")
    return {"tasks": [int(task)]} if task.isdigit() else {}


@login_required
def visit_new(request, member_pk):
    member = _member(request, member_pk)
    initial = {"visited_on": unit_today().isoformat(), "visitors": [request.user.pk], **_initial_tasks(request, member)}
    form = VisitForm(request.POST or None, request.FILES or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo")
        try:
            with transaction.atomic():
                visit = records.record_visit(request.user, member, **data)
                if photo:
                    records.add_photo(request.user, visit, photo)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect("programme:visit", pk=visit.pk)
    return render(request, "programme/record.html", {
        "form": form, "member": member, "title": _("Record a visit"), "form_id": "visit-form", "multipart": True})


@login_required
def talk_new(request, member_pk):
    member = _member(request, member_pk)
    initial = {"held_on": unit_today().isoformat(), "participants": [request.user.pk],
               **_initial_tasks(request, member)}
    form = TalkForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        talk = attempt(
            request, form, lambda: records.record_talk(request.user, member, **form.cleaned_data),
            _("The talk was recorded."))
        if talk is not NOT_DONE:
            return redirect("programme:talk", pk=talk.pk)
    return render(request, "programme/record.html", {
        "form": form, "member": member, "title": _("Record a talk"), "form_id": "talk-form"})


@login_required
def event_new(request, member_pk):
    member = _member(request, member_pk)
    form = LifeEventForm(request.POST or None, initial={"occurred_on": unit_today().isoformat()})
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request, form, lambda: events.record_life_event(request.user, member, **form.cleaned_data),
            _("The life event was recorded; the tasks it calls for were created."))
        if outcome is not NOT_DONE:
            return redirect("portal:member_detail", pk=member.pk)
    return render(request, "programme/record.html", {
        "form": form, "member": member, "title": _("Record a life event"), "form_id": "event-form"})


@login_required
def commend(request, member_pk):
    member = _member(request, member_pk)
    form = CommendationForm(request.POST or None, initial={"year": unit_today().year})
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request, form, lambda: commendations.record_commendation(request.user, member=member, **form.cleaned_data),
            _("The commendation was recorded."))
        if outcome is not NOT_DONE:
            return redirect("portal:member_detail", pk=member.pk)
    return render(request, "programme/record.html", {
        "form": form, "member": member, "title": _("Commend"), "form_id": "commend-form"})


@login_required
def member_pairing(request, member_pk):
    member = _member(request, member_pk, write=request.method == "POST")
    form = PairingForm(request.POST or None, member=member)
    if request.method == "POST" and request.POST.get("end"):
        try:
            pairing.end_pairing(request.user, member, note=request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The pairing ended."))
        return redirect("programme:pairing", member_pk=member.pk)
    if request.method == "POST" and form.is_valid():
        outcome = attempt(
            request, form,
            lambda: pairing.assign_partner(request.user, member, form.cleaned_data["partner"],
                                           note=form.cleaned_data["note"]),
            _("The partner was assigned; the member's open tasks follow."))
        if outcome is not NOT_DONE:
            return redirect("programme:pairing", member_pk=member.pk)
    return render(request, "programme/pairing.html", {
        "member": member, "form": form, "current": pairing.current_partner(member),
        "history": member.pairings.select_related("partner"), "can_write": access.can_write(request.user)})


@login_required
def visit_page(request, pk):
    visit = get_object_or_404(Visit.objects.filter(member__in=access.visible_members(request.user))
                              .select_related("member", "recorded_by").prefetch_related("visitors", "tasks"), pk=pk)
    return render(request, "programme/visit.html", {"visit": visit, "photos": visit.photos.all()})


@login_required
def photo_file(request, pk):
    """Photos are served only through here, after the same check as their visit: never as public media."""
    photo = get_object_or_404(VisitPhoto.objects.filter(visit__member__in=access.visible_members(request.user)),
                              pk=pk)
    response = FileResponse(photo.file.open("rb"), filename=posixpath.basename(photo.file.name))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def talk_page(request, pk):
    talk = get_object_or_404(Talk.objects.filter(member__in=access.visible_members(request.user))
                             .select_related("member", "recorded_by").prefetch_related("participants", "tasks"),
                             pk=pk)
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
    listed = commendations.visible_commendations(request.user).filter(year=year).select_related("member", "node")
    years = sorted(set(commendations.visible_commendations(request.user).values_list("year", flat=True)) | {year},
                   reverse=True)
    return render(request, "programme/commendations.html", {
        "year": year, "years": years, "commendations": listed, "form": form,
        "can_write": access.can_write(request.user)})


@login_required
@require_POST
def commend_node(request):
    nodes = access.visible_nodes(request.user)
    form = CommendationForm(request.POST, nodes=nodes)
    if form.is_valid():
        try:
            commendations.record_commendation(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("The commendation was recorded."))
            year = form.cleaned_data["year"] or unit_today().year
            return redirect(f"{reverse('programme:commendations')}?year={year}")
    year = unit_today().year
    return render(request, "programme/commendations.html", {
        "year": year, "years": [year], "form": form, "can_write": True,
        "commendations": commendations.visible_commendations(request.user).filter(year=year)})
