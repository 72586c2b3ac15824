"""Message templates per purpose and language. A unit's own text overrides the built-in default of its key, so
the programme's greeting keys work from the first day without any data to seed."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from care.programme.calendar import OCCASIONS_BY_KEY
from care.registers import access
from carehub.audit.services import changing, created, diff, record, snapshot
from notifications import rendering, segments
from notifications.actions import TEMPLATE_DELETED, TEMPLATE_SAVED
from notifications.models import Approval, Category, Template
from notifications.purposes import BUILT_IN_NAMES, built_in_name
from notifications.services.config import get_settings

GREETING = Category.GREETING
# (key, language) -> (category, body). Keys of the programme's presets, the notices and the staff reminders.
DEFAULTS = {
    ("birthday", "zh-hans"): (GREETING, "{member_name}同志：今天是您的生日，{unit_name}祝您生日快乐，身体健康！"),
    ("birthday", "en"): (GREETING, "Dear {member_name}, {unit_name} wishes you a happy birthday and good health!"),
    ("political_birthday", "zh-hans"): (
        GREETING, "{member_name}同志：今天是您的政治生日，您已入党{years}年。{unit_name}祝您身体健康、生活幸福！"),
    ("political_birthday", "en"): (
        GREETING, "Dear {member_name}, today is your political birthday: {years} years in the Party. Best wishes "
                  "from {unit_name}!"),
    ("political_birthday_round", "zh-hans"): (
        GREETING, "{member_name}同志：今天是您光荣在党{years}周年纪念日，{unit_name}向您致以崇高的敬意和诚挚的祝福！"),
    ("political_birthday_round", "en"): (
        GREETING, "Dear {member_name}, {unit_name} honours your {years} years in the Party. Our warmest wishes!"),
    ("spring_festival", "zh-hans"): (GREETING, "{member_name}同志：值此春节之际，{unit_name}祝您新春快乐，阖家幸福！"),
    ("spring_festival", "en"): (GREETING, "Dear {member_name}, {unit_name} wishes you a happy Spring Festival!"),
    ("double_ninth", "zh-hans"): (GREETING, "{member_name}同志：重阳节到了，{unit_name}祝您节日快乐，健康长寿！"),
    ("double_ninth", "en"): (GREETING, "Dear {member_name}, {unit_name} wishes you a happy Double Ninth Festival "
                                       "and a long, healthy life!"),
    ("nurses_day", "zh-hans"): (GREETING, "{member_name}同志：护士节快乐！感谢您守护生命健康。{unit_name}"),
    ("nurses_day", "en"): (GREETING, "Dear {member_name}, happy Nurses' Day, and thank you for your care. "
                                     "{unit_name}"),
    ("physicians_day", "zh-hans"): (GREETING, "{member_name}同志：医师节快乐！感谢您的仁心仁术。{unit_name}"),
    ("physicians_day", "en"): (GREETING, "Dear {member_name}, happy Physicians' Day, and thank you for your "
                                         "work. {unit_name}"),
    # Any other greeting key (a unit's own occasion) until the unit writes its text.
    ("greeting", "zh-hans"): (GREETING, "{member_name}同志：值此{occasion}之际，{unit_name}向您致以诚挚的问候！"),
    ("greeting", "en"): (GREETING, "Dear {member_name}, warm wishes for {occasion} from {unit_name}."),
    ("visit_notice", "zh-hans"): (Category.NOTICE, "{member_name}同志：{visitor}将于{date}前来看望您。{unit_name}"),
    ("visit_notice", "en"): (Category.NOTICE, "Dear {member_name}, {visitor} will visit you on {date}. {unit_name}"),
    ("fund_notice", "zh-hans"): (Category.NOTICE,
                                 "{member_name}同志：关爱基金的慰问金已发放给您，请注意查收。{unit_name}"),
    ("fund_notice", "en"): (Category.NOTICE, "Dear {member_name}, your care fund payment has been made. {unit_name}"),
    ("staff_digest", "zh-hans"): (Category.STAFF, "您有{count}项关爱任务待办：{tasks}。{unit_name}"),
    ("staff_digest", "en"): (Category.STAFF, "You have {count} care tasks due: {tasks}. {unit_name}"),
    ("task_assigned", "zh-hans"): (Category.STAFF, "新的关爱任务：{tasks}。{unit_name}"),
    ("task_assigned", "en"): (Category.STAFF, "New care task: {tasks}. {unit_name}"),
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]
FIELDS = ["name", "category", "body", "vendor_code", "approval"]  # what the audit trail records of a template
VENDOR_CODE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
OWN_KEY_PREFIX = "own"


def own_names() -> dict[str, str]:
    """{key: name} of the purposes the unit named itself (one query)."""
    return {key: name for key, name in Template.objects.exclude(name="").order_by("language")
            .values_list("key", "name")}


def name_of(key: str, names: dict[str, str] | None = None) -> str:
    """What people call the purpose `key`: the unit's name for it, else its built-in name (notifications.purposes).
    `names` is own_names(), when a page names many."""
    names = own_names() if names is None else names
    return names.get(key) or built_in_name(key)


def greeting_choices() -> list[tuple[str, str]]:
    """(key, name) of every greeting the unit can send, built-in and its own, by name: the choices of a rule's
    greeting (care.programme.greetings)."""
    names = own_names()
    keys = {key for (key, _language), (category, _body) in DEFAULTS.items() if category == GREETING}
    keys |= set(Template.objects.filter(category=GREETING).values_list("key", flat=True))
    return sorted(((key, name_of(key, names)) for key in keys), key=lambda choice: choice[1])


def new_key(name: str) -> str:
    """A key for a new purpose named `name`: its slug when that is free (Latin names), else the next free
    "own-<n>" (a Chinese name has no slug)."""
    taken = set(Template.objects.values_list("key", flat=True)) | {key for key, _language in DEFAULTS}
    slug = slugify(name)[:40].strip("-")
    if slug and slug not in taken and slug not in OCCASIONS_BY_KEY:
        return slug
    number = 1
    while f"{OWN_KEY_PREFIX}-{number}" in taken:
        number += 1
    return f"{OWN_KEY_PREFIX}-{number}"


def template_text(key: str, language: str) -> str:
    """The body to send for `key` in `language`: the unit's own, else the built-in default, else the generic
    greeting."""
    return resolved(key, language)[1]


def resolved(key: str, language: str) -> tuple[str, str]:
    """(the template whose text applies, its text) for `key` in `language`: `key` itself when the unit or the
    defaults have a text for it, else the generic greeting ("greeting") and that one's text."""
    own = dict(Template.objects.filter(key__in=[key, "greeting"], language=language).values_list("key", "body"))
    if key in own:
        return key, own[key]
    if (key, language) in DEFAULTS:
        return key, DEFAULTS[(key, language)][1]
    return "greeting", own.get("greeting", DEFAULTS[("greeting", language)][1])


def effective_templates(language: str | None = None) -> list[dict]:
    """Every template the unit has, its own and the defaults it has not replaced (for the template pages), each
    with the name of its purpose."""
    own = {(t.key, t.language): t for t in Template.objects.all()}
    names = {t.key: t.name for t in sorted(own.values(), key=lambda t: t.language) if t.name}
    rows = [{"key": key, "language": lang, "category": category, "body": body, "own": None}
            for (key, lang), (category, body) in DEFAULTS.items() if (key, lang) not in own]
    rows += [{"key": t.key, "language": t.language, "category": t.category, "body": t.body, "own": t}
             for t in own.values()]
    rows = [{**row, "name": name_of(row["key"], names)} for row in rows if language in (None, row["language"])]
    return sorted(rows, key=lambda row: (row["key"], row["language"]))


def preview(body: str, context: dict | None = None) -> tuple[str, segments.Count]:
    """The text as it would be sent (sample values unless `context` is given) and its cost."""
    context = rendering.sample_context() if context is None else context
    text = segments.normalise(rendering.render(rendering.canonical(body), context))
    return text, segments.count(text)


def clean_template(*, key: str, name: str = "", language: str, category: str, body: str, vendor_code: str = "",
                   approval: str = Approval.PENDING) -> dict:
    """A new purpose needs a name (its key is derived from it); a text for an existing or built-in purpose keeps
    its key. Variables may be written as words ({姓名}); they are stored by name. The provider's template code and
    approval are as its console says."""
    errors = {}
    vendor_code = (vendor_code or "").strip()
    if vendor_code and not VENDOR_CODE.match(vendor_code):
        errors["vendor_code"] = _("Enter the template code as the Alibaba Cloud console shows it, such as "
                                  "SMS_123456789.")
    if approval not in Approval.values:
        errors["approval"] = _("Choose whether Alibaba Cloud approved the template.")
    key, name, body = (key or "").strip(), (name or "").strip(), rendering.canonical((body or "").strip())
    if key and (not key.replace("_", "").replace("-", "").isalnum() or len(key) > 40):
        errors["key"] = _("Use up to 40 letters, digits, hyphens or underscores.")
    elif not key and not name:
        errors["name"] = _("Give the purpose a name, such as “Branch meeting notice”.")
    elif len(name) > 60:
        errors["name"] = _("Use at most 60 characters.")
    if language not in LANGUAGES:
        errors["language"] = _("Choose one of the unit's languages.")
    if category not in Category.values:
        errors["category"] = _("Choose the kind of message.")
    if not body:
        errors["body"] = _("The text must not be empty.")
    elif unknown := rendering.unknown_variables(body):
        errors["body"] = _("Unknown variables: %(names)s. Use only: %(known)s.") % {
            "names": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(variable["word"] for variable in rendering.words())}
    else:
        limit = get_settings().max_segments
        count = preview(body)[1]
        if count.segments > limit:
            errors["body"] = _("With sample values this text needs %(segments)d SMS segments (%(characters)d "
                               "characters, %(encoding)s); the unit allows at most %(limit)d.") % {
                "segments": count.segments, "characters": count.characters, "encoding": count.encoding,
                "limit": limit}
    if errors:
        raise ValidationError(errors)
    return {"key": key, "name": name, "language": language, "category": category, "body": body,
            "vendor_code": vendor_code, "approval": approval}


def save_template(actor, *, key: str = "", name: str = "", language: str, category: str, body: str,
                  vendor_code: str | None = None, approval: str | None = None) -> Template:
    """Create or replace the unit's text for (key, language); without a key, a new purpose called `name`. The
    name of a purpose of the unit's own is kept on each of its texts (a built-in purpose keeps its name).
    `vendor_code` and `approval` (None: as they were) are the template's code and approval at Alibaba Cloud; a
    changed text waits for approval again, since the vendor approved the text it saw."""
    access.require_admin(actor)
    template = Template.objects.filter(key=key, language=language).first() if key else None
    vendor_code = (template.vendor_code if template else "") if vendor_code is None else vendor_code
    approval = (template.approval if template else Approval.PENDING) if approval is None else approval
    cleaned = clean_template(key=key, name=name, language=language, category=category, body=body,
                             vendor_code=vendor_code, approval=approval)
    with transaction.atomic():
        key = cleaned["key"] or new_key(cleaned["name"])
        name = "" if key in BUILT_IN_NAMES else cleaned["name"] or own_names().get(key, "")
        template = Template.objects.filter(key=key, language=language).first()
        if template is None:
            template = Template.objects.create(key=key, name=name, language=language, category=category,
                                               body=cleaned["body"], vendor_code=cleaned["vendor_code"],
                                               approval=cleaned["approval"], updated_by=actor)
            created(actor, TEMPLATE_SAVED, template, FIELDS)
        else:
            with changing(actor, TEMPLATE_SAVED, template, FIELDS) as change:
                template = change.instance
                changed_text = template.body != cleaned["body"]
                template.name, template.category, template.body = name, category, cleaned["body"]
                template.vendor_code = cleaned["vendor_code"]
                template.approval = Approval.PENDING if changed_text else cleaned["approval"]
                template.updated_by = actor
                template.save()
        if name:  # the purpose's texts in the other languages are called the same (one per language)
            for other in Template.objects.filter(key=key).exclude(pk=template.pk).exclude(name=name):
                with changing(actor, TEMPLATE_SAVED, other, FIELDS) as change:
                    change.instance.name = name
                    change.instance.save(update_fields=["name", "updated_at"])
    return template


def delete_template(actor, template: Template) -> None:
    """Remove the unit's own text; the built-in default (if any) applies again."""
    access.require_admin(actor)
    with transaction.atomic():
        record(actor, TEMPLATE_DELETED, template, diff(snapshot(template, FIELDS), {}))
        template.delete()
