"""The PDF: a real document with pages and the embedded Japanese font; a clear error without one."""
from __future__ import annotations

import re

import pytest

from kpi.publish import pdf as pdf_module
from kpi.publish.pdf import PdfFontMissing, write_pdf


@pytest.fixture(scope="module")
def pdf_bytes(pub_seed_report) -> bytes:
    return write_pdf(pub_seed_report)


def test_the_pdf_is_a_pdf_with_pages(pdf_bytes, pub_seed_report):
    assert pdf_bytes.startswith(b"%PDF-")
    assert pdf_bytes.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf_bytes))
    assert pages >= 2 + len(pub_seed_report.sections)  # cover, overview, a page or more per section


def test_the_pdf_embeds_the_noto_cjk_font(pdf_bytes):
    assert b"NotoSansCJK" in pdf_bytes or b"Noto" in pdf_bytes
    assert re.search(rb"/FontFile[23]?", pdf_bytes)


def test_without_a_japanese_font_the_pdf_writer_says_so_in_japanese(monkeypatch, pub_seed_report):
    monkeypatch.setattr(pdf_module, "cjk_regular", lambda: None)
    with pytest.raises(PdfFontMissing, match="日本語フォント"):
        write_pdf(pub_seed_report)
