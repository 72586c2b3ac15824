"""The import wizard (choose the kind, upload, say which column holds what when the file's headers are not all
known, see each row's outcome, then commit, or fix the file and upload it again), the organisation-tree import,
the sample files, and the export downloads linked from the lists."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.imports.portal.forms import ColumnsForm, TreeUploadForm, UploadForm
from care.imports.services import exports, imports, samples
from care.imports.services.columns import HARDSHIP_COLUMNS, MEMBER_COLUMNS, TREE_COLUMNS
from care.registers import access
from care.registers.models import ColumnMapping, ImportBatch, ImportKind, ImportStatus
from carehub.accounts.models import Role
from carehub.portal.actions import FormActionView
from carehub.portal.common import flash_error


def _help():
    """The columns each kind of file may have, for the wizard's help."""
    return [(_("Members"), MEMBER_COLUMNS),
            (_("Hardship entries"), [column for column in HARDSHIP_COLUMNS if column.imported])]


def _next_step(batch: ImportBatch) -> str:
    """The column step when the file's columns need a word from the user, else the preview."""
    if batch.report.get("needs_choices"):
        return reverse("imports:columns", args=[batch.pk])
    return reverse("imports:preview", args=[batch.pk])


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
        return _next_step(batch)

    def get_context(self, form, obj):
        user = self.request.user
        return {"form": form, "can_write": access.can_write(user), "columns": _help(),
                "remembered": imports.remembered_columns(user) if access.can_write(user) else [],
                "may_forget": user.role == Role.ADMIN}


class ForgetColumn(FormActionView):
    """Forget one of the unit's remembered column choices (from the import page's list)."""

    form_class = forms.Form
    post_only = True
    success_message = gettext_lazy("Forgotten: the next file with this column is asked about again.")

    def get_object(self):
        return get_object_or_404(ColumnMapping, pk=self.kwargs["pk"])

    def act(self, form, mapping):
        imports.forget_column(self.request.user, mapping)

    def success_url(self, result, mapping):
        return reverse("imports:wizard") + "#remembered-columns"


class TreeWizard(Wizard):
    """The organisation tree from a file: the same checks, preview and commit as members."""

    form_class = TreeUploadForm
    template_name = "imports/tree.html"

    def act(self, form, obj):
        return imports.stage_import(self.request.user, form.cleaned_data["file"], ImportKind.TREE)

    def get_context(self, form, obj):
        return {"form": form, "can_write": access.can_write(self.request.user), "columns": TREE_COLUMNS,
                "example": samples.example_path(self.request.user)}


def _own_batch(request, pk) -> ImportBatch:
    return get_object_or_404(access.own_import_batches(request.user), pk=pk)


class Columns(FormActionView):
    """Which field each column of the uploaded file holds; the choices are remembered for the unit's next files."""

    form_class = ColumnsForm
    template_name = "imports/columns.html"
    success_message = ""

    def get_object(self):
        return _own_batch(self.request, self.kwargs["pk"])

    def check(self, batch):
        access.require_write(self.request.user)

    def get(self, request, *args, **kwargs):
        batch = self.get_object()
        if batch.status != ImportStatus.PREVIEWED or not batch.report.get("columns"):
            return redirect("imports:preview", pk=batch.pk)  # imported already, or no header row to speak of
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self, batch):
        targets, required = imports.column_targets(self.request.user, batch.kind)
        # Importers write wherever they see (care.registers.access), so their organisations are those they see.
        nodes = access.visible_nodes(self.request.user) if batch.kind == ImportKind.MEMBERS else None
        return {"columns": batch.report.get("columns", []), "targets": targets, "required": required,
                "nodes": nodes, "initial": {"node": batch.node_id}}

    def act(self, form, batch):
        self.error_names = {header: name for name, header in form.headers.items()}
        return imports.choose_columns(self.request.user, batch, form.choices(), node=form.cleaned_data.get("node"))

    def success_url(self, report, batch):
        return reverse("imports:preview", args=[batch.pk])

    def get_context(self, form, batch):
        return {"form": form, "batch": batch, "report": batch.report}


@login_required
def preview(request, pk):
    batch = _own_batch(request, pk)
    tree = batch.kind == ImportKind.TREE
    form = TreeUploadForm() if tree else UploadForm(initial={"kind": batch.kind})
    return render(request, "imports/preview.html", {
        "batch": batch, "report": batch.report, "form": form, "tree": tree,
        "upload_url": reverse("imports:tree" if tree else "imports:wizard")})


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
def sample(request, kind):
    """A workbook to fill in, with the headers the import knows and two example rows."""
    try:
        filename, content = samples.sample_file(request.user, kind)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
