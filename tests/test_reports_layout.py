"""How reports are laid out and how fast the PDF path is kept: the lean user-agent stylesheet renders exactly what
stock WeasyPrint renders, the font configuration is kept per thread, and the fund report's ledger fits its
landscape columns (no amount spills out of its cell) with headers and "第 N 页 / 共 M 页" on every page."""

import io
import threading

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.html import UA_STYLESHEET

from care.fund.services import ledger
from care.reports.models import ReportKind
from care.reports.services import render as rendering
from care.reports.services.runs import request_report
from carehub import pdf

from .fund_data import make_books
from .test_reports_pdf import document

pytestmark = pytest.mark.django_db


def contents(data: bytes) -> list[bytes]:
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages]


def test_lean_user_agent_stylesheet_draws_exactly_what_stock_weasyprint_draws():
    rows = "".join(f"<tr><td>张三{i}</td><td class='num'>{i}</td></tr>" for i in range(60))
    body = (f"<ul><li>一</li><li>two</li></ul><ol><li>三</li></ol><p>引用 <q>quoted</q><br>next line</p>"
            f"<table><thead><tr><th>姓名</th><th class='num'>金额</th></tr></thead><tbody>{rows}</tbody></table>")
    html = document(body)
    stock = HTML(string=html, base_url=pdf.INTERNAL_ORIGIN + "/", url_fetcher=pdf.StaticOnlyFetcher()).write_pdf()
    assert contents(pdf.render_pdf(html)) == contents(stock)


def test_lean_stylesheet_drops_only_the_bare_pseudo_element_rules():
    sheets = pdf.LeanHTML(string="<p>x</p>")._ua_stylesheets()
    assert sheets[0] is pdf.lean_user_agent_stylesheet()  # WeasyPrint still asks this hook for its UA sheet
    def bare_pseudo_elements(sheet):  # matcher entries: (test, specificity, order, pseudo-element, payload)
        return {entry[3] for entry in sheet.matcher.other_selectors if entry[3]}

    assert bare_pseudo_elements(UA_STYLESHEET) >= {"marker", "footnote-call", "footnote-marker"}
    assert bare_pseudo_elements(pdf.lean_user_agent_stylesheet()) == set()
    assert pdf.lean_user_agent_stylesheet().matcher.lower_local_name_selectors["li"]  # li::marker kept
    assert len(pdf.LeanHTML(string="<p>x</p>")._ua_stylesheets(forms=True)) == 2  # form sheet untouched


def test_font_configuration_is_kept_per_thread():
    mine = pdf.font_configuration()
    assert pdf.font_configuration() is mine
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf.font_configuration()))
    thread.start()
    thread.join()
    assert other[0] is not mine


def cells_of(table: boxes.TableBox):
    for group in table.children:
        for row in group.children:
            yield from row.children


def text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from text_boxes(child)


def tables_with_header(box, header: str):
    if isinstance(box, boxes.TableBox) and any(text.text == header for text in text_boxes(box.children[0])):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from tables_with_header(child, header)


def test_fund_ledger_fits_landscape_columns_with_headers_and_page_numbers_on_every_page(in_alpha, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        books = make_books(in_alpha, income="90000000.00")
        for index in range(70):
            ledger.post_entry(books.admin, books.east, kind="other_spending", amount="12345.67",
                              counterparty="区老干部局", reference=f"凭证{index + 1:05d}",
                              purpose=f"第{index + 1}笔 春节走访慰问困难党员及其家属的慰问金")
        run = request_report(books.admin, kind=ReportKind.FUND, node=in_alpha.nodes["east"], period="year",
                             year=timezone.localdate().year)
        html = rendering.html(run, rendering.build(run), timezone.now())
        laid_out = pdf.LeanHTML(string=html, base_url=pdf.INTERNAL_ORIGIN + "/",
                                url_fetcher=pdf.StaticOnlyFetcher()).render(font_config=pdf.font_configuration())
        data = laid_out.write_pdf()
    pages = laid_out.pages
    assert all(page.width > page.height for page in pages)  # A4 landscape
    ledger_pages = 0
    for page in pages:
        area = page._page_box
        for table in tables_with_header(area, "凭证号"):
            ledger_pages += 1
            assert table.position_x + table.width <= area.content_box_x() + area.width + 0.5  # within the page
            for cell in cells_of(table):
                for text in text_boxes(cell):
                    assert text.position_x + text.width <= cell.content_box_x() + cell.width + 0.5, text.text
                if cell.grid_x >= 4:  # amounts stay on one line
                    assert sum(isinstance(child, boxes.LineBox) for child in cell.children) <= 1
    assert ledger_pages >= 3
    reader = PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    total = len(texts)
    assert "¥90,000,000.00" in "".join(texts)
    with translation.override("zh-hans"):
        page_label = _("Page %(page)s of %(pages)s")
    for number, text in enumerate(texts, start=1):
        assert page_label % {"page": number, "pages": total} in text  # 第 N 页，共 M 页
    assert sum("凭证号" in text for text in texts) == ledger_pages  # the header repeats on each ledger page
