"""One rate, one read (issue #18): the dashboard's figures (the functions its page calls: app.session.cycle_frame
and the drill-down list), `kpi summary --format json` (the real command) and the published workbook (made by the
real publish path, read back from its bytes) agree figure by figure — every group's counts, shares, unrated and
判定不能, and every indicator's band and rate — on the demo warehouse and on a small scale demo."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import polars as pl
import pytest

import warehouse
from app import session
from kpi.domain.bands import BAND_ORDER
from kpi.domain.workflow import Role
from kpi.publish.workbook_report import HEADER_ROW
from kpi.services import publishing, queries, summaries
from kpi.services.actors import Actor
from kpi.demo.scale import build_scale_demo

KPI = Path(sys.executable).parent / "kpi"
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))


def _dashboard(fy: int) -> tuple[dict, dict]:
    """Groups (key → figures) and indicators (code → band label, rate text, rate %) as the dashboard shows them."""
    view = session.cycle_frame(EXECUTIVE, fy)
    groups = {g.key: _group(g.as_dict()) for g in summaries.band_groups(view)}
    page = session.drilldown_page(EXECUTIVE, fy, "target", 0, view.frame.height)
    assert page["total"] == view.frame.height == len(page["rows"])
    rows = {r["code"]: (r["band_label"] or None, r["rate"], _floor(r["rate_percent"])) for r in page["rows"]}
    return groups, rows


def _group(g: dict) -> tuple:
    return (g["total"], tuple(g["counts"][b.value] for b in BAND_ORDER),
            tuple(round(float(g["percent"][b.value]), 1) for b in BAND_ORDER), g["unrated"], g["undecidable"])


def _floor(percent: float | None) -> Decimal | None:
    return None if percent is None else Decimal(str(percent)).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def _cli(fy: int, db: Path) -> dict:
    done = subprocess.run([str(KPI), "summary", "--cycle", str(fy), "--format", "json", "--db", str(db)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {g["key"]: _group(g) for g in json.loads(done.stdout)["groups"]}


def _workbook(fy: int, db: Path, interim: bool) -> tuple[dict, dict]:
    """Groups (by key) and indicators of the workbook a real publication stores, read back from its bytes (the
    environment has no openpyxl: Polars' own xlsx reader, independent of the xlsxwriter that wrote it)."""
    edition = publishing.publish(REVIEWER, fy, interim=interim, db=db)
    [book] = [content for name, content in edition.files.items() if name.endswith(".xlsx")]
    pillars = {f"{p['no']}.{p['name']}": f"pillar-{p['no']}" for p in summaries.load_frame(fy, db=db).pillars}
    groups = {}
    for rec in _sheet(book, "概要"):
        row = list(rec.values())
        key = "all" if row[0] == "全体" else pillars.get(row[0])
        if key is None:  # a section reporting several pillars together (no group of `kpi summary`)
            continue
        counts = tuple(int(row[2 + j]) for j in range(len(BAND_ORDER)))
        shares = tuple(round(float(row[7 + j]), 1) for j in range(len(BAND_ORDER)))
        groups[key] = (int(row[1]), counts, shares, int(row[12]), int(row[13]))
    rows = {}
    for rec in _sheet(book, "全指標"):
        band, rate = rec["達成区分"], rec["達成率（%）"]
        rows[rec["コード"]] = (None if band in ("未評価", "判定不能") else band, rec["達成率"],
                              None if rate is None else Decimal(str(rate)).quantize(Decimal("0.1")))
    return groups, rows


def _sheet(book: bytes, name: str) -> list[dict]:
    return pl.read_excel(io.BytesIO(book), sheet_name=name, read_options={"header_row": HEADER_ROW},
                         infer_schema_length=0).to_dicts()


def _agree(fy: int, db: Path, *, interim: bool) -> int:
    dash_groups, dash_rows = _dashboard(fy)
    cli_groups = _cli(fy, db)
    book_groups, book_rows = _workbook(fy, db, interim)
    assert set(dash_groups) == set(cli_groups) == set(book_groups)
    for key in dash_groups:
        assert dash_groups[key] == cli_groups[key] == book_groups[key], key
    assert set(dash_rows) == set(book_rows)
    for code, shown in dash_rows.items():
        assert shown[0] == book_rows[code][0], (code, shown, book_rows[code])  # band
        assert shown[2] == book_rows[code][2], (code, shown, book_rows[code])  # rate, as the workbook rounds it
        if shown[2] is not None:
            assert shown[1] == book_rows[code][1], (code, shown, book_rows[code])  # the displayed rate text
    return len(dash_rows)


@pytest.fixture
def fresh_caches():
    session.clear_caches()
    yield
    session.clear_caches()


def test_dashboard_cli_and_published_workbook_agree_on_the_demo(demo_db, fresh_caches):
    n = _agree(2021, demo_db, interim=False)
    assert n >= 68  # the seed's 計68指標 and more


def test_dashboard_cli_and_published_workbook_agree_on_a_scale_demo(tmp_path, monkeypatch, fresh_caches):
    path = tmp_path / "scale.duckdb"
    build_scale_demo(path, orgs=12, indicators=10, cycles=2, seed=11)
    monkeypatch.setenv("KPI_DB", str(path))
    with warehouse.connect(path) as con:
        [(fy, state)] = con.execute("SELECT fiscal_year, state FROM cycles ORDER BY fiscal_year LIMIT 1").fetchall()
    n = _agree(fy, path, interim=state not in ("closed", "finalized"))
    assert n >= 100
