"""Field work on a phone (issue 16): the web app manifest and the service worker of a unit's host, both served at its
root, and the page that works from what the phone keeps (/programme/field/), with or without a signal.

The page and the worker share carehub/field.js (the device's store and the queue's sending); field-page.js runs on
every portal page (sync status, the worker's registration, logout), field-work.js on the field page only. The data
comes from care.programme.api.field. The worker is a template so that it names the static files by their URLs
(hashed ones too) and precaches them with a revision that changes with their bytes.
"""

import functools
import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from care.programme.services import field as field_service
from care.registers import access
from carehub import vendor
from carehub.clock import current_unit

THEME_COLOR = "#b3261e"  # app.css's --pico-primary, as base.html's theme-color: the title bar in the portal's red
ICONS = {192: "carehub/icons/icon-192.png", 512: "carehub/icons/icon-512.png"}
# Everything the field page loads (its template and base.html's head): precached with the page so that it opens
# with no signal. tests/test_field_pages.py checks that the page loads nothing else.
SHELL_ASSETS = [
    "vendor/pico-2.1.1.min.css", "carehub/app.css", "vendor/htmx-2.0.11.min.js", "carehub/app.js",
    vendor.static_path("idb", "umd.js"), "carehub/field.js", "carehub/field-page.js", "carehub/field-work.js",
    ICONS[192],
]
# A page that does not answer within this many seconds is taken for no signal on the pages a field trip opens
# (my work, the field page, the record forms): the phone's own version shows instead. Other pages (reports,
# downloads) wait for the network and fall back only when it fails.
FIELD_PAGE_SECONDS = 4
# The home screen's label under the icon: the unit's name when it fits (about six Chinese characters).
SHORT_NAME_WIDTH = 12


def _revision(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:20]


@functools.lru_cache(maxsize=64)
def _file_revision(path: str, modified_ns: int) -> str:
    return _revision(Path(path).read_bytes())


def static_revision(static_path: str) -> str:
    """A static file's revision (of its bytes, read again when the file changes)."""
    found = finders.find(static_path)
    if not found:
        raise ImproperlyConfigured(f"static file {static_path} is missing (vendored files: run deploy/vendor.sh)")
    return _file_revision(found, Path(found).stat().st_mtime_ns)


def shell_revision(request) -> str:
    """The field page's revision: of its templates, its assets and its words in the person's language, and of the
    session's CSRF secret, since its forms (logout, language) carry the session's token: a new sign-in gets a new
    copy. It holds no data (it draws what the phone keeps)."""
    language = translation.get_language()
    sources = [get_template(name).template.source.encode() for name in ("programme/field.html", "carehub/base.html")]
    catalogue = Path(settings.LOCALE_PATHS[0]) / translation.to_locale(language) / "LC_MESSAGES" / "django.mo"
    words = catalogue.read_bytes() if catalogue.exists() else b""
    assets = "".join(static_revision(path) for path in SHELL_ASSETS).encode()
    session = request.META.get("CSRF_COOKIE", "").encode()
    return _revision(*sources, words, assets, language.encode(), session)


def _path_pattern(name: str, ids: int = 0) -> str:
    """A JavaScript regular expression for a route's paths, capturing each of its `ids` integer arguments."""
    path = re.escape(reverse(name, args=[0] * ids))
    return "^" + path.replace("/0/", r"/(\d+)/") + "$"


def service_worker(request):
    """/sw.js, for signed-in staff: who is signed out gets no worker (and an installed one keeps working, since a
    failed update leaves it as it is)."""
    if not request.user.is_authenticated:
        raise Http404
    packages = vendor.PINNED["workbox"]["packages"]
    config = {
        "workbox": static(vendor.static_path("workbox", "workbox-sw.js")),
        "modules": {name: static(vendor.static_path("workbox", f"{name}.prod.js"))
                    for name in packages if name != "workbox-sw"},
        "shared": [static(vendor.static_path("idb", "umd.js")), static("carehub/field.js")],
        "shell": reverse("programme:field"),
        "precache": [{"url": static(path), "revision": static_revision(path)} for path in SHELL_ASSETS]
        + [{"url": reverse("programme:field"), "revision": shell_revision(request)}],
        "static": settings.STATIC_URL,
        "fieldPages": [_path_pattern("programme:my_work"), _path_pattern("programme:field"),
                       _path_pattern("programme:visit_new", 1), _path_pattern("programme:talk_new", 1)],
        "fieldPageSeconds": FIELD_PAGE_SECONDS,
        "snapshot": reverse("programme-api:field"),
        "records": reverse("programme-api:field-records"),
    }
    response = render(request, "programme/sw.js", {"config": json.dumps(config, indent=2)},
                      content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser asks again at each update check
    return response


def _display_width(text: str) -> int:
    """Columns on a home screen: a Chinese character takes two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def manifest(request):
    """/manifest.webmanifest: Carehub on the phone's home screen as the unit's own app, opening on my work."""
    unit = current_unit()
    language = translation.get_language()
    icons = [{"src": static(path), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
             for size, path in ICONS.items() for purpose in ("any", "maskable")]
    response = JsonResponse({
        "id": reverse("programme:my_work"),
        "name": f"{unit.name} · Carehub",
        "short_name": unit.name if _display_width(unit.name) <= SHORT_NAME_WIDTH else "Carehub",
        "lang": translation.to_locale(language).replace("_", "-"),
        "start_url": reverse("programme:my_work"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": "#ffffff",
        "icons": icons,
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


def _format(text: str) -> str:
    """A translated Python format ("Overdue %(days)d days") as the field page's JavaScript fills it ("{days}")."""
    return re.sub(r"%\((\w+)\)[sd]", r"{\1}", text)


def _words() -> dict:
    """The words field-work.js puts together at run time, in the person's language; the rest are in the page."""
    return {
        "overdue": {"one": _format(ngettext("Overdue %(days)d day", "Overdue %(days)d days", 1)),
                    "other": _format(ngettext("Overdue %(days)d day", "Overdue %(days)d days", 2))},
        "dueToday": _("Due today"),
        "dueOn": _format(_("Due %(weekday)s %(date)s")),
        "recordVisit": _("Record visit"),
        "recordTalk": _("Record talk"),
        "visitTitle": _format(_("Record a visit: %(name)s")),
        "talkTitle": _format(_("Record a talk: %(name)s")),
        "forTask": _format(_("For the task: %(task)s")),
        "proxy": _("Proxy"),
        "noPhone": _("No phone"),
        "kept": _format(_("Kept on this phone since %(since)s, until %(until)s.")),
        "waiting": _("Waiting to send"),
        "sending": _("Sending…"),
        "visit": _("Visit"),
        "talk": _("Talk"),
        "savedAt": _format(_("Saved at %(time)s")),
        "photo": _format(_("Photo %(number)s")),
        "photoUnreadable": _format(_("This photo could not be read: %(name)s")),
        "discardQuestion": _("Discard this record? It was not sent and will be lost."),
    }


@login_required
def field_page(request):
    """My work as the phone keeps it: drawn in the browser from what the phone holds (field-work.js)."""
    config = {
        "words": _words(),
        "canWrite": access.can_write(request.user),
        "fieldPage": reverse("programme:field"),
        # The server's own forms and member page, for the links to them and for recognising their addresses when
        # the worker shows this page in their place (no signal).
        "serverForms": {"visit": reverse("programme:visit_new", args=[0]),
                        "talk": reverse("programme:talk_new", args=[0])},
        "formPaths": {"visit": _path_pattern("programme:visit_new", 1),
                      "talk": _path_pattern("programme:talk_new", 1)},
        "memberPath": _path_pattern("portal:member_detail", 1),
    }
    return render(request, "programme/field.html", {"config": json.dumps(config), "days": field_service.DAYS_AHEAD})
