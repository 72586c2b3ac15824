"""PDF rendering shared by reports and invoices: WeasyPrint behind a fetcher that reaches nothing outside.

Templates extend ``pdf/base.html`` (A4, CJK font named in the body and in every @page margin box, page numbers,
cover, repeating table headers, footer). Resources are fetched only from our own static files, by their
``/static/...`` URL, and from ``data:`` URIs; ``file://``, ``http(s)://`` and everything else is refused.

Speed (bench/reports.py): WeasyPrint's user-agent stylesheet is used without its bare pseudo-element rules, and the
font configuration is kept across renders; see `LeanHTML` and `font_configuration`.
"""

import functools
import importlib.resources
import io
import logging
import posixpath
import shutil
import subprocess  # noqa: S404 - fontconfig's fc-list, fixed arguments
import threading
from urllib.parse import unquote, urlsplit

import tinycss2
import weasyprint.css
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA_STYLESHEET
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative URLs in our templates ("/static/...") resolve against this origin, which exists nowhere: the fetcher
# below serves it from the static files and nothing else.
INTERNAL_ORIGIN = "https://carehub.internal"
CJK_LANG = "zh"
_font_checked = False


class PdfError(Exception):
    """Rendering failed. ``retryable`` tells a task whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class ResourceRefused(ValueError):
    """A template asked for a resource outside our static files."""


def static_path(url: str) -> str | None:
    """The file behind one of our static URLs, or None when the URL is not ours or names no static file."""
    parts = urlsplit(url)
    origin = urlsplit(INTERNAL_ORIGIN)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or not parts.path.startswith(
        settings.STATIC_URL
    ):
        return None
    relative = unquote(parts.path[len(settings.STATIC_URL):])
    normalised = posixpath.normpath(relative)
    if normalised.startswith(("../", "/")) or normalised in ("..", "."):
        return None
    found = finders.find(normalised)
    if found:
        return found
    collected = settings.STATIC_ROOT / normalised
    return str(collected) if collected.is_file() else None


class StaticOnlyFetcher(URLFetcher):
    """Serves data: URIs and our static files; refuses every other URL (local files, the network)."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_path(url)
        if path is None:
            logger.warning("pdf: refused resource %s", url[:200])
            raise ResourceRefused(f"PDF templates may only use our static files, not {url[:200]}")
        with open(path, "rb") as fh:
            body = fh.read()
        content_type = "text/css" if path.endswith(".css") else None
        return URLFetcherResponse(url, body, {"Content-Type": content_type} if content_type else None)


def cjk_fonts() -> list[str]:
    """Families fontconfig offers for Chinese, empty when none is installed (or fontconfig itself is missing)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, f":lang={CJK_LANG}", "family"],  # noqa: S603 - fixed arguments
                             capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})


def require_cjk_font() -> None:
    """Fail loudly rather than print boxes: a Chinese report without a CJK font is unreadable."""
    global _font_checked
    if _font_checked:
        return
    if not cjk_fonts():
        raise PdfError(_("No Chinese (CJK) font is installed on this server; install fonts-wqy-zenhei."))
    _font_checked = True  # only a success is remembered, so installing the font needs no restart


def _lean_rule(rule) -> str | None:
    """A rule of the user-agent stylesheet as kept: bare pseudo-element rules (``::marker``, ``::footnote-call``,
    ``::note-*``) match every element, and the cascade then computes six extra styles per element, about a sixth of
    the render time of a long table. ``::marker`` is kept for list items; our layouts use no CSS footnotes or notes."""
    if rule.type != "qualified-rule":
        return rule.serialize()
    selector = tinycss2.serialize(rule.prelude).strip()
    if not selector.startswith("::"):
        return rule.serialize()
    if selector == "::marker":
        return f"li::marker, summary::marker {{{tinycss2.serialize(rule.content)}}}"
    return None


@functools.cache
def lean_user_agent_stylesheet() -> CSS:
    source = (importlib.resources.files(weasyprint.css) / "html5_ua.css").read_text("utf-8")  # what UA_STYLESHEET is
    rules = tinycss2.parse_stylesheet(source, skip_comments=True, skip_whitespace=True)
    kept = [text for text in map(_lean_rule, rules) if text is not None]
    # Its @counter-style rules go to a scratch registry: documents use WeasyPrint's own, built from the same file.
    return CSS(string="\n".join(kept), counter_style=CounterStyle())


class LeanHTML(HTML):
    """WeasyPrint's HTML with the lean user-agent stylesheet (same output for our layouts, see _lean_rule)."""

    def _ua_stylesheets(self, forms=False):
        return [lean_user_agent_stylesheet() if sheet is UA_STYLESHEET else sheet
                for sheet in super()._ua_stylesheets(forms)]


_per_thread = threading.local()


def font_configuration() -> FontConfiguration:
    """One per thread, kept across renders: fontconfig's font list and Pango's font map are built once instead of
    once per document (Pango objects are not thread-safe, hence not one per process)."""
    if not hasattr(_per_thread, "fonts"):
        _per_thread.fonts = FontConfiguration()
    return _per_thread.fonts


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render a complete HTML document to PDF bytes. Raises PdfError."""
    require_cjk_font()
    try:
        document = LeanHTML(string=html, base_url=base_url or INTERNAL_ORIGIN + "/", url_fetcher=StaticOnlyFetcher())
        return document.write_pdf(font_config=font_configuration())
    except MemoryError as exc:
        raise PdfError(_("The document is too large to render."), retryable=False) from exc
    except OSError as exc:
        raise PdfError(str(exc), retryable=True) from exc


def page_count(pdf_bytes: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf_bytes)).pages)
