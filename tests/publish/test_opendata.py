"""Open data: CSV with BOM that round-trips, JSON with numbers, summary, and metadata for every column."""
from __future__ import annotations

import io
import json

import polars as pl
import pytest

from kpi.domain.bands import BAND_ORDER
from kpi.io.export import neutralize
from kpi.publish.opendata import indicator_records, write_open_data

from .conftest import FORMULA_REASONS


@pytest.fixture(scope="module")
def files(pub_report) -> dict[str, bytes]:
    return write_open_data(pub_report)


def _csv_as_text(value) -> str | None:
    return None if value is None else str(neutralize(value))


def test_open_data_has_the_four_files(files):
    assert set(files) == {"indicators.csv", "indicators.json", "summary.csv", "metadata.json"}


def test_csv_is_utf8_with_bom_and_round_trips_through_polars(files, pub_report):
    raw = files["indicators.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pl.read_csv(io.BytesIO(raw), infer_schema=False)
    records = indicator_records(pub_report)
    assert df.columns == list(records[0])  # the BOM is not glued to the first name
    assert df.height == 68
    expected = [{k: _csv_as_text(v) for k, v in r.items()} for r in records]
    assert df.to_dicts() == expected


def test_json_has_the_same_records_with_numbers_as_numbers(files, pub_report):
    records = json.loads(files["indicators.json"].decode("utf-8"))
    assert records == json.loads(json.dumps(indicator_records(pub_report), ensure_ascii=False))
    rpa = next(r for r in records if r["code"] == "P1-1-04")
    assert rpa["target_value"] == 6000 and rpa["value"] == 5445 and rpa["rate_percent"] == 90.7
    assert rpa["band"] == "band_60_100" and rpa["reason_category"] == "other"
    stopped = next(r for r in records if r["code"] == "P1-1-05")
    assert stopped["progress_stopped"] is True and stopped["value"] is None and stopped["stop_reason"]


def test_summary_csv_equals_the_summary(files, pub_report):
    df = pl.read_csv(io.BytesIO(files["summary.csv"]))
    first = df.row(0, named=True)
    assert first["scope"] == "全体" and first["total"] == 68
    for b in BAND_ORDER:
        assert first[f"count_{b.value}"] == pub_report.overall.counts[b]
        assert first[f"percent_{b.value}"] == pytest.approx(float(pub_report.overall.percent[b]))
    assert df["scope"].to_list()[1:] == [p.label for p in pub_report.pillars]


def test_metadata_has_licence_cycle_edition_time_and_every_column(files):
    meta = json.loads(files["metadata.json"])
    assert meta["license"]["name"] == "CC BY 4.0"
    assert meta["license"]["url"].startswith("https://creativecommons.org/licenses/by/4.0/")
    assert meta["publisher"] == "千葉県総務部行政改革推進課"
    assert meta["title"] == "令和3年度 千葉県ICT利活用戦略 進捗状況について"
    assert (meta["cycle"], meta["fiscal_year"], meta["edition"]) == ("令和3年度", 2021, 2)
    assert meta["generated_at"] == "2021-12-01T09:30:00+09:00"
    for name in ("indicators.csv", "summary.csv"):
        header = pl.read_csv(io.BytesIO(files[name]), n_rows=0).columns
        cols = meta["files"][name]["columns"]
        assert [c["name"] for c in cols] == header
        assert all(c["title_ja"] and c["title_en"] and c["type"] for c in cols)


def test_formula_like_reasons_are_neutralized_in_csv_and_kept_in_json(pub_formula_report):
    files = write_open_data(pub_formula_report)
    df = pl.read_csv(io.BytesIO(files["indicators.csv"]), infer_schema=False)
    records = {r["code"]: r for r in json.loads(files["indicators.json"])}
    for code, reason in FORMULA_REASONS.items():
        kept = reason == "-1"  # plain arithmetic after "-" is harmless and stays as typed (issue 21)
        assert df.filter(pl.col("code") == code)["reason"].item() == (reason if kept else "'" + reason)
        assert records[code]["reason"] == reason
    assert b'\r\n=HYPERLINK' not in files["indicators.csv"] and b',=HYPERLINK' not in files["indicators.csv"]
