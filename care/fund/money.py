"""Amounts of money: `Decimal` with exactly two places, never `float`, and a currency.

Parsing refuses more than two decimal places rather than rounding them away, so what a treasurer types is what
the ledger holds. The only rounding in the whole fund is `allocate`, which splits a payment between funds.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
DEFAULT_CURRENCY = "CNY"
MAX_DIGITS = 14  # DecimalField(max_digits=14, decimal_places=2): up to 999,999,999,999.99
LIMIT = Decimal(10) ** (MAX_DIGITS - 2)
SYMBOLS = {"CNY": "¥"}
TYPED = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")  # an amount as people type it (thousands separators removed)


def parse_amount(value, field: str = "amount", *, positive: bool = True) -> Decimal:
    """`value` (text, int or Decimal) as a Decimal with two places; ValidationError keyed by `field`.

    Floats are refused outright: 0.1 + 0.2 is not 0.3 in binary, and no amount of rounding later hides that.
    """
    if isinstance(value, float):
        raise TypeError("Amounts of money are never floats; pass a str or a Decimal.")
    text = format(value, "f") if isinstance(value, Decimal) else str(value if value is not None else "")
    text = text.strip().replace(",", "").replace("，", "")
    if not TYPED.fullmatch(text):  # Decimal() would also take "1e3", "NaN" and "Infinity"
        raise ValidationError({field: _("“%(value)s” is not an amount.") % {"value": value}})
    amount = Decimal(text)
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise ValidationError({field: _("Amounts have at most two decimal places (fen).")})
    if abs(amount) >= LIMIT:
        raise ValidationError({field: _("The amount is too large.")})
    if positive and amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    return amount.quantize(CENT)


def allocate(total: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` by `percents` (which add up to 100) into amounts that add up to `total` exactly.

    Rounding rule (largest remainder): every share is first cut down to whole fen (towards zero); the fen left
    over then go one each to the shares that lost the most in the cut; on equal losses, to the share listed
    first. So 100.01 split 30/70 is 30.00 + 70.01, and 0.01 split 50/50 is 0.01 + 0.00.
    """
    if sum(percents) != 100:
        raise ValueError(f"shares must add up to 100, not {sum(percents)}")
    cents = int(total / CENT)
    sign, cents = (-1 if cents < 0 else 1), abs(cents)
    exact = [Decimal(cents) * Decimal(percent) / 100 for percent in percents]
    shares = [int(value) for value in exact]
    losses = sorted(range(len(exact)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in losses[: cents - sum(shares)]:
        shares[index] += 1
    return [sign * share * CENT for share in shares]


@dataclass(frozen=True)
class Money:
    """An amount in a currency. Adding amounts of two currencies is a programming error, not a conversion."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal, not {type(self.amount).__name__}")
        if self.amount != self.amount.quantize(CENT):
            raise ValueError(f"{self.amount} has more than two decimal places")
        object.__setattr__(self, "amount", self.amount.quantize(CENT))

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise TypeError(f"cannot combine {self.currency} with {getattr(other, 'currency', other)!r}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __lt__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount < other.amount

    def allocate(self, percents: Sequence[Decimal]) -> list["Money"]:
        return [Money(share, self.currency) for share in allocate(self.amount, percents)]

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def format_amount(amount: Decimal | None, currency: str = DEFAULT_CURRENCY) -> str:
    """¥1,234.50 (or "USD 1,234.50"); a minus sign before the symbol."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    number = f"{abs(amount):,.2f}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency} {number}"
