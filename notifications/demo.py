"""Contact plans of the demo units (`carehub demo`): about one member in ten with a phone cannot read an SMS and
is called instead, and a few prefer an SMS and a call at once, so that the member pages and the outbox show
ladders of channels (notifications.services.ladder) once greetings and notices go out.

Who gets which plan is drawn from a hash of the unit and the member, so running the demo again, or topping a
register up, never changes anybody's plan; a member who has a plan (one a user set) is left alone. One
bulk insert per unit.
"""

import zlib
from collections import Counter

from care.registers.models import Member, MemberStatus
from notifications.models import ContactPlan, Preferred

# Per hundred members with a phone of their own: cannot read an SMS (a call first), SMS and a call together.
UNREADABLE, BOTH = 10, 2


def _draw(slug: str, member_id: int) -> int:
    return zlib.crc32(f"carehub-demo:{slug}:contact-plan:{member_id}".encode()) % 100


def plan_for(slug: str, member_id: int) -> ContactPlan | None:
    """The demo's plan for a member with a phone, or None (SMS, the default without a plan)."""
    draw = _draw(slug, member_id)
    if draw < UNREADABLE:
        return ContactPlan(member_id=member_id, preferred=Preferred.VOICE, reads_sms=False)
    if draw < UNREADABLE + BOTH:
        return ContactPlan(member_id=member_id, preferred=Preferred.BOTH, reads_sms=True)
    return None


def ensure_contact_plans(slug: str) -> int:
    """Give the unit's members their demo plans (in the current schema); returns how many were created."""
    planned = set(ContactPlan.objects.values_list("member_id", flat=True))
    members = (Member.objects.exclude(phone="").exclude(status=MemberStatus.DECEASED)
               .values_list("pk", flat=True).order_by("pk"))
    plans = [plan for pk in members if pk not in planned and (plan := plan_for(slug, pk)) is not None]
    ContactPlan.objects.bulk_create(plans, batch_size=2000)
    return len(plans)


def describe() -> str:
    plans = Counter(ContactPlan.objects.values_list("preferred", "reads_sms"))
    unreadable = sum(count for (_preferred, reads), count in plans.items() if not reads)
    both = plans[Preferred.BOTH, True]
    return f"contact plans: {unreadable} cannot read an SMS (called instead), {both} SMS and a call"
