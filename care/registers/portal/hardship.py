"""The hardship ledger: the filtered list, the review due list, an entry with its evidence and reviews, and the
forms to open, review and document entries. Sensitive categories never reach users who may not see them:
every query starts from care.registers.access.visible_hardship, and an entry is opened through
services.hardship.view_entry so that looking at a sensitive one is recorded."""

import datetime
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from care.registers import access
from care.registers.filters import HardshipFilter
from care.registers.models import Evidence, HardshipEntry, HardshipLevel, ReviewOutcome
from care.registers.portal.changes import change_rows
from care.registers.portal.member_forms import date_field, visible_categories
from care.registers.services import hardship as service
from carehub.clock import unit_today
from carehub.portal.actions import FormActionView
from carehub.portal.common import forget_built_fields, label_of, page_of
from carehub.uploads import DOCUMENT, UploadField

DUE_WINDOWS = (0, 30, 90)  # days ahead the due list can look


class EntryForm(forms.Form):
    category = forms.ChoiceField(label=label_of(HardshipEntry, "category"))
    level = forms.TypedChoiceField(label=label_of(HardshipEntry, "level"), choices=HardshipLevel.choices,
                                   coerce=int)
    reason = forms.CharField(label=label_of(HardshipEntry, "reason"), required=False, widget=forms.Textarea)
    opened_on = date_field(label_of(HardshipEntry, "opened_on"), help_text=gettext_lazy("Empty: today."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = visible_categories(user)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=ReviewOutcome.choices,
                                widget=forms.RadioSelect, initial=ReviewOutcome.UNCHANGED)
    category = forms.ChoiceField(label=label_of(HardshipEntry, "category"))
    level = forms.TypedChoiceField(label=label_of(HardshipEntry, "level"), choices=HardshipLevel.choices,
                                   coerce=int)
    reason = forms.CharField(label=label_of(HardshipEntry, "reason"), required=False, widget=forms.Textarea)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, entry, **kwargs):
        super().__init__(*args, initial={"category": entry.category, "level": entry.level, "reason": entry.reason},
                         **kwargs)
        self.entry = entry
        self.fields["category"].choices = visible_categories(user)

    def service_data(self) -> dict:
        """Outcome and note, and for “changed” only the fields that really differ from the entry."""
        data = {"outcome": self.cleaned_data["outcome"], "note": self.cleaned_data["note"]}
        if data["outcome"] == ReviewOutcome.CHANGED:
            data.update({key: self.cleaned_data[key] for key in ("category", "level", "reason")
                         if self.cleaned_data[key] != getattr(self.entry, key)})
        return data


class EvidenceForm(forms.Form):
    file = UploadField(DOCUMENT, label=gettext_lazy("File"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


class LedgerFilter(HardshipFilter):
    """The shared ledger filter, offering only the user's organisations and the categories they may see."""

    def __init__(self, data, *, request):
        entries = access.visible_hardship(request.user).select_related("member", "member__node")
        super().__init__(data, queryset=entries, request=request)
        forget_built_fields(self)
        self.filters["node"].queryset = access.visible_nodes(request.user)
        self.filters["node"].extra["empty_label"] = gettext_lazy("All organisations")
        self.filters["level"].extra["empty_label"] = gettext_lazy("Any")
        self.filters["category"].extra.update(widget=forms.CheckboxSelectMultiple,
                                              choices=visible_categories(request.user))


@login_required
def ledger(request):
    filterset = LedgerFilter(request.GET, request=request)
    page = page_of(request, filterset.qs.order_by("review_due_on", "pk"))
    return render(request, "registers/hardship/list.html", {
        "filter": filterset, "page": page, "today": unit_today(), "can_write": access.can_write(request.user),
        # An empty ledger (not just nothing matching): the page says how entries come in.
        "ledger_empty": not page.paginator.count and not access.visible_hardship(request.user).exists()})


@login_required
def due(request):
    within = int(request.GET["within"]) if request.GET.get("within") in map(str, DUE_WINDOWS) else 0
    on = unit_today() + datetime.timedelta(days=within)
    return render(request, "registers/hardship/due.html", {
        "page": page_of(request, service.due_for_review(request.user, on)), "within": within,
        "windows": DUE_WINDOWS, "today": unit_today(), "can_write": access.can_write(request.user)})


class OpenEntry(FormActionView):
    form_class = EntryForm
    template_name = "registers/hardship/open.html"
    success_message = gettext_lazy("The entry was added to the hardship ledger.")

    def get_object(self):
        members = access.visible_members(self.request.user).select_related("node")
        return get_object_or_404(members, pk=self.kwargs["member_pk"])

    def check(self, member):
        access.require_write(self.request.user, member.node)

    def get_form_kwargs(self, member):
        return {"user": self.request.user}

    def act(self, form, member):
        return service.open_entry(self.request.user, member, **form.cleaned_data)

    def success_url(self, entry, member):
        return reverse("portal:hardship_entry", args=[entry.pk])

    def get_context(self, form, member):
        return {"form": form, "member": member}


def _visible_entry(request, pk) -> HardshipEntry:
    entry = get_object_or_404(access.visible_hardship(request.user).select_related("member", "member__node"), pk=pk)
    return service.view_entry(request.user, entry)


def _since_last_review(entry, reviewed: bool) -> dict:
    """What changed since the last review; for an entry never reviewed, the values it was opened with are
    no change, but evidence added since is."""
    changes = service.changes_since_last_review(entry)
    if reviewed:
        return changes
    return {key: values for key, values in changes.items() if not (values[0] is None and key in service.FIELDS)}


def _entry_page(request, entry, *, review_form=None, evidence_form=None):
    reviews = list(entry.reviews.select_related("reviewed_by"))
    return render(request, "registers/hardship/entry.html", {
        "entry": entry,
        "evidence": entry.evidence.select_related("uploaded_by"),
        "reviews": [(review, change_rows(review.changes, "hardshipentry")) for review in reviews],
        "since_last_review": change_rows(_since_last_review(entry, bool(reviews)), "hardshipentry"),
        "review_form": review_form or ReviewForm(user=request.user, entry=entry),
        "evidence_form": evidence_form or EvidenceForm(),
        "can_write": access.can_write(request.user),
        "is_due": entry.is_open and entry.review_due_on <= unit_today(),
    })


@login_required
def entry_page(request, pk):
    return _entry_page(request, _visible_entry(request, pk))


class EntryAction(FormActionView):
    """A change to a visible entry the user may change; its form is on the entry's page."""

    post_only = True

    def get_object(self):
        return _visible_entry(self.request, self.kwargs["pk"])

    def check(self, entry):
        access.require_write(self.request.user, entry.member.node)

    def success_url(self, result, entry):
        return reverse("portal:hardship_entry", args=[entry.pk])


class ReviewEntry(EntryAction):
    form_class = ReviewForm
    success_message = gettext_lazy("The review was recorded.")

    def get_form_kwargs(self, entry):
        return {"user": self.request.user, "entry": entry}

    def act(self, form, entry):
        return service.review_entry(self.request.user, entry, **form.service_data())

    def render_page(self, form, entry):
        return _entry_page(self.request, entry, review_form=form)


class UploadEvidence(EntryAction):
    form_class = EvidenceForm
    success_message = gettext_lazy("The file was attached.")

    def act(self, form, entry):
        return service.attach_evidence(self.request.user, entry, form.cleaned_data["file"],
                                       form.cleaned_data["description"])

    def render_page(self, form, entry):
        return _entry_page(self.request, entry, evidence_form=form)


@login_required
def evidence_file(request, pk):
    """Evidence is served only through here, after the same checks as its entry: never as public media."""
    evidence = get_object_or_404(Evidence.objects.filter(entry__in=access.visible_hardship(request.user)), pk=pk)
    service.view_entry(request.user, evidence.entry)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=Path(evidence.file.name).name)
