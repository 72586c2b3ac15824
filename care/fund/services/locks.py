"""The one lock every posting takes: the rows of the funds it touches, FOR UPDATE, in id order.

Everything that reads a balance to decide (overdraft, the running balance, a period being closed) does so
while holding it, so two concurrent payments against one balance cannot both see the money that only one of
them may spend. Locking several funds in a fixed order (transfers, shared payments) cannot deadlock.
"""

from care.fund.models import Fund


def lock(*funds: Fund) -> dict[int, Fund]:
    """Lock the funds' rows for the rest of the transaction; returns them fresh, by id."""
    ids = sorted({fund.pk for fund in funds})
    rows = Fund.objects.select_for_update(of=("self",)).select_related("node").filter(pk__in=ids).order_by("pk")
    return {fund.pk: fund for fund in rows}
