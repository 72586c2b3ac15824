"""The import wizard (choose the kind, upload, see each row's outcome, then commit, or fix the file and upload it
again) and the export downloads linked from the lists."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.imports.portal.forms import UploadForm
from care.imports.services import exports, imports
from care.imports.services.columns import HARDSHIP_COLUMNS, MEMBER_COLUMNS
from care.registers import access
from care.registers.models import ImportBatch
from carehub.portal.actions import FormActionView
from carehub.portal.common import flash_error


def _help():
    """The columns each kind of file may have, for the wizard's help."""
    return [(_("Members"), MEMBER_COLUMNS),
            (_("Hardship entries"), [column for column in HARDSHIP_COLUMNS if column.imported])]


class Wizard(FormActionView):
    """The page shows the upload form to writers; a valid upload is checked and kept for the preview."""

    form_class = UploadForm
    template_name = "imports/wizard.html"
    success_message = ""  # the preview says what the file would do

    def check(self, obj):
        if self.request.method == "POST":
            access.require_write(self.request.user)

    def act(self, form, obj):
        return imports.stage_import(self.request.user, form.cleaned_data["file"], form.cleaned_data["kind"])

    def success_url(self, batch, obj):
        return reverse("imports:preview", args=[batch.pk])

    def get_context(self, form, obj):
        return {"form": form, "can_write": access.can_write(self.request.user), "columns": _help()}


def _own_batch(request, pk) -> ImportBatch:
    return get_object_or_404(access.own_import_batches(request.user), pk=pk)


@login_required
def preview(request, pk):
    batch = _own_batch(request, pk)
    return render(request, "imports/preview.html", {
        "batch": batch, "report": batch.report, "form": UploadForm(initial={"kind": batch.kind})})


@login_required
@require_POST
def commit(request, pk):
    """The preview page then shows the outcome: what was created, or why nothing was."""
    batch = _own_batch(request, pk)
    try:
        imports.commit_batch(request.user, batch)
    except ValidationError as exc:
        flash_error(request, exc)
    return redirect("imports:preview", pk=batch.pk)


@login_required
def export(request, kind, fmt):
    """The list's own query string chooses the rows, e.g. /imports/export/members.xlsx?status=retired."""
    if kind not in exports.EXPORTS:
        raise Http404
    try:
        filename, content = exports.EXPORTS[kind](request.user, request.GET, fmt)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
