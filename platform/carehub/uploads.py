"""Uploaded files, judged on their bytes: a renamed executable is still an executable, whatever its name or the
browser's content type say. Each kind of upload names what it accepts and up to what size (`Accept`); the
services check every file with `check_upload` before storing it, and the portal's forms and the API's
serializers call the same function to show the error next to the field, so both refuse the same files with the
same translated message."""

import codecs
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

HEAD_BYTES = 64 * 1024  # enough for any signature, and for judging whether a file is text


def _signature(*prefixes: bytes) -> Callable:
    return lambda head, _file: head.startswith(prefixes)


def _webp(head: bytes, _file) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _xlsx(head: bytes, file) -> bool:
    """An Office Open XML package: a zip archive that lists its parts' types."""
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(file) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _text(head: bytes, _file) -> bool:
    """Text in UTF-8 (with or without BOM) or GB18030, the encodings CSV files come in; binaries hold NUL bytes."""
    if b"\0" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # the head may end mid-character
            return True
        except UnicodeDecodeError:
            continue
    return False


@dataclass(frozen=True)
class Kind:
    label: str  # what people call it, in messages
    content_type: str
    matches: Callable  # (first bytes, seekable file) -> bool


PDF = Kind("PDF", "application/pdf", _signature(b"%PDF-"))
PNG = Kind("PNG", "image/png", _signature(b"\x89PNG\r\n\x1a\n"))
JPEG = Kind("JPEG", "image/jpeg", _signature(b"\xff\xd8\xff"))
WEBP = Kind("WebP", "image/webp", _webp)
XLSX = Kind(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx)
CSV = Kind("CSV", "text/csv", _text)

KB, MB = 1024, 1024 * 1024


@dataclass(frozen=True)
class Accept:
    kinds: tuple[Kind, ...]
    max_bytes: int

    @property
    def size_label(self) -> str:
        return f"{self.max_bytes // MB} MB" if self.max_bytes >= MB else f"{self.max_bytes // KB} KB"


# Scans and photos of certificates, receipts and vouchers: hardship evidence, fund receipts, applications' evidence.
DOCUMENT = Accept((PDF, JPEG, PNG, WEBP), 10 * MB)
PHOTO = Accept((JPEG, PNG, WEBP), 10 * MB)  # visit photos
LOGO = Accept((PNG, JPEG), 200 * KB)  # printed on report covers by WeasyPrint, which reads PNG and JPEG
SPREADSHEET = Accept((XLSX, CSV), 20 * MB)  # import files


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, io.SEEK_END)
    return size


def check_upload(file, accept: Accept, field: str | None = "file") -> Kind:
    """The kind of `file` (an upload, a file object or bytes) if `accept` takes it; otherwise a ValidationError
    keyed by `field` (for services), or a plain one with `field=None` (for a form's clean_<field>)."""
    if isinstance(file, bytes | bytearray | memoryview):
        file = io.BytesIO(bytes(file))

    def refuse(message: str):
        return ValidationError({field: message} if field else message, code="invalid_file")

    if _size(file) > accept.max_bytes:
        raise refuse(_("The file is larger than %(size)s.") % {"size": accept.size_label})
    file.seek(0)
    head = file.read(HEAD_BYTES)
    try:
        for kind in accept.kinds:
            file.seek(0)
            if kind.matches(head, file):
                return kind
    finally:
        file.seek(0)
    kinds = pgettext("name separator", ", ").join(kind.label for kind in accept.kinds)
    raise refuse(_("Only %(kinds)s files are accepted, judged by their content; this file is none of them.")
                 % {"kinds": kinds})


class UploadField(forms.FileField):
    """A form's file field that refuses, next to the field, what `accept` does not take."""

    def __init__(self, accept: Accept, **kwargs):
        self.accept = accept
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_upload(upload, self.accept, field=None)
        return upload
