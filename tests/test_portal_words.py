"""Every page of a unit's portal, in both languages, reads as words: no internal key (template keys, task kinds,
trigger and audit values, filter syntax, "None", "node: 100"), no English left in the Chinese pages and no
Chinese in the English ones except the data the test created.

The pages come from the URL conf (carehub.urls_tenant), as in test_route_isolation: every GET route of the
portal, with the objects of test_route_isolation.make_world in the paths, read by the unit's admin with the
sensitive permission. A new page is checked without anyone listing it. The operator console (carehub.urls_public)
is read the same way.

Visible text is the HTML without script and style, tags stripped, plus placeholders, aria-labels, titles and the
values of buttons. Data the test made (names, notes, file names, the units' spreadsheet headers) is taken out
before looking, in either language; stored keys never count as data."""

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import URLPattern, URLResolver, reverse
from django_tenants.utils import schema_context

from care.programme.models import LifeEventKind, TaskKind, Trigger
from care.registers.models import StaffScope
from carehub import urls_tenant
from carehub.audit.models import AuditEvent
from notifications.services import templates
from notifications.services.templates import DEFAULTS

from .api_data import media_fixture  # noqa: F401 (fixture)
from .conftest import logged_in
from .test_route_isolation import ROUTES, make_world

LANGUAGES = ["en", "zh-hans"]
# Parts of the unit's URL conf that are no pages: machines' endpoints and set-language.
NOT_PAGES = ("api", "hooks/", "i18n/")
# Extra query strings worth a page of their own (the same view shows other things with them).
VARIANTS = {
    "portal:member_list": ["?extra.rank=x"],
    "sms:template_edit": ["?key=birthday&language=zh-hans", "?key=meeting&language=zh-hans"],
    "sms:windows": ["?member={member}"],
    "sms:opt_outs": ["?member={member}"],
    "sms:outbox": ["?notice={notice}"],
}

# Internal keys that must never be read: template keys, the values of task kinds, triggers, life events and
# audit values, filter syntax. Keys that are plain words ("birthday") are English words: the Chinese pass finds those.
KEYS = {key for key, _language in DEFAULTS} | {*TaskKind.values, *Trigger.values, *LifeEventKind.values}
KEYS = {key for key in KEYS if not key.isalpha()} | {"close-period", "ledgerentry", "__gte", "__lte", "extra."}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# "node: 100" as a record's id, not "08:00", "month: 1 to 12" or "Aged at least: 80".
OBJECT_ID = re.compile(r"(?<![A-Za-z] )\b[a-z_]+: \d+\b(?![:.\d-]| to | or )")
NONE = re.compile(r"\bNone\b(?!\s+[a-z]|\.)")  # Python's None shown as a value ("None yet." is English)
# Stored values that are keys, not words people wrote ("birthday", "visit-spring-festival", "notice:4:+86…"):
# never taken for data, so a page showing them is caught.
KEY_LIKE = re.compile(r"^[a-z0-9]+([_.:+-][a-z0-9]+)*$")
BRACED = re.compile(r"\{[^{}]*\}")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"(https?://|/)[\w./?=&%#:-]+")
# English a Chinese page may show: names of products and formats, and the language button.
ENGLISH_ALLOWED = {"Carehub", "SMS", "PDF", "Excel", "CSV", "xlsx", "English", "Twilio", "SID", "GSM", "UCS",
                   "Messaging", "Service", "Auth", "Token", "PNG", "JPEG", "KB", "MB", "API", "OK", "UTF", "GBK", "CNY",
                   "Authorization",
                   # Alibaba Cloud's console says these in Chinese too: AccessKey ID and Secret, RAM users, the
                   # template's CODE, HTTP push of SmsReport and SmsUp.
                   "AccessKey", "ID", "Secret", "RAM", "CODE", "HTTP", "SmsReport", "SmsUp"}
CHINESE_ALLOWED = {"简体中文"}
# A date as Chinese spreadsheets write it, quoted by the import pages as a form they read.
CHINESE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


class VisibleText(HTMLParser):
    """The text a person reads: the HTML without script and style, plus what buttons, inputs and labels
    say (placeholder, aria-label, title, the value of buttons)."""

    SKIPPED = {"script", "style"}
    SHOWN = ("placeholder", "aria-label", "title")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        attrs = dict(attrs)
        self.parts += [attrs[name] for name in self.SHOWN if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


# The pages -----------------------------------------------------------------------------------------------------

def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route,
                             namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        elif isinstance(pattern, URLPattern) and pattern.name and not route.startswith(NOT_PAGES):
            yield namespace + pattern.name, tuple(pattern.pattern.regex.groupindex)


PAGES = list(_walk(urls_tenant.urlpatterns))


def page_paths(world, tokens: dict) -> list[tuple[str, str]]:
    """(route name, path) for every page, with the world's objects (or tokens) as arguments."""
    found = []
    for name, arguments in PAGES:
        if arguments and name in ROUTES:
            kwargs = {argument: world.id(source) if source in world.objects else source
                      for argument, source in ROUTES[name][1].items()}
        elif arguments:
            if name not in tokens:
                continue  # a one-time token (password reset, support pass): no page of the unit's data
            kwargs = tokens[name]
        else:
            kwargs = {}
        path = reverse(name, urlconf=urls_tenant, kwargs=kwargs)
        ids = {source: world.id(source) for source in ("member", "notice")}
        found += [(name, path)] + [(name, path + variant.format(**ids)) for variant in VARIANTS.get(name, [])]
    return found


# The data the test made ----------------------------------------------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def data_values(schema: str) -> list[str]:
    """Every text the unit's tables hold (names, notes, rule names, uploads' file names) and the built-in
    message texts: what people wrote, shown as they wrote it in either language. Longest first, so a name is
    removed before a shorter part of it."""
    values = {body for _category, body in DEFAULTS.values()} | spreadsheet_words()
    with schema_context(schema):
        for model in apps.get_models():
            # What the audit trail and the sessions hold is written by code, not people: not data (but see below).
            if model._meta.app_label in ("tenants", "billing", "admin", "contenttypes", "sessions", "auth", "audit"):
                continue
            fields = [field.name for field in model._meta.concrete_fields
                      if isinstance(field, models.CharField | models.TextField | models.JSONField)
                      and not field.choices]
            files = [field.name for field in model._meta.concrete_fields if isinstance(field, models.FileField)]
            for row in model.objects.values_list(*fields) if fields else []:
                values.update(text for text in _strings(list(row)) if len(text) > 1
                              and (model._meta.app_label == "accounts" or not KEY_LIKE.match(text)))
            for row in model.objects.values_list(*files) if files else []:  # uploads by their file names
                values.update(PurePosixPath(path).name for path in row if path)
        # An audit record keeps its object's name as it read then, in the language of that moment.
        values.update(AuditEvent.objects.values_list("object_label", flat=True))
    # Message texts are shown with their {variables} as words: what lies between the variables is the data.
    texts = {value for value in values if BRACED.search(value)}
    values = (values - texts) | {part for text in texts for part in BRACED.split(text) if len(part) > 1}
    connection.set_schema_to_public()
    return sorted(values, key=len, reverse=True)


def spreadsheet_words() -> set[str]:
    """The Chinese headers and cell words the imports recognise: the vocabulary of the units' own spreadsheets,
    which the import pages quote as they are."""
    from care.imports.services import columns

    words = {*columns.YES_NO, *columns.NODE_KIND_WORDS, *columns.NOT_IMPORTED_HEADERS}
    for column in [*columns.MEMBER_COLUMNS, *columns.HARDSHIP_COLUMNS, *columns.TREE_COLUMNS]:
        words.update(column.aliases, column.words)
    return {word for word in words if len(word) > 1}


def without(text: str, values: list[str]) -> str:
    for value in values:
        if value in text:
            text = text.replace(value, " ")
    return text


# The checks ----------------------------------------------------------------------------------------------------

def findings(text: str, language: str, data: list[str]) -> list[str]:
    found = []
    # Addresses first (a unit's address holds its slug, which is data), then what people wrote (which may hold
    # emails), then the emails left.
    own = CHINESE_DATE.sub(" ", EMAIL.sub(" ", without(URL.sub(" ", text), data)))
    for key in KEYS:
        if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])" if key[0].isalnum() else re.escape(key), own):
            found.append(f"internal key {key!r}")
    found += [f"snake_case {word!r}" for word in sorted(set(SNAKE.findall(own)))]
    found += [f"object id {match!r}" for match in sorted(set(OBJECT_ID.findall(own)))]
    if NONE.search(own):
        found.append("'None'")
    if language == "en":
        found += [f"Chinese {run!r}" for run in sorted(set(HAN.findall(own)) - CHINESE_ALLOWED)]
    else:
        found += [f"English {word!r}" for word in sorted(set(WORD.findall(own)) - ENGLISH_ALLOWED)
                  if len(word) > 1]
    return found


@pytest.fixture(name="pages")
def pages_fixture(alpha, media):
    world = make_world(alpha)
    with schema_context(alpha.unit.schema_name):
        StaffScope.objects.update_or_create(user=alpha.admin, defaults={"can_view_sensitive": True})
        from care.fund.models import DisclosureLink

        token = DisclosureLink.objects.get(pk=world.id("link")).token
        # The unit's own purpose, named as the portal asks (the world made it with a key only).
        templates.save_template(alpha.admin, key="meeting", name="支部会议通知", language="zh-hans",
                                category="notice", body="{member_name}同志：请参加支部会议。")
    connection.set_schema_to_public()
    return page_paths(world, {"fund:public": {"token": token}}), data_values(alpha.unit.schema_name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_reads_as_words(pages, alpha, language):
    paths, data = pages
    client = logged_in(alpha)
    client.raise_request_exception = False
    client.cookies["django_language"] = language
    wrong, read = [], 0
    for name, path in paths:
        response = client.get(path)
        if response.status_code >= 500:
            wrong.append(f"{path} ({name}): {response.status_code}")
            continue
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        read += 1
        wrong += [f"{path} ({name}): {finding}"
                  for finding in findings(visible_text(response.content.decode()), language, data)]
    assert read > 60, f"only {read} pages read"
    assert not wrong, f"{len(wrong)} findings:\n" + "\n".join(wrong)


# The words themselves -------------------------------------------------------------------------------------------

def test_message_variables_read_and_are_written_as_words():
    from django.utils import translation

    from notifications import rendering

    with translation.override("en"):
        assert rendering.in_words("Dear {member_name}, {unit_name}") == "Dear {member name}, {unit name}"
        assert rendering.words(("count",))[0]["word"] == "{number of tasks}"
    assert rendering.canonical("{ Member Name }同志，{unit name}：{years in the Party}") == (
        "{member_name}同志，{unit_name}：{years}")
    assert rendering.canonical("{member_name}") == "{member_name}"  # the API's names still work
    assert rendering.unknown_variables("{name}你好 {member name} {unit nme}") == ["name", "unit nme"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_built_in_purpose_and_greeting_has_a_name(in_alpha, language):
    from django.utils import translation

    from care.programme import greetings

    with translation.override(language):
        names = {key: templates.name_of(key) for key, _language in DEFAULTS}
        offered = dict(greetings.choices())
        occasion = greetings.name_of("mid_autumn")  # an occasion without a text of its own
    assert all(name and name != key and "_" not in name for key, name in names.items())
    assert set(offered) == {key for (key, _language), (category, _body) in DEFAULTS.items() if category == "greeting"}
    if language == "en":
        assert offered["political_birthday_round"] == "Greeting for a round Party anniversary (50, 60 years …)"
        assert occasion == "Mid-Autumn Festival greeting"


def test_the_rule_form_offers_greetings_and_conditions_by_name(alpha):
    from care.programme.models import Rule
    from care.registers.services import extra_fields

    with schema_context("alpha"):
        extra_fields.save_extra_field(alpha.admin, label="月党费", kind="number")
        rule = Rule.objects.select_related("current").get(key="greet-political-birthday")
    connection.set_schema_to_public()
    client = logged_in(alpha)
    client.cookies["django_language"] = "en"
    page = client.get(f"/programme/rules/{rule.pk}/").content.decode()
    assert '<option value="political_birthday" selected>Political birthday greeting</option>' in page
    assert 'name="cond1-field"' in page and "key__gte" not in page
    assert "Political birthday greeting" in client.get("/programme/rules/").content.decode()
    form = {"name": "高党费党员生日祝福", "trigger": "anniversary", "anniversary_of": "birthday",
            "greeting_template": "birthday", "uses_smartphone": "unknown",
            "cond1-field": "field-1", "cond1-op": "gte", "cond1-value": "50", "cond1-was": "field-1"}
    assert client.post("/programme/rules/new/", form).status_code == 302
    with schema_context("alpha"):
        version = Rule.objects.get(current__name="高党费党员生日祝福").current
    assert version.audience == {"extra": [{"key": "field-1", "kind": "number", "op": "__gte", "value": "50"}]}
    edit = client.get(f"/programme/rules/{version.rule_id}/").content.decode()
    assert '<option value="gte" selected>is at least</option>' in edit and 'value="50"' in edit
    trail = client.get("/registers/audit/", {"object_type": "rule"}).content.decode()
    assert "月党费 is at least 50" in trail and "Birthday greeting" in trail and "__gte" not in trail


# The operator console ---------------------------------------------------------------------------------------------

def console_values() -> set[str]:
    """What operators and the units typed, in the platform's own tables: units' names, plans, invoice lines, the
    operators' names."""
    values = set()
    for model in [*apps.get_app_config("tenants").get_models(), *apps.get_app_config("billing").get_models(),
                  *apps.get_app_config("accounts").get_models()]:
        fields = [field.name for field in model._meta.concrete_fields if field.name != "source"
                  and isinstance(field, models.CharField | models.TextField) and not field.choices]
        for row in model.objects.values_list(*fields) if fields else []:
            values.update(text for text in row if text and len(text) > 1)
    return values

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_operator_console_reads_as_words_too(alpha, language):
    """Every GET page of the console (carehub.urls_public) for a unit with a plan and an invoice."""
    import datetime

    from billing.services.invoices import draft_invoices
    from carehub import urls_public

    from .billing_data import subscribed
    from .platform_data import console_client

    subscribed(alpha.unit, code="standard")
    invoice = draft_invoices(datetime.date.today().replace(day=1), units=[alpha.unit])[0]
    arguments = {"slug": alpha.unit.slug, "pk": invoice.pk}
    client = console_client()
    client.raise_request_exception = False
    client.cookies["django_language"] = language
    data = sorted({*data_values(alpha.unit.schema_name), *console_values()}, key=len, reverse=True)
    wrong, read = [], 0
    for name, needed in _walk(urls_public.urlpatterns):
        if set(needed) - set(arguments):
            continue  # an action's step or a status change: no page of its own
        path = reverse(name, urlconf=urls_public, kwargs={key: arguments[key] for key in needed})
        response = client.get(path)
        if response.status_code >= 500:
            wrong.append(f"{path} ({name}): {response.status_code}")
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            read += 1
            wrong += [f"{path} ({name}): {finding}"
                      for finding in findings(visible_text(response.content.decode()), language, data)]
    assert read > 8, f"only {read} pages read"
    assert not wrong, f"{len(wrong)} findings:\n" + "\n".join(wrong)
