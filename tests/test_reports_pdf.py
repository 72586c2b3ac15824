"""The shared PDF adapter (carehub.pdf): static files only, no file:// or network; fails loudly without a CJK
font; Chinese text rendered as glyphs (found again by pypdf)."""

import io

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from pypdf import PdfReader

from carehub import pdf

BASE = {"title": "关爱基金收支报告", "unit_name": "甘井子区委", "generated_by": "王书记"}


def document(body: str = "") -> str:
    html = render_to_string("pdf/base.html", {**BASE, "generated_at": timezone.now()})
    return html.replace("</body>", f"{body}</body>")


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_chinese_text_and_page_numbers_are_rendered():
    rows = "".join(f"<tr><td>张三{i}</td><td>{i}</td></tr>" for i in range(120))
    with translation.override("en"):
        data = pdf.render_pdf(document(f"<table><thead><tr><th>姓名</th><th>金额</th></tr></thead>"
                                       f"<tbody>{rows}</tbody></table>"))
    text = text_of(data)
    assert "甘井子区委" in text and "关爱基金收支报告" in text and "张三119" in text
    pages = pdf.page_count(data)
    assert pages >= 3
    assert f"Page {pages} of {pages}" in text
    assert text.count("姓名") == pages - 1  # the table's header repeats on every page it spans (not the cover)
    assert "by 王书记" in text


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "http://example.com/x.css",
                                 "https://carehub.internal/static/../../../../etc/passwd",
                                 "https://carehub.internal/static/%2e%2e/%2e%2e/settings.py",
                                 "ftp://example.com/x"])
def test_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(pdf.ResourceRefused):
        pdf.StaticOnlyFetcher().fetch(url)


def test_fetcher_serves_our_static_files_and_data_uris():
    found = pdf.StaticOnlyFetcher().fetch("https://carehub.internal/static/carehub/app.css")
    assert b".tiles" in found.read()
    assert pdf.StaticOnlyFetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_a_template_cannot_pull_local_files_or_outside_urls_into_the_pdf():
    body = ('<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css"><object data="file:///etc/passwd"></object>'
            '<img src="/static/../../../etc/passwd">')
    data = pdf.render_pdf(document(body), base_url="file:///etc/")
    assert b"root:" not in data and b"/bin/" not in data
    assert "root:" not in text_of(data)
    reader = PdfReader(io.BytesIO(data))
    assert not reader.attachments


def test_no_cjk_font_fails_loudly(monkeypatch, tmp_path):
    """fontconfig with a configuration that knows no font directory finds no Chinese font."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      f"<cachedir>{tmp_path}</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    monkeypatch.setattr(pdf, "_font_checked", False)
    assert pdf.cjk_fonts() == []
    with pytest.raises(pdf.PdfError) as failure:
        pdf.render_pdf(document())
    assert not failure.value.retryable


def test_the_installed_font_is_the_one_the_layout_names():
    assert "WenQuanYi Zen Hei" in pdf.cjk_fonts()
    assert 'font-family: "WenQuanYi Zen Hei"' in document()
