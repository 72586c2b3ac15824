"""Greetings from the care programme into the outbox.

The programme materialises Greeting rows ahead of time (its horizon); on the day, `queue_due_greetings` turns
the pending SMS greetings due today into outbox rows and marks them sent ("handed to SMS") in ONE transaction,
so a greeting is either still pending or in the outbox, never both or neither. It runs in the daily run after
generation and again before each of beat's relay runs (notifications.tasks; cheap: one indexed query), so
greetings created during the day by a new rule go out the same day. Greetings more than STALE_AFTER_DAYS late
(the system was down) are cancelled: a Spring Festival greeting a week late does more harm than none.

Recipient and channel: the first step of the member's ladder of channels (notifications.services.ladder): an
SMS to their own phone, a call when they cannot read one, their proxy when they have no phone; the unit's ladder
for greetings says whether a greeting nobody confirmed climbs further. Shared phones: for a calendar occasion
(Double Ninth, Spring Festival) members sharing a phone get ONE message per occasion and channel addressed to all
of them (key "greeting:<template>:<date>:<phone>"); for a personal anniversary (birthday, political birthday)
each member gets their own (the occasion adds the member).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.programme.calendar import OCCASIONS_BY_KEY
from care.programme.models import Greeting, GreetingStatus, Trigger
from care.registers.models import MemberStatus
from carehub.audit.services import record_many
from carehub.clock import current_unit, unit_today, unit_zone
from notifications.actions import GREETING_CANCELLED, GREETING_QUEUED
from notifications.models import Category
from notifications.rendering import render
from notifications.services import ladder
from notifications.services.outbox import Row, queue_many, template_fields
from notifications.services.templates import resolved

STALE_AFTER_DAYS = 2
# Batches are ordered by recipient so that members sharing a phone are always in the same batch.
PHONE = Coalesce(NullIf("member__phone", Value("")), "member__proxy_phone")
BATCH = 5000  # greetings per transaction: a day of 14,000 Double Ninth greetings commits in a few steps


def _occasion(version) -> str:
    occasion = OCCASIONS_BY_KEY.get(version.occasion)
    return str(occasion.label) if occasion else version.name


def _years(greeting, anniversary_of: str) -> str:
    member = greeting.member
    since = member.joined_on if anniversary_of == "political_birthday" else member.birth_date
    return str(greeting.send_on.year - since.year) if since else ""


def _occasion_key(greeting) -> str:
    """The ladder's occasion: the greeting's template and day, and the member for a personal one (a birthday, a
    member who died or has no phone), whose message is theirs alone."""
    member = greeting.member
    personal = (greeting.version.trigger == Trigger.ANNIVERSARY or member.status == MemberStatus.DECEASED
                or not (member.phone or member.proxy_phone))
    return f"greeting:{greeting.template}:{greeting.send_on}" + (f":{member.pk}" if personal else "")


@dataclass
class _Group:
    """The greetings one message carries: to one phone, by one channel, for one occasion."""

    channel: str
    phone: str
    greetings: list = field(default_factory=list)


def _rows(greetings, unit, tz) -> tuple[list[Row], list[int], list[int], list[ladder.Start]]:
    """(outbox rows, greetings handed over, greetings cancelled, the members' ladders): each greeting goes by the
    first step of its member's ladder (notifications.services.ladder)."""
    groups: dict[str, _Group] = {}
    firsts, cancelled = [], []
    plans = ladder.plans(greeting.member_id for greeting in greetings)
    end = ladder.end_for(ladder.GREETINGS, Category.GREETING)
    for greeting in greetings:
        member = greeting.member
        steps = ladder.steps(member, plans.get(member.pk, ladder.Plan()), end)
        keys = ladder.first_keys(member, steps[0], _occasion_key(greeting))
        for key, channel, phone in keys.values():
            groups.setdefault(key, _Group(channel, phone)).greetings.append(greeting)
        if member.status == MemberStatus.DECEASED:
            cancelled.append(greeting.pk)
        else:
            firsts.append((greeting, steps, keys))
    rows, texts, sent = [], {}, {}
    separator = pgettext("name separator", ", ")
    for key, group in groups.items():
        first = group.greetings[0]
        context = {"member_name": separator.join(greeting.member.name for greeting in group.greetings),
                   "occasion": _occasion(first.version),
                   "date": formats.date_format(first.send_on, "MONTH_DAY_FORMAT"),
                   "years": _years(first, first.version.anniversary_of), "unit_name": unit.name, "visitor": ""}
        if first.template not in texts:
            texts[first.template] = resolved(first.template, unit.language)
        source, text = texts[first.template]
        due = datetime.datetime.combine(first.send_on, datetime.time(), tzinfo=tz)
        rows.append(Row(key=key, category=Category.GREETING, to=group.phone, body=render(text, context),
                        member_id=first.member_id, due_at=due, channel=group.channel,
                        **template_fields(source, unit.language, text, context)))
        sent[key] = rows[-1]
    starts = [ladder.Start(member=greeting.member, occasion=_occasion_key(greeting), purpose=ladder.GREETINGS,
                           category=Category.GREETING, steps=steps,
                           keys={kind: key for kind, (key, _channel, _phone) in keys.items()},
                           **_text_of(sent[next(iter(keys.values()))[0]]))
              for greeting, steps, keys in firsts]
    handed = [greeting.pk for group in groups.values() for greeting in group.greetings
              if greeting.pk not in cancelled]
    return rows, list(dict.fromkeys(handed)), cancelled, starts


def _text_of(row: Row) -> dict:
    return {"body": row.body, "template": row.template, "language": row.language, "variables": row.variables}


def queue_due_greetings(actor, today: datetime.date | None = None, *, now=None) -> int:
    """Queue today's pending SMS greetings; returns how many greetings were handed to the outbox."""
    today = today or unit_today()
    now = now or timezone.now()
    unit, tz = current_unit(), unit_zone()
    due = Greeting.objects.filter(status=GreetingStatus.PENDING, via_sms=True, send_on__lte=today)
    handed_total = 0
    with translation.override(unit.language):
        stale = due.filter(send_on__lt=today - datetime.timedelta(days=STALE_AFTER_DAYS))
        with transaction.atomic():
            _set_status(actor, list(stale.select_for_update().values_list("pk", flat=True)),
                        GreetingStatus.CANCELLED)
        while True:
            with transaction.atomic():
                batch = list(due.select_for_update(of=("self",), skip_locked=True)
                             .select_related("member", "version").order_by("send_on", "template", PHONE, "pk")[:BATCH])
                if not batch:
                    return handed_total
                rows, handed, cancelled, starts = _rows(batch, unit, tz)
                queue_many(actor, rows, now=now)
                ladder.begin(starts)
                _set_status(actor, handed, GreetingStatus.SENT)
                _set_status(actor, cancelled, GreetingStatus.CANCELLED)
                handed_total += len(handed)


def _set_status(actor, pks: list[int], status: str) -> None:
    if not pks:
        return
    Greeting.objects.filter(pk__in=pks).update(status=status)
    record_many(actor, GREETING_QUEUED if status == GreetingStatus.SENT else GREETING_CANCELLED, "greeting", [
        (pks[0], _("%(count)d greetings") % {"count": len(pks)},
         {"status": ["pending", status], "greetings": [None, len(pks)]})])
