"""The response that hands out a run's PDF or workbook, shared by the portal and the API."""

from django.http import FileResponse, Http404

from care.reports.services import runs as services


def download_response(user, run, fmt: str) -> FileResponse:
    found = services.open_file(user, run, fmt)
    if found is None:
        raise Http404
    handle, name = found
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=services.FORMATS[fmt])
    response["Cache-Control"] = "private, no-store"
    return response
