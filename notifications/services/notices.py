"""Notices: a text staff send to a filtered set of members (a branch meeting, a visit round).

Two steps, so nobody sends blind: `prepare` answers how many messages would go out and what they cost in
segments, after removing members who died or moved away, members without a phone and phones that opted out,
and collapsing members who share a phone into one message; `send_notice` does the same again inside its
transaction and refuses if the count is no longer the one the sender confirmed. Secretaries reach only members
of their subtree (the filter starts from what they may see), viewers nobody."""

import dataclasses
import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.services.limits import plan_of, reserved_sms_segments
from care.registers import access
from care.registers.filters import MemberFilter
from care.registers.models import MemberStatus
from carehub.audit.services import record
from carehub.clock import current_unit, unit_now, unit_today, unit_zone
from carehub.portal.common import forget_built_fields
from notifications import rendering, segments
from notifications.actions import NOTICE_SENT
from notifications.models import Category, Channel, Notice, RungKind
from notifications.segments import Count
from notifications.services import compliance, ladder
from notifications.services.config import get_settings, uses_aliyun
from notifications.services.hours import contains, member_windows, next_open
from notifications.services.outbox import VOICE_RESERVED_SEGMENTS, Row, queue_many, template_fields
from notifications.services.refusals import covers, current_opt_outs, reasons
from notifications.services.templates import template_text

GONE = (MemberStatus.DECEASED, MemberStatus.MOVED_OUT)


class NoticeFilter(MemberFilter):
    """The member list's filter (care.registers.filters), limited to the members and organisations `actor` may see."""

    def __init__(self, data, *, actor):
        super().__init__(data, queryset=access.visible_members(actor), request=SimpleNamespace(user=actor))
        forget_built_fields(self)
        self.filters["node"].queryset = access.visible_nodes(actor)


@dataclass
class Audience:
    members: int = 0  # members the filter matched
    recipients: int = 0  # messages that would go out: one per phone
    segments: int = 0  # their cost
    excluded: Counter = field(default_factory=Counter)  # why members get nothing: gone, no_phone, opted_out
    shared: int = 0  # members reached through a phone they share with another member of the notice
    sample: str = ""  # the first message as it will be sent
    count: Count | None = None  # the first message's encoding, length and segments
    rows: list = field(default_factory=list, repr=False)  # (phone, [members]) per message
    outlook: "Outlook | None" = None  # what sending them now costs and when they go out
    channel: str = Channel.SMS  # by voice: calls, each reserving a minute (VOICE_RESERVED_SEGMENTS) of the plan
    calls: int = 0  # messages that are calls (everyone's, by voice; else members who cannot read an SMS)
    steps: dict = field(default_factory=dict, repr=False)  # member id -> (their ladder's steps, the step to start)
    kinds: dict = field(default_factory=dict, repr=False)  # member id -> {rung kind: (channel, phone)} first tried


@dataclass
class Outlook:
    """Told before sending: the plan's SMS segments left this month and what the notice costs beyond them, and
    whether the messages wait for a sending window."""

    quota_left: int | None  # None: the unit has no plan, nothing is limited or charged
    beyond_quota: int = 0  # segments of this notice past the plan's included ones
    price_per_segment: Decimal = Decimal("0")
    overage_allowed: bool = True
    opens_at: datetime.datetime | None = None  # the unit's window is closed now: when it opens (local time)
    own_window_closed: int = 0  # recipients whose own sending window is closed now

    @property
    def extra_cost(self) -> Decimal:
        return self.beyond_quota * self.price_per_segment


def outlook(audience: Audience) -> Outlook:
    """The plan's quota left this month and the sending windows, at this moment, for `audience`."""
    unit, now = current_unit(), timezone.now()
    plan = plan_of(unit)
    if plan is None:
        result = Outlook(quota_left=None)
    else:
        left = max(plan.included_sms_segments - reserved_sms_segments(unit, unit_today()), 0)
        result = Outlook(quota_left=left, beyond_quota=max(audience.segments - left, 0),
                         price_per_segment=plan.overage_price_per_segment, overage_allowed=plan.sms_overage_allowed)
    sms, zone = get_settings(), unit_zone()
    if not contains((sms.send_from, sms.send_until), unit_now().time()):
        result.opens_at = next_open((sms.send_from, sms.send_until), now, zone).astimezone(zone)
    own = member_windows(member.pk for _phone, members, *_rest in audience.rows for member in members)
    result.own_window_closed = sum(1 for window in own.values() if not contains(window, unit_now().time()))
    return result


def _filtered(actor, filters: dict):
    filterset = NoticeFilter(filters or {}, actor=actor)
    # A mistyped filter must not widen the audience to everyone.
    unknown = {f"filters.{name}": [_("Unknown filter.")] for name in filters or {} if name not in filterset.filters}
    if unknown or not filterset.is_valid():
        invalid = {f"filters.{name}": messages for name, messages in filterset.errors.items()}
        raise ValidationError({**unknown, **invalid})
    return filterset.qs.select_related("node").order_by("pk")


def text_of(body: str, template_key: str = "") -> str:
    """The notice's text: the one typed (its variables by name, however they were written), else the unit's
    template `template_key`."""
    body = rendering.canonical((body or "").strip())
    if not body and template_key:
        body = template_text(template_key, current_unit().language)
    return body


def _check_body(body: str) -> None:
    if not body:
        raise ValidationError({"body": _("Write the text of the notice.")})
    if unknown := rendering.unknown_variables(body):
        raise ValidationError({"body": _("Unknown variables: %(names)s. Use only: %(known)s.") % {
            "names": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(variable["word"] for variable in rendering.words(rendering.MEMBER_VARIABLES))}})


def _template_of(body: str, template_key: str, language: str) -> str:
    """The template the notice's text is, unchanged ("" when it was typed or changed)."""
    return template_key if template_key and body == template_text(template_key, language) else ""


def _check_provider(body: str, template_key: str, language: str) -> None:
    """At Alibaba Cloud only an approved, compliant template goes, as it is: say so before anyone sends."""
    if not uses_aliyun():
        return
    template = _template_of(body, template_key, language)
    if reason := compliance.template_refusals({(template, language)}).get((template, language)):
        raise ValidationError({"body": reasons()[reason]})


def _names(members: list) -> str:
    return pgettext("name separator", ", ").join(member.name for member in members)


def _render(body: str, members: list, unit) -> str:
    return segments.normalise(rendering.render(body, {"member_name": _names(members), "unit_name": unit.name}))


def prepare(actor, *, filters: dict, body: str, template_key: str = "", channel: str = Channel.SMS) -> Audience:
    """Who would receive `body` (the text of the template `template_key`, or typed) and at what cost; nothing
    is saved. Each member is reached by the first step of their ladder of channels (notifications.services.
    ladder): an SMS, a call for a member who cannot read one, their proxy when they have no phone. By voice
    (`channel`), everyone is called first (Twilio, whatever the SMS provider), each call reserving a minute of the
    allowance."""
    access.require_write(actor)
    _check_body(body)
    by_voice = channel == Channel.VOICE
    unit, limit = current_unit(), get_settings().max_segments
    audience = Audience(channel=channel)
    members = list(_filtered(actor, filters))
    plans = ladder.plans(member.pk for member in members)
    end = ladder.end_for(ladder.purpose_of(Category.NOTICE, template_key), Category.NOTICE)
    opted_out = current_opt_outs(phone for member in members for phone in (member.phone, member.proxy_phone) if phone)
    by_target: dict[tuple[str, str], list] = {}
    for member in members:
        audience.members += 1
        steps = ladder.steps(member, plans.get(member.pk, ladder.Plan()), end, voice_first=by_voice)
        if member.status in GONE:
            audience.excluded["gone"] += 1
            continue
        step, targets = _first_open_step(member, steps, opted_out)
        if step is None:
            audience.excluded["opted_out" if targets else "no_phone"] += 1
            continue
        audience.steps[member.pk] = (steps, step)
        for kind, target_channel, phone in targets:
            by_target.setdefault((target_channel, phone), []).append(member)
            audience.kinds.setdefault(member.pk, {})[kind] = (target_channel, phone)
    if any(target_channel == Channel.SMS for target_channel, _phone in by_target):
        _check_provider(body, template_key, unit.language)
    with translation.override(unit.language):
        for (target_channel, phone), group in by_target.items():
            text = _render(body, group, unit)
            count = segments.count(text)
            if target_channel == Channel.VOICE:
                count = dataclasses.replace(count, segments=VOICE_RESERVED_SEGMENTS)
                audience.calls += 1
            elif count.segments > limit:
                raise ValidationError({"body": _(
                    "The message to %(names)s needs %(segments)d SMS segments; the unit allows at most "
                    "%(limit)d. Shorten the text.") % {"names": _render("{member_name}", group, unit),
                                                       "segments": count.segments, "limit": limit}})
            audience.rows.append((phone, group, text, count.segments, target_channel))
            audience.recipients += 1
            audience.segments += count.segments
            audience.shared += len(group) if len(group) > 1 else 0
            if audience.count is None:
                audience.sample, audience.count = text, count
    audience.outlook = outlook(audience)
    return audience


def _first_open_step(member, steps: list, opted_out: dict) -> tuple[int | None, list]:
    """The first step of `member`'s ladder with a phone to try that has not opted out of its channel, and its
    targets ((kind, channel, phone) each): (None, targets found but all refused) when every step is refused,
    (None, []) when there is no phone at all. A task is not a message: it is left to the ladder."""
    refused = []
    for index, kinds in enumerate(steps):
        targets = [(kind, *ladder.target(kind, member)) for kind in kinds if kind != RungKind.TASK]
        targets = [(kind, channel, phone) for kind, channel, phone in targets if phone]
        allowed = [(kind, channel, phone) for kind, channel, phone in targets
                   if not (phone in opted_out and covers(*opted_out[phone], Category.NOTICE, channel))]
        if allowed:
            return index, allowed
        refused += targets
    return None, refused


def _start(member, audience: Audience, occasion: str, row: Row, notice: Notice, template_key: str):
    """The ladder of `member` for the notice, begun with the messages of its first step (once per member)."""
    kinds = audience.kinds.pop(member.pk, None)
    if kinds is None:
        return None
    keys = {kind: ladder.rung_key(kind, occasion, phone) for kind, (_channel, phone) in kinds.items()}
    steps, step = audience.steps[member.pk]
    return ladder.Start(member=member, occasion=occasion, purpose=ladder.purpose_of(Category.NOTICE, template_key),
                        category=Category.NOTICE, steps=steps, step=step, keys=keys, body=row.body,
                        template=row.template, language=row.language, variables=row.variables,
                        notice_id=notice.pk)


def send_notice(actor, *, filters: dict, body: str, expected: int, template_key: str = "",
                channel: str = Channel.SMS) -> Notice:
    """Queue the notice's messages (or calls, by voice), provided `expected` is still the number `prepare`
    announced."""
    with transaction.atomic():
        audience = prepare(actor, filters=filters, body=body, template_key=template_key, channel=channel)
        if not audience.recipients:
            raise ValidationError(_("Nobody would receive this notice."))
        if audience.recipients != expected:
            raise ValidationError({"expected": _(
                "The recipients changed since you checked: %(count)d messages now. Check again and confirm.")
                % {"count": audience.recipients}})
        notice = Notice.objects.create(channel=channel, template_key=template_key, body=body, filters=filters or {},
                                       recipients=audience.recipients, segments=audience.segments,
                                       created_by=actor)
        unit = current_unit()
        template = _template_of(body, template_key, unit.language)
        occasion = f"notice:{notice.pk}"
        rows, starts = {}, []
        with translation.override(unit.language):  # names joined as in the texts
            for phone, members, text, _segments, row_channel in audience.rows:
                fields = template_fields(template, unit.language, body, {
                    "member_name": _names(members), "unit_name": unit.name}) \
                    if template and row_channel == Channel.SMS else {}
                key = ladder.rung_key(RungKind.VOICE if row_channel == Channel.VOICE else RungKind.SMS, occasion, phone)
                rows[key] = Row(key=key, category=Category.NOTICE, to=phone, body=text, member_id=members[0].pk,
                                notice_id=notice.pk, channel=row_channel, **fields)
                for member in members:
                    starts.append(_start(member, audience, occasion, rows[key], notice, template_key))
        queue_many(actor, list(rows.values()))
        ladder.begin([start for start in starts if start is not None])
        record(actor, NOTICE_SENT, notice, {"recipients": [None, audience.recipients],
                                       "segments": [None, audience.segments], "filters": [None, filters or {}]})
    return notice
