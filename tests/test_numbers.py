"""Numbers people can trust: counts on whole-number ticks, no percentage of nobody, amounts in one piece."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from care.programme.services.coverage import Share
from care.reports.services.charts import axis_top, bar_chart, line_chart
from tests.conftest import logged_in

TICK = re.compile(r'text-anchor="end"[^>]*>([^<]+)</text>')


@pytest.mark.parametrize(("values", "top"), [([0, 0, 0], 4), ([0, 1, 2], 4), ([3, 5], 8), ([13], 20), ([49, 50], 80),
                                             ([1_234], 2_000)])
def test_count_axes_step_in_whole_numbers(values, top):
    assert axis_top(values) == top and top % 4 == 0


@pytest.mark.parametrize("chart", [bar_chart, line_chart])
def test_count_charts_never_label_a_tick_with_a_fraction(chart):
    svg = chart(["一月", "二月", "三月"], [0, 1, 2], title="走访")
    ticks = TICK.findall(svg)
    assert ticks == ["0", "1", "2", "3", "4"]


def test_amount_axes_keep_their_cents():
    assert axis_top([Decimal("0"), Decimal("1.80")]) == 2.0
    assert "0.50" in "".join(TICK.findall(bar_chart(["a"], [Decimal("1.80")])))


def test_a_share_of_nobody_has_no_percentage():
    assert Share(done=0, total=0).percent is None
    assert Share(done=1, total=3).percent == 33 and Share(done=2, total=2).percent == 100


def test_the_home_page_shows_a_dash_not_100_percent_of_nobody(alpha):
    """Alpha's members have no hardship entry: "hardship members visited" is a share of nobody."""
    page = logged_in(alpha).get("/").content.decode()
    tile = re.search(r'id="tile-hardship-visits">.*?<div class="figure">(.*?)</div>\s*<small>(.*?)</small>', page, re.S)
    assert tile.groups() == ("—", "本年已走访 0 人 / 共 0 人")


def test_amounts_on_a_page_do_not_break_across_lines():
    html = Template("{% load money %}{{ amount|money }} {{ amount|money_abs:'USD' }}").render(
        Context({"amount": Decimal("-120025.00")}))
    assert html == '<span class="money">-¥120,025.00</span> <span class="money">USD 120,025.00</span>'
