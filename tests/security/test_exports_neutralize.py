"""Every export neutralizes formula-like cells: CSV cells a spreadsheet would run (=, +, -, @, tab, CR) get a
leading apostrophe; xlsx cells are always text, never formulas. Property tests over the writers, files read back."""
from __future__ import annotations

import ast
import csv
import dataclasses
import io
import re
import shutil
import zipfile
from pathlib import Path

import fastexcel
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.io.export import csv_bytes, xlsx_bytes
from kpi.io.workbook import TemplateRow, write_department_workbook
from kpi.publish.opendata import write_open_data
from kpi.publish.workbook_report import write_report_workbook
from tests.fuzz import tally
from tests.fuzz.texts import FORMULAS, HTML, SQL

ROOT = Path(__file__).resolve().parents[2]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

_xml_char = st.characters(codec="utf-8", exclude_categories=["Cs"]).filter(
    lambda ch: ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD or ord(ch) >= 0x10000)
text = st.one_of(st.sampled_from(FORMULAS + HTML + SQL),
                 st.builds(lambda a, b: a + b, st.sampled_from(list(DANGEROUS) + ["", "'", " "]), st.text(_xml_char, max_size=15)))


def _csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# What may follow a leading "-" in a cell left as typed: digits, arithmetic, spaces and text without a function
# call, a cell reference or a link (an oracle written apart from the writer's: a whitelist, not a blacklist).
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(")
_REF = re.compile(r"[A-Za-z]{1,3}[0-9]")


def _neutral(cell: str) -> bool:
    """Not read as a harmful formula: no =, +, @, tab or CR first; a leading "-" only before plain arithmetic
    or text (no function call, no cell reference, no |, !, " or $)."""
    if cell.startswith(("=", "+", "@", "\t", "\r")):
        return False
    if cell.startswith("-"):
        return not (_CALL.search(cell) or _REF.search(cell.replace("$", "")) or set(cell) & set('|!"'))
    return True


def _assert_csv_neutral(data: bytes, originals: list[str]) -> None:
    cells = [c for row in _csv_cells(data) for c in row]
    for c in cells:
        assert _neutral(c), repr(c)
    for o in originals:  # the text is kept: exactly, or behind one apostrophe
        assert o in cells or ("'" + o) in cells, repr(o)


def _assert_xlsx_has_no_formula(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name


def _xlsx_texts(data: bytes) -> set[str]:
    reader = fastexcel.read_excel(data)
    out: set[str] = set()
    for name in reader.sheet_names:
        for row in reader.load_sheet(name, header_row=None, dtypes="string").to_polars().rows():
            out.update(v for v in row if v is not None)
    return out


@tally.fuzz_settings(max_examples=150)
@given(rows=st.lists(st.fixed_dictionaries({"指標名": text, "要因": text, "値": st.one_of(text, st.integers(), st.none())}),
                     min_size=1, max_size=5))
def test_csv_export_neutralizes_every_formula_like_cell(rows):
    tally.ran("export.csv_bytes")
    _assert_csv_neutral(csv_bytes(rows), [r["要因"] for r in rows] + [r["指標名"] for r in rows])


@tally.fuzz_settings(max_examples=60)
@given(rows=st.lists(st.fixed_dictionaries({"指標名": text, "要因": text}), min_size=1, max_size=4))
def test_xlsx_export_writes_text_never_formulas(rows):
    tally.ran("export.xlsx_bytes")
    data = xlsx_bytes(rows)
    _assert_xlsx_has_no_formula(data)
    texts = _xlsx_texts(data)
    assert all(r["要因"] in texts or not r["要因"].strip() for r in rows)


@tally.fuzz_settings(max_examples=40)
@given(comment=text, name=text, reason=text)
def test_department_workbook_keeps_reviewer_comments_and_names_as_text(comment, name, reason):
    tally.ran("export.department_workbook")
    data = write_department_workbook(title="調査", department="総務部", cycle_label="令和4年度", reason_categories=["その他"],
                                     rows=[TemplateRow("A-01", "1 柱", "項目", name, "人", "1", "2", "", "差戻し", comment,
                                                       reason=reason)])
    _assert_xlsx_has_no_formula(data)


@pytest.fixture(scope="module")
def report(demo_db_template, tmp_path_factory):
    from kpi.publish.report_data import build
    from kpi.services.summaries import load_cycle

    path = tmp_path_factory.mktemp("sec_export") / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    return build(load_cycle(2021, db=path), title="公表", publisher="千葉県", edition=1)


@tally.fuzz_settings(max_examples=10)
@given(reason=text, name=text, value_text=text, period=text)
def test_published_open_data_and_workbook_neutralize_what_people_typed(report, reason, name, value_text, period):
    lines = list(report.lines)
    lines[0] = dataclasses.replace(lines[0], reason=reason, name=name, value_text=value_text, period=period)
    data = dataclasses.replace(report, lines=tuple(lines))
    files = write_open_data(data)
    typed = [t for t in (reason, name, value_text, period) if t.strip() and t != "—"]
    for csv_name in ("indicators.csv", "summary.csv"):
        for c in (c for row in _csv_cells(files[csv_name]) for c in row):
            assert _neutral(c), (csv_name, c)
    _assert_csv_neutral(files["indicators.csv"], [t for t in typed if t == t.strip()])
    _assert_xlsx_has_no_formula(write_report_workbook(data))
    tally.ran("export.published_files")


def test_every_spreadsheet_writer_in_the_product_is_a_neutralizing_one():
    """No other CSV writer than kpi.io.export.csv_bytes; every xlsxwriter Workbook with strings_to_formulas off."""
    found = []
    for folder in ("kpi", "app", "flows", "warehouse"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            options = {n.targets[0].id: n.value for n in ast.walk(tree)
                       if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Dict)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = ast.unparse(node.func)
                if name in ("csv.writer", "csv.DictWriter") or name.endswith((".write_csv", ".to_csv",
                                                                                       ".write_excel")):
                    if rel != "kpi/io/export.py":
                        found.append(f"{rel}:{node.lineno}: {name}")
                if name.endswith("Workbook") and "xlsxwriter" in name:
                    opts = node.args[1] if len(node.args) > 1 else None
                    if isinstance(opts, ast.Name):
                        opts = options.get(opts.id)
                    source = ast.unparse(opts) if opts is not None else ""
                    if "'strings_to_formulas': False" not in source:
                        found.append(f"{rel}:{node.lineno}: xlsxwriter.Workbook without strings_to_formulas False")
    assert found == []


@pytest.mark.parametrize("typed, written", [
    # harmless text starting with "-" stays as typed (issue 21: "-2+3" became "'-2+3")
    ("-2+3", "-2+3"),
    ("-5", "-5"),
    ("-5.25", "-5.25"),
    ("- 項目", "- 項目"),
    ("-", "-"),
    ("--", "--"),
    ("-3件（前年比）", "-3件（前年比）"),
    ("▲5", "▲5"),
    # formulas stay inert
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("-SUM(A1:A3)", "'-SUM(A1:A3)"),
    ("-sum (1,2)", "'-sum (1,2)"),
    ("-A1+1", "'-A1+1"),
    ("-$B$2", "'-$B$2"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("-HYPERLINK(\"http://x\")", "'-HYPERLINK(\"http://x\")"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
])
def test_csv_cells_starting_with_minus_stay_as_typed_unless_they_are_formulas(typed, written):
    [_header, row] = _csv_cells(csv_bytes([{"値": typed}]))
    assert row == [written]
    assert _neutral(row[0])
