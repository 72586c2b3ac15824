"""The hardship ledger (困难党员台账) print-out, in the columns units keep on paper: one line per open entry on
the report's last day, with the member's particulars, the situation, its review dates and the partner."""

from django.db.models import Max, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from care.programme.models import Pairing
from care.reports.services.builders.coverage import open_entries
from care.reports.services.content import DATE, NUMBER, Column, Report, Scope, Section, Table


def age_on(birth, day):
    if not birth:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def ledger_report(scope: Scope, months) -> Report:
    cutoff = scope.cutoff
    current = (Pairing.objects.filter(started_on__lte=cutoff, created_at__lte=scope.as_of)
               .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=cutoff)).select_related("partner"))
    entries = (open_entries(scope).select_related("member__node")
               .prefetch_related(Prefetch("member__pairings", queryset=current, to_attr="partners"))
               .annotate(last_review=Max("reviews__reviewed_on", filter=Q(reviews__reviewed_on__lte=cutoff)))
               .order_by("member__node__path", "member__name", "pk"))
    rows = []
    separator = pgettext("name separator", ", ")
    for number, entry in enumerate(entries, start=1):
        member = entry.member
        rows.append([number, member.name, member.get_sex_display(), age_on(member.birth_date, cutoff),
                     member.node.name, entry.get_category_display(), entry.get_level_display(), entry.reason,
                     entry.opened_on, entry.last_review, entry.review_due_on,
                     separator.join(p.partner.get_full_name() for p in member.partners), member.phone])
    table = Table("ledger", _("Hardship ledger"),
                  [Column(_("No."), NUMBER), Column(pgettext("person", "Name")), Column(_("Sex")),
                   Column(_("Age"), NUMBER),
                   Column(_("Organisation")), Column(_("Category")), Column(_("Level")), Column(_("Situation")),
                   Column(_("Recorded"), DATE), Column(_("Last review"), DATE), Column(_("Next review"), DATE),
                   Column(_("Partner")), Column(_("Phone"))], rows,
                  empty=_("Nobody is in the hardship ledger."))
    note = "" if scope.sensitive else _("Sensitive categories (illness, disability, emotional distress) are left "
                                        "out: the person who asked for this print-out may not see them.")
    return Report(_("Hardship ledger"), [Section(_("Entries open on %(day)s") % {"day": cutoff.isoformat()},
                                                 tables=[table], note=note)],
                  landscape=True, totals={"entries": len(rows)})
