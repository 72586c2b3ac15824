"""Money: Decimal with two places, never float, and the rounding rule of cost sharing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from care.fund.money import Money, allocate, format_amount, parse_amount


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("raw,expected", [("12", "12.00"), ("0.1", "0.10"), (" 1,234.50 ", "1234.50"),
                                          (Decimal("7.5"), "7.50"), (3, "3.00"), (Decimal("1E+2"), "100.00")])
def test_amounts_parse_to_two_places(raw, expected):
    amount = parse_amount(raw)
    assert amount == Decimal(expected) and amount.as_tuple().exponent == -2


@pytest.mark.parametrize("raw,message", [("1.005", "at most two decimal places"), ("abc", "is not an amount"),
                                         ("NaN", "is not an amount"), ("Infinity", "is not an amount"),
                                         ("1e2", "is not an amount"), ("1 000", "is not an amount"),
                                         ("0", "more than zero"),
                                         ("-5", "more than zero"), ("1000000000000", "too large")])
def test_bad_amounts_are_refused_not_rounded(raw, message):
    with pytest.raises(ValidationError) as error:
        parse_amount(raw, "amount")
    assert message in str(error.value.message_dict["amount"])


def test_floats_are_refused():
    with pytest.raises(TypeError):
        parse_amount(0.1)
    with pytest.raises(TypeError):
        Money(0.1)  # type: ignore[arg-type]


def test_decimal_arithmetic_is_exact():
    # The classic float failure: 0.1 + 0.2 != 0.3, and ten payments of 0.10 are not 1.00.
    total = sum((Money(Decimal("0.10")) for _ in range(10)), Money(Decimal("0")))
    assert total == Money(Decimal("1.00"))
    assert Money(Decimal("0.1")) + Money(Decimal("0.2")) == Money(Decimal("0.3"))
    assert str(-Money(Decimal("1234.5"))) == "-¥1,234.50"
    with pytest.raises(TypeError):
        Money(Decimal("1"), "CNY") + Money(Decimal("1"), "USD")
    with pytest.raises(ValueError):
        Money(Decimal("1.234"))


@pytest.mark.parametrize("total,percents,shares", [
    ("100.00", ["30", "70"], ["30.00", "70.00"]),
    ("100.01", ["30", "70"], ["30.00", "70.01"]),  # 30.003 / 70.007: the cent goes to the larger loss
    ("0.01", ["50", "50"], ["0.01", "0.00"]),  # equal losses: the share listed first
    ("0.01", ["30", "70"], ["0.00", "0.01"]),
    ("10.00", ["33.33", "33.33", "33.34"], ["3.33", "3.33", "3.34"]),
    ("1.00", ["33.33", "33.33", "33.34"], ["0.33", "0.33", "0.34"]),
    ("0.02", ["33.33", "33.33", "33.34"], ["0.01", "0.00", "0.01"]),
    ("999.99", ["30", "70"], ["300.00", "699.99"]),  # 299.997 / 699.993
    ("-100.01", ["30", "70"], ["-30.00", "-70.01"]),
])
def test_allocation_adds_up_exactly_by_largest_remainder(total, percents, shares):
    result = allocate(Decimal(total), [Decimal(p) for p in percents])
    assert result == [Decimal(share) for share in shares]
    assert sum(result) == Decimal(total)


def test_allocation_of_every_cent_amount_adds_up():
    for cents in range(0, 1001):
        total = Decimal(cents) / 100
        parts = allocate(total, [Decimal("30"), Decimal("70")])
        assert sum(parts) == total and all(part.as_tuple().exponent == -2 for part in parts)
        assert abs(parts[0] - total * Decimal("0.3")) < Decimal("0.01")


def test_allocation_needs_shares_of_100():
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [Decimal("30"), Decimal("60")])


def test_formatting():
    assert format_amount(Decimal("600000")) == "¥600,000.00"
    assert format_amount(Decimal("5"), "USD") == "USD 5.00"
    assert format_amount(None) == "—"
