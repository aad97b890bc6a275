"""The report workbook, read back with Polars: counts equal the summary; formula-like reasons stay text."""
from __future__ import annotations

import io
import re
import zipfile

import polars as pl
import pytest

from kpi.domain.bands import BAND_ORDER
from kpi.publish.workbook_report import HEADER_ROW, INDICATOR_COLUMNS, write_report_workbook

from .conftest import FORMULA_REASONS


@pytest.fixture(scope="module")
def xlsx(pub_report) -> bytes:
    return write_report_workbook(pub_report)


def _sheet(xlsx: bytes, name: str) -> pl.DataFrame:
    return pl.read_excel(io.BytesIO(xlsx), sheet_name=name, read_options={"header_row": HEADER_ROW})


def test_the_summary_sheet_counts_and_shares_equal_the_summary(xlsx, pub_report):
    df = _sheet(xlsx, "概要")
    scopes = [("全体", pub_report.overall)] + [(p.label, p.summary) for p in pub_report.pillars]
    assert df["範囲"].to_list() == [s for s, _ in scopes]
    for (label, s), row in zip(scopes, df.iter_rows(named=True)):
        assert row["指標数"] == s.total
        for b in BAND_ORDER:
            assert row[f"{b.label_ja}（件数）"] == s.counts[b]
            assert row[f"{b.label_ja}（割合%）"] == pytest.approx(float(s.percent[b]))
    first = df.row(0, named=True)
    assert first["100%（達成）（件数）"] == 50 and first["100%（達成）（割合%）"] == pytest.approx(73.5)


def test_every_indicator_with_every_figure_is_on_the_all_sheet(xlsx, pub_report):
    df = _sheet(xlsx, "全指標")
    assert df.columns == [c[0] for c in INDICATOR_COLUMNS]
    assert df.height == 68
    rpa = df.filter(pl.col("コード") == "P1-1-04").row(0, named=True)
    assert rpa["目標値"] == "6,000時間" and rpa["値"] == "5,445時間" and rpa["値（数値）"] == 5445
    assert rpa["達成率（%）"] == pytest.approx(90.7) and rpa["達成区分"] == "60%以上100%未満"
    assert rpa["要因区分"] == "その他の理由" and rpa["要因"].startswith("RPA導入の適性が")
    band_counts = df.group_by("達成区分").len()
    got = dict(zip(band_counts["達成区分"], band_counts["len"]))
    assert got == {b.label_ja: pub_report.overall.counts[b] for b in BAND_ORDER}


def test_each_pillar_has_its_own_sheet(xlsx, pub_report):
    for p in pub_report.pillars:
        df = _sheet(xlsx, p.label)
        assert df.height == p.summary.total
        assert set(df["柱"].to_list()) == {p.no}


def test_formula_like_reasons_stay_text(pub_formula_report):
    xlsx = write_report_workbook(pub_formula_report)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheets = [n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
        assert len(sheets) == 2 + 3
        for name in sheets:
            assert not re.search(rb"<f[ >]", z.read(name)), name
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "=HYPERLINK(&quot;http://x&quot;)" in strings or '=HYPERLINK("http://x")' in strings
    df = _sheet(xlsx, "全指標")
    for code, reason in FORMULA_REASONS.items():
        assert df.filter(pl.col("コード") == code)["要因"].item() == reason
