"""The indicator-list importer (CSV and xlsx, kpi/io/indicator_import.py and its service) under fuzzed files:
read or refused with Japanese problems naming row and column; a refused import adds no indicator and no audit."""
from __future__ import annotations

import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

import warehouse
from kpi.domain.workflow import Role
from kpi.io.indicator_import import COLUMNS, read_indicator_file
from kpi.io.workbook import WorkbookRefused
from kpi.services.actors import Actor
from kpi.services.indicator_import import import_indicator_file
from tests.fuzz import tally
from tests.fuzz.texts import adversarial_utf8, is_japanese_sentence
from tests.fuzz.workbooks import damaged, workbooks

REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}), frozenset())

_cell = st.one_of(
    adversarial_utf8,
    st.sampled_from(["1 波及効果の高いプロジェクト", "1", "2", "①ICTを活用した庁内業務の効率化", "GYOKAKU", "人",
                     "710社 (2022年度)", "増加を目指す", "85%以上", "県・52市町村・13林業事業体", "-", "定性",
                     "=cmd|' /C calc'!A0", "<img src=x onerror=alert(1)>", "'; DROP TABLE indicators; --"]),
)


def _quote(text: str, sep: str) -> str:
    if any(ch in text for ch in (sep, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


@st.composite
def csv_files(draw) -> bytes:
    """A CSV as Excel or a text editor saves it: UTF-8 (with or without BOM) or Shift_JIS, comma or tab."""
    sep = draw(st.sampled_from([",", "\t", ";"]))
    header = list(COLUMNS)
    change = draw(st.sampled_from(["same", "drop", "extra", "shuffle", "none"]))
    if change == "drop":
        header.pop(draw(st.integers(0, len(header) - 1)))
    elif change == "extra":
        header.append(draw(_cell))
    elif change == "shuffle":
        header = draw(st.permutations(header))
    elif change == "none":
        header = []
    rows = draw(st.lists(st.lists(_cell, max_size=len(COLUMNS) + 2), max_size=6))
    text = "\r\n".join(sep.join(_quote(c, sep) for c in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _read(data: bytes, name: str, filename: str):
    try:
        rows = read_indicator_file(data, filename=filename)
    except WorkbookRefused as refused:
        tally.ran(name, refused=True)
        assert refused.problems
        for p in refused.problems:
            assert is_japanese_sentence(p.message), p
            assert p.row is None or p.row >= 1
        return refused.problems
    tally.ran(name)
    return rows


@tally.fuzz_settings(max_examples=150)
@given(data=csv_files(), filename=st.sampled_from(["list.csv", "list.xlsx", "list.txt", None]))
def test_random_csv_lists_are_read_or_refused_in_japanese(data, filename):
    _read(data, "indicator_import.csv", filename)


@tally.fuzz_settings(max_examples=30)
@given(data=damaged(workbooks()))
def test_random_xlsx_lists_are_read_or_refused_in_japanese(data):
    _read(data, "indicator_import.xlsx", "list.xlsx")


@pytest.fixture(scope="module")
def fuzz_db(demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz_indicators") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    return path


def _counts(db) -> tuple:
    with warehouse.connect(db) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("indicators", "pillars", "items", "audit_log", "indicator_parts"))


@tally.fuzz_settings(max_examples=12)
@given(data=csv_files())
def test_a_refused_indicator_list_adds_nothing(fuzz_db, data):
    before = _counts(fuzz_db)
    report = import_indicator_file(REVIEWER, data, filename="list.csv", strategy="chiba-ict", db=fuzz_db)
    for p in report.problems:
        assert is_japanese_sentence(p.message), p
    if report.status == "refused":
        tally.ran("indicator_import.service", refused=True)
        assert report.problems and _counts(fuzz_db) == before
    else:
        tally.ran("indicator_import.service")
        assert report.status == "imported" and _counts(fuzz_db)[0] == before[0] + report.imported


@pytest.mark.parametrize("row, col", [(1_048_575, 16_383), (1_048_575, 0), (3, 16_383)])
def test_a_far_away_cell_is_refused_before_the_excel_parser_allocates_the_range(row, col):
    """Found by the fuzzer: a 5 KB list with cells in A1 and XFD1048576 made calamine ask for 512 GB and abort the
    whole process (the app server with it)."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("指標一覧")
    for c, h in enumerate(COLUMNS):
        ws.write_string(0, c, h)
    ws.write_string(row, col, "遠く")
    wb.close()
    problems = _read(buf.getvalue(), "indicator_import.far_cell", "list.xlsx")
    assert "入力範囲が広すぎます" in problems[0].message
