"""The ladder of channels: a member's message climbs SMS -> voice call -> proxy -> a task to reach them in person,
until someone confirms it, as far as the unit lets that purpose climb.

Who is tried how comes from the member's contact plan (models.ContactPlan) and phones: `steps` lists the steps
of their ladder, each a set of rungs tried together (SMS and a call at once for a member who prefers both). A
member who cannot read SMS starts with a call; one without a phone of their own starts with their proxy; the
unit's LadderSetting for the purpose says where the ladder ends (a greeting stops after the first channel, a
visit notice climbs to the task).

`begin` records a Reach per member and occasion next to the first messages, in the caller's transaction (the
greetings' hand-over, a notice). `climb` runs in the workers (notifications.tasks, each beat and whenever a
message settles: leases.wake_soon): it settles the open rungs whose message reached an end, and moves each ladder whose
step is over on to its next step, or ends it. Messages keep their keys per occasion and phone, so a phone
shared by several members gets one SMS and one call per occasion, whatever the number of ladders that reach it;
every rung goes through the outbox and so through its opt-outs (per channel), windows and daily caps.

A rung is confirmed when the carrier delivered the SMS or a person answered the call (a key pressed, or the
text heard to the end); it failed when the message came to any other end, including an SMS whose delivery the
carrier never confirmed. A ladder stops for a member who died.
"""

import dataclasses

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from care.registers.models import Member, MemberStatus
from carehub.audit.services import record_many
from carehub.phones import shown_phone
from notifications.actions import LADDER_CLIMBED, LADDER_ENDED
from notifications.models import (
    Category,
    Channel,
    ContactPlan,
    LadderEnd,
    LadderSetting,
    Message,
    Preferred,
    Reach,
    ReachStatus,
    Rung,
    RungKind,
    Status,
)
from notifications.purposes import LADDER_PURPOSES, ladder_purpose_name
from notifications.services.followups import reach_in_person
from notifications.services.outbox import Row, queue_many
from notifications.services.templates import name_of

# Where each kind of message stops when the unit has not said.
DEFAULT_END = {Category.GREETING: LadderEnd.FIRST, Category.NOTICE: LadderEnd.TASK}
GREETINGS, TYPED_NOTICE = "greetings", "notices"  # purposes besides the notice templates' keys
CONFIRMED = {Status.DELIVERED, Status.HEARD}  # a voice row is delivered when a person answered it
ENDED = {Status.UNDELIVERED, Status.FAILED, Status.CANCELLED, Status.UNREACHED}
UNCONFIRMED = "unconfirmed"  # an SMS still "sent" when the carrier's report was given up on (error code)
BATCH = 2000  # ladders moved per transaction


@dataclasses.dataclass(frozen=True)
class Plan:
    preferred: str = Preferred.SMS
    reads_sms: bool = True


def plans(member_ids) -> dict[int, Plan]:
    """The contact plans of `member_ids` (members without one are missing: Plan())."""
    rows = ContactPlan.objects.filter(member_id__in=set(member_ids)).values_list("member_id", "preferred", "reads_sms")
    return {member_id: Plan(preferred, reads) for member_id, preferred, reads in rows}


def purpose_of(category: str, template_key: str = "") -> str:
    return GREETINGS if category == Category.GREETING else template_key or TYPED_NOTICE


def ends() -> dict[str, str]:
    return dict(LadderSetting.objects.values_list("purpose", "end"))


def end_for(purpose: str, category: str, set_ends: dict | None = None) -> str:
    """How far a message of `purpose` climbs (`set_ends`: the unit's settings, when the caller has them)."""
    set_ends = ends() if set_ends is None else set_ends
    return set_ends.get(purpose) or DEFAULT_END.get(category, LadderEnd.TASK)


def steps(member: Member, plan: Plan, end: str, *, voice_first: bool = False) -> list[list[str]]:
    """The steps of `member`'s ladder up to `end`. `voice_first`: the sender chose to call (a notice by voice)."""
    own = []
    if member.phone:
        reads = plan.reads_sms
        if voice_first or plan.preferred == Preferred.VOICE or not reads:
            own = [[RungKind.VOICE]] + ([[RungKind.SMS]] if reads else [])
        elif plan.preferred == Preferred.BOTH:
            own = [[RungKind.SMS, RungKind.VOICE]]
        else:
            own = [[RungKind.SMS], [RungKind.VOICE]]
    proxy = [[RungKind.PROXY]] if member.proxy_phone else []
    reachable = own + proxy or [[RungKind.SMS]]  # no phone at all: the SMS is written "not sent: no phone"
    if end == LadderEnd.FIRST:
        return reachable[:1]
    if end == LadderEnd.OWN:
        return own or reachable[:1]
    if end == LadderEnd.PROXY:
        return reachable
    return reachable + [[RungKind.TASK]]


def target(kind: str, member: Member) -> tuple[str, str]:
    """(channel, phone) of a rung for `member`."""
    if kind == RungKind.PROXY:
        return Channel.SMS, member.proxy_phone
    return (Channel.VOICE if kind == RungKind.VOICE else Channel.SMS), member.phone


def rung_key(kind: str, occasion: str, phone: str) -> str:
    """The outbox key of a rung: one SMS and one call per occasion and phone, whoever's ladder it is on."""
    prefix = "voice:" if kind == RungKind.VOICE else ""
    return f"{prefix}{occasion}:{phone or 'none'}"[:120]


@dataclasses.dataclass
class Start:
    """One member's ladder for one occasion, begun next to its first messages (their keys: `keys`)."""

    member: Member
    occasion: str
    purpose: str
    category: str
    steps: list
    keys: dict  # rung kind -> outbox key of the first step's message
    body: str
    template: str = ""
    language: str = ""
    variables: dict = dataclasses.field(default_factory=dict)
    notice_id: int | None = None
    step: int = 0  # where the ladder starts (a notice skips the steps whose channels all opted out)


def begin(starts: list[Start]) -> int:
    """Record the ladders of `starts` (inside the caller's transaction, after their first messages were queued);
    a member's ladder for an occasion begun before is left as it is. Returns the ladders begun."""
    unique = {(start.member.pk, start.occasion): start for start in starts}
    if not unique:
        return 0
    existing = set(Reach.objects.filter(member_id__in={pk for pk, _occasion in unique},
                                        occasion__in={occasion for _pk, occasion in unique})
                   .values_list("member_id", "occasion"))
    new = [start for pair, start in unique.items() if pair not in existing]
    reaches = Reach.objects.bulk_create([Reach(
        member=start.member, occasion=start.occasion, purpose=start.purpose, category=start.category,
        notice_id=start.notice_id, steps=start.steps, step=start.step, body=start.body, template=start.template,
        language=start.language, variables=start.variables) for start in new])
    keys = {key for start in new for key in start.keys.values()}
    ids = dict(Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "pk"))
    Rung.objects.bulk_create([Rung(reach=reach, step=start.step, kind=kind, message_id=ids.get(key))
                              for reach, start in zip(reaches, new, strict=True) for kind, key in start.keys.items()])
    return len(reaches)


# --- climbing ------------------------------------------------------------------------------------------------

def result_of(status: str, error_code: str) -> str:
    """What a rung's message came to, or "" while it is on its way."""
    if status in CONFIRMED or status in ENDED:
        return status
    return UNCONFIRMED if status == Status.SENT and error_code == UNCONFIRMED else ""


def settle_rungs(now) -> set[int]:
    """Record the result of each open rung whose message came to an end; returns their ladders."""
    open_rungs = (Rung.objects.filter(settled_at__isnull=True, reach__status=ReachStatus.CLIMBING)
                  .values_list("pk", "reach_id", "message__status", "message__error_code"))
    by_result: dict[str, list[int]] = {}
    reaches = set()
    for pk, reach_id, status, error_code in open_rungs:
        result = result_of(status, error_code) if status else Status.CANCELLED  # its message is gone
        if result:
            by_result.setdefault(result, []).append(pk)
            reaches.add(reach_id)
    for result, pks in by_result.items():
        Rung.objects.filter(pk__in=pks, settled_at__isnull=True).update(result=result, settled_at=now)
    return reaches


def climb(now=None) -> int:
    """Move on every ladder whose current step is over. Returns the ladders moved."""
    now = now or timezone.now()
    with transaction.atomic():
        ready = settle_rungs(now)
    moved = 0
    ready = sorted(ready)
    for start in range(0, len(ready), BATCH):
        with transaction.atomic():
            reaches = list(Reach.objects.select_for_update(skip_locked=True)
                           .filter(pk__in=ready[start:start + BATCH], status=ReachStatus.CLIMBING)
                           .select_related("member").prefetch_related("rungs__message").order_by("pk"))
            moved += _move_on(reaches, now)
    return moved


def _move_on(reaches: list[Reach], now) -> int:
    """Each ladder of `reaches` (locked) whose step is over: confirmed, stopped, or on to its next step."""
    climbing, ended = [], {}
    for reach in reaches:
        current = [rung for rung in reach.rungs.all() if rung.step == reach.step]
        results = {rung.result for rung in current}
        if results & CONFIRMED:
            ended.setdefault(ReachStatus.REACHED, []).append(reach.pk)
        elif "" in results:
            continue  # the other rung of the step is still on its way
        elif reach.member.status == MemberStatus.DECEASED:
            ended.setdefault(ReachStatus.STOPPED, []).append(reach.pk)
        elif reach.step + 1 >= len(reach.steps):
            ended.setdefault(ReachStatus.ENDED, []).append(reach.pk)
        else:
            reach.step += 1
            climbing.append(reach)
    # A statement per outcome, not bulk_update's CASE per row: a Double Ninth settles some 14,000 ladders.
    for status, pks in ended.items():
        Reach.objects.filter(pk__in=pks).update(status=status, ended_at=now)
    Reach.objects.filter(pk__in=[reach.pk for reach in climbing]).update(step=F("step") + 1)
    handed = _next_rungs(climbing, now)
    Reach.objects.bulk_update(handed, ["status", "ended_at", "task"])
    count = sum(len(pks) for pks in ended.values())
    if count:
        first = next(iter(ended.values()))[0]
        record_many(None, LADDER_ENDED, "reach", [(first, _("%(count)d ladders") % {"count": count},
                                                   {"ladders": [None, count]})])
    return count + len(climbing)


def _next_rungs(reaches: list[Reach], now) -> list[Reach]:
    """Queue the messages of each ladder's new step (one per occasion and phone), or hand it to staff; returns
    the ladders handed to staff (a task each)."""
    rows, rungs, keyed, handed = {}, [], [], []
    for reach in reaches:
        for kind in reach.steps[reach.step]:
            if kind == RungKind.TASK:
                reach.task = reach_in_person(reach.member, what_was_tried(reach))
                reach.status, reach.ended_at = ReachStatus.TASK, now
                handed.append(reach)
                rungs.append(Rung(reach=reach, step=reach.step, kind=kind, result=ReachStatus.TASK, settled_at=now))
                continue
            channel, phone = target(kind, reach.member)
            key = rung_key(kind, reach.occasion, phone)
            template = {"template": reach.template, "language": reach.language, "variables": reach.variables} \
                if channel == Channel.SMS and reach.template else {}
            rows.setdefault(key, Row(key=key, category=reach.category, to=phone, body=reach.body,
                                     member_id=reach.member_id, notice_id=reach.notice_id, channel=channel,
                                     **template))
            rungs.append(Rung(reach=reach, step=reach.step, kind=kind))
            keyed.append((rungs[-1], key))
    if rows:
        queue_many(None, list(rows.values()), now=now)
        ids = dict(Message.objects.filter(idempotency_key__in=rows).values_list("idempotency_key", "pk"))
        for rung, key in keyed:
            rung.message_id = ids.get(key)
    Rung.objects.bulk_create(rungs)
    if reaches:
        record_many(None, LADDER_CLIMBED, "reach", [(reaches[0].pk, _("%(count)d ladders") % {"count": len(reaches)},
                                                     {"ladders": [None, len(reaches)]})])
    return handed


def what_was_tried(reach: Reach) -> str:
    """The task's reason: the purpose, then each rung tried with its phone and result (at most 200 characters)."""
    parts = []
    for rung in reach.rungs.all():
        if rung.kind == RungKind.TASK:
            continue
        message = rung.message
        phone = shown_phone(message.to) if message and message.to else _("no phone")
        parts.append(_("%(rung)s %(phone)s: %(result)s") % {
            "rung": RungKind(rung.kind).label, "phone": phone, "result": result_words(rung.result)})
    purpose = ladder_purpose_name(reach.purpose) if reach.purpose in LADDER_PURPOSES else name_of(reach.purpose)
    text = _("%(purpose)s not confirmed. Tried: %(tried)s. Reach the member in person.") % {
        "purpose": purpose, "tried": "; ".join(parts)}
    return text[:200]


def result_words(result: str) -> str:
    if result == UNCONFIRMED:
        return _("never confirmed")
    if result in ReachStatus.values:
        return str(ReachStatus(result).label)
    return str(Status(result).label) if result in Status.values else _("on its way")




def first_keys(member: Member, first_step: list[str], occasion: str) -> dict[str, tuple[str, str, str]]:
    """kind -> (outbox key, channel, phone) of the first step's messages for `member`."""
    result = {}
    for kind in first_step:
        channel, phone = target(kind, member)
        result[kind] = (rung_key(kind, occasion, phone), channel, phone)
    return result

