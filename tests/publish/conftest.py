"""Fixtures of the publishing tests: the demo cycle's report and every output, generated once per package.

Names start with ``pub_`` so they never shadow the project-wide fixtures of tests/conftest.py. The demo
warehouse is the session's `demo_db_template`, copied; the formula case edits its own copy with SQL.
"""
from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

import pytest

import warehouse
from kpi.publish.report_data import JST, build
from kpi.services.summaries import load_cycle

TITLE = "令和3年度 千葉県ICT利活用戦略 進捗状況について"
PUBLISHER = "千葉県総務部行政改革推進課"
GENERATED = datetime(2021, 12, 1, 9, 30, tzinfo=JST)
EDITION = 2

# value reasons a spreadsheet would run as formulas, by indicator code
FORMULA_REASONS = {
    "P1-1-04": '=HYPERLINK("http://x")',
    "P1-2-01": "+1",
    "P1-3-05": "-1",
    "P1-3-06": "@x",
}


def _copy(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(dst) + ".wal"))
    return dst


def _report(view, **kw):
    return build(view, title=TITLE, publisher=PUBLISHER, edition=EDITION, generated_at=GENERATED, **kw)


@pytest.fixture(scope="package")
def pub_view(demo_db_template, tmp_path_factory):
    """The demo FY2021 cycle, approved basis."""
    path = _copy(demo_db_template, tmp_path_factory.mktemp("pub") / "demo.duckdb")
    return load_cycle(2021, db=path)


@pytest.fixture(scope="package")
def pub_report(pub_view):
    """The report of the demo cycle, one section per pillar."""
    return _report(pub_view)


@pytest.fixture(scope="package")
def pub_seed_report(pub_view):
    """The report laid out as the seed: pillar 1, then pillars 2 and 3 together."""
    return _report(pub_view, sections=[[1], [2, 3]])


@pytest.fixture(scope="package")
def pub_formula_report(demo_db_template, tmp_path_factory):
    """The report of a copied warehouse where four approved reasons look like spreadsheet formulas."""
    path = _copy(demo_db_template, tmp_path_factory.mktemp("formula") / "demo.duckdb")
    with warehouse.connect(path) as con:
        for code, reason in FORMULA_REASONS.items():
            con.execute("UPDATE indicator_values SET reason = ? WHERE indicator_id = "
                        "(SELECT indicator_id FROM indicators WHERE code = ?)", [reason, code])
    return _report(load_cycle(2021, db=path))


@pytest.fixture(scope="package")
def pub_deck(pub_report):
    """The deck of the demo cycle, written and read back with python-pptx."""
    from pptx import Presentation

    from kpi.publish.deck import write_deck

    return Presentation(io.BytesIO(write_deck(pub_report)))


@pytest.fixture(scope="package")
def pub_seed_deck(pub_seed_report):
    """The seed-layout deck, read back."""
    from pptx import Presentation

    from kpi.publish.deck import write_deck

    return Presentation(io.BytesIO(write_deck(pub_seed_report)))
