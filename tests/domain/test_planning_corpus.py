"""The corpus of real indicator lists (tests/data/planning_lists): each file is read back as the importer reads it
and every row's cells through the row reader with the plan's printed era (its sidecar's 記載の元号). The test
reports per list how many rows were read, fails below 97% overall, and fails on any refused cell that the
reviewed table expected_refusals.csv does not list (and on a listed refusal that no longer happens)."""
from __future__ import annotations

import csv
from pathlib import Path

from kpi.domain.planning_headings import parse_heading
from kpi.domain.planning_rows import read_row
from kpi.domain.planning_text import RowProblems
from kpi.io.indicator_import import read_indicator_file

LISTS = Path(__file__).resolve().parents[1] / "data" / "planning_lists"


def _source(path: Path) -> dict[str, str]:
    lines = path.with_suffix(".source.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def _read_corpus():
    per_list, refused = {}, set()
    for path in sorted(LISTS.glob("*.csv")):
        if path.name == "expected_refusals.csv":
            continue
        era = _source(path)["記載の元号"].strip()
        rows = read_indicator_file(path.read_bytes(), filename=path.name)
        read = 0
        for row in rows:
            bad = set()
            try:
                read_row(target=row.get("目標"), baseline=row.get("現状（基準値）") or None,
                         unit=row.get("単位") or None, printed_era=era)
            except RowProblems as problems:
                bad = {(path.stem, row.row_no, p.column) for p in problems.problems}
            parse_heading(row.get("柱"), field="柱")
            parse_heading(row.get("項目"), field="項目", last=True)
            refused.update(bad)
            read += not bad
        per_list[path.stem] = (read, len(rows))
    return per_list, refused


def _expected() -> set[tuple[str, int, str]]:
    with open(LISTS / "expected_refusals.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert all(r["reason"].strip() and r["text"].strip() for r in rows)
    return {(r["list"], int(r["row"]), r["column"]) for r in rows}


def test_every_list_has_its_source():
    for path in LISTS.glob("*.csv"):
        if path.name == "expected_refusals.csv":
            continue
        meta = _source(path)
        assert {"タイトル", "発行", "年", "URL", "記載の元号"} <= set(meta), path.name
        assert meta["記載の元号"].strip() in ("平成", "令和"), path.name


def test_corpus_reads_at_least_97_percent_and_refuses_only_what_is_expected(capsys):
    per_list, refused = _read_corpus()
    with capsys.disabled():
        print()
        for stem, (read, total) in per_list.items():
            print(f"  {stem}: {read}/{total}")
    read = sum(r for r, _ in per_list.values())
    total = sum(t for _, t in per_list.values())
    with capsys.disabled():
        print(f"  corpus: {read}/{total} = {read / total:.1%} in {len(per_list)} lists")
    assert len(per_list) >= 10
    assert read / total >= 0.97
    expected = _expected()
    assert refused - expected == set(), "refusals not in expected_refusals.csv"
    assert expected - refused == set(), "expected refusals that no longer happen: update the table"
