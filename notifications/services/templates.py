"""Message templates per purpose and language. A unit's own text overrides the built-in default of its key, so
the programme's greeting keys work from the first day without any data to seed."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.registers import access
from carehub.audit.services import changing, created, diff, record, snapshot
from notifications import rendering, segments
from notifications.actions import TEMPLATE_DELETED, TEMPLATE_SAVED
from notifications.models import Category, Template
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
    ("staff_digest", "zh-hans"): (Category.STAFF, "您有{count}项关爱任务待办：{tasks}。{unit_name}"),
    ("staff_digest", "en"): (Category.STAFF, "You have {count} care tasks due: {tasks}. {unit_name}"),
    ("task_assigned", "zh-hans"): (Category.STAFF, "新的关爱任务：{tasks}。{unit_name}"),
    ("task_assigned", "en"): (Category.STAFF, "New care task: {tasks}. {unit_name}"),
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]
FIELDS = ["category", "body"]  # what the audit trail records of a template


def template_text(key: str, language: str) -> str:
    """The body to send for `key` in `language`: the unit's own, else the built-in default, else the generic
    greeting."""
    own = Template.objects.filter(key=key, language=language).values_list("body", flat=True).first()
    if own is not None:
        return own
    return DEFAULTS.get((key, language), DEFAULTS[("greeting", language)])[1]


def effective_templates(language: str | None = None) -> list[dict]:
    """Every template the unit has, its own and the defaults it has not replaced (for the template pages)."""
    own = {(t.key, t.language): t for t in Template.objects.all()}
    rows = [{"key": key, "language": lang, "category": category, "body": body, "own": None}
            for (key, lang), (category, body) in DEFAULTS.items() if (key, lang) not in own]
    rows += [{"key": t.key, "language": t.language, "category": t.category, "body": t.body, "own": t}
             for t in own.values()]
    rows = [row for row in rows if language in (None, row["language"])]
    return sorted(rows, key=lambda row: (row["key"], row["language"]))


def preview(body: str, context: dict | None = None) -> tuple[str, segments.Count]:
    """The text as it would be sent (sample values unless `context` is given) and its cost."""
    text = segments.normalise(rendering.render(body, rendering.sample_context() if context is None else context))
    return text, segments.count(text)


def clean_template(*, key: str, language: str, category: str, body: str) -> dict:
    errors = {}
    key, body = (key or "").strip(), (body or "").strip()
    if not key or not key.replace("_", "").replace("-", "").isalnum() or len(key) > 40:
        errors["key"] = _("Use up to 40 letters, digits, hyphens or underscores.")
    if language not in LANGUAGES:
        errors["language"] = _("Choose one of the unit's languages.")
    if category not in Category.values:
        errors["category"] = _("Choose the kind of message.")
    if not body:
        errors["body"] = _("The text must not be empty.")
    elif unknown := rendering.unknown_variables(body):
        errors["body"] = _("Unknown variables: %(names)s. Use only: %(known)s.") % {
            "names": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(f"{{{name}}}" for name in rendering.VARIABLES)}
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
    return {"key": key, "language": language, "category": category, "body": body}


def save_template(actor, *, key: str, language: str, category: str, body: str) -> Template:
    """Create or replace the unit's text for (key, language)."""
    access.require_admin(actor)
    cleaned = clean_template(key=key, language=language, category=category, body=body)
    with transaction.atomic():
        template = Template.objects.filter(key=cleaned["key"], language=language).first()
        if template is None:
            template = Template.objects.create(key=cleaned["key"], language=language, category=category,
                                               body=cleaned["body"], updated_by=actor)
            created(actor, TEMPLATE_SAVED, template, FIELDS)
            return template
        with changing(actor, TEMPLATE_SAVED, template, FIELDS) as change:
            template = change.instance
            template.category, template.body, template.updated_by = category, cleaned["body"], actor
            template.save()
    return template


def delete_template(actor, template: Template) -> None:
    """Remove the unit's own text; the built-in default (if any) applies again."""
    access.require_admin(actor)
    with transaction.atomic():
        record(actor, TEMPLATE_DELETED, template, diff(snapshot(template, FIELDS), {}))
        template.delete()
