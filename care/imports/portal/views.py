"""The import wizard (choose the kind, upload, see each row's outcome, then commit, or fix the file and upload it
again) and the export downloads linked from the lists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.imports.portal.forms import UploadForm
from care.imports.services import exports, imports
from care.imports.services.columns import HARDSHIP_COLUMNS, MEMBER_COLUMNS
from care.registers import access
from care.registers.models import ImportBatch


def _help():
    """The columns each kind of file may have, for the wizard's help."""
    return [(_("Members"), MEMBER_COLUMNS),
            (_("Hardship entries"), [column for column in HARDSHIP_COLUMNS if column.imported])]


@login_required
def wizard(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.require_write(request.user)
        if form.is_valid():
            batch = imports.stage_import(request.user, form.cleaned_data["file"], form.cleaned_data["kind"])
            return redirect("imports:preview", pk=batch.pk)
    return render(request, "imports/wizard.html", {
        "form": form, "can_write": access.can_write(request.user), "columns": _help()})


def _own_batch(request, pk) -> ImportBatch:
    """A batch is seen only by whoever uploaded it: its rows are that person's work in progress."""
    return get_object_or_404(ImportBatch.objects.defer("content"), pk=pk, created_by=request.user)


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
        messages.error(request, " ".join(exc.messages))
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
