"""指標の取込 page: a reviewer uploads a list, sees it read, imports it; a broken list shows every problem."""
from __future__ import annotations

import io

import pytest
import xlsxwriter

import warehouse

PAGE = "views/indicator_import.py"
HEADER = ["柱", "項目", "指標名", "担当課", "現状（基準値）", "目標"]
ROWS = [
    ["2", "3", "県内のDX推進企業数", "KEIZAI", "710社 (2022年度)", "720社 (2027年度)"],
    ["1", "3", "プログラミング指導をする教員数", "GAKUSHU", "25人（R元年度）", "増加を目指します"],
    ["2", "3", "森林情報システムを利用する団体数", "SHINRIN", "-", "県・52市町村・13林業事業体"],
]


def xlsx(rows) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("指標一覧")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    wb.close()
    return buf.getvalue()


def indicator_count(db) -> int:
    with warehouse.connect(db) as con:
        return con.execute("SELECT count(*) FROM indicators").fetchone()[0]


def open_page(app_as, role="reviewer"):
    at = app_as(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_reviewer_previews_then_imports_a_list_and_the_uploader_starts_over(app_as, demo_db):
    at = open_page(app_as)
    assert [t.value for t in at.title] == ["指標の取込"]
    assert any("テンプレート" in b.label for b in at.get("download_button"))
    before = indicator_count(demo_db)

    at.file_uploader[0].upload("計画.xlsx", xlsx([HEADER, *ROWS])).run()
    assert not at.exception, at.exception
    assert not at.error
    preview = at.dataframe[0].value
    assert list(preview["指標名"]) == [r[2] for r in ROWS]
    assert list(preview["目標の種類"]) == ["数値", "増加", "複合"]
    assert indicator_count(demo_db) == before  # a preview writes nothing

    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("3指標を取り込みました" in s.value for s in at.success)
    codes = list(at.dataframe[0].value["コード"])  # the codes it assigned: the next free ones per pillar and item
    assert codes[0] == "P2-3-14" and codes[2] == "P2-3-15" and codes[1].startswith("P1-3-")
    assert any("結果" in b.label or "取り込んだ" in b.label for b in at.get("download_button"))
    assert indicator_count(demo_db) == before + 3
    assert not at.error  # the same file is not previewed again as a duplicate
    assert at.file_uploader[0].value is None


def test_a_broken_list_shows_every_problem_with_row_and_column_and_imports_nothing(app_as, demo_db):
    at = open_page(app_as, "admin")
    broken = [ROWS[0], [*ROWS[1][:4], "-", ROWS[1][5]], [*ROWS[2][:3], "NOPE", *ROWS[2][4:]]]
    before = indicator_count(demo_db)
    at.file_uploader[0].upload("broken.xlsx", xlsx([HEADER, *broken])).run()
    assert not at.exception, at.exception
    assert any("何も保存していません" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert list(zip(problems["行"], problems["列"])) == [(3, "現状（基準値）"), (4, "担当課")]
    assert any("CSV" in b.label for b in at.get("download_button"))
    assert not [b for b in at.button if b.key == "import_run"]
    assert indicator_count(demo_db) == before


def test_a_file_that_is_not_a_list_is_refused_in_japanese(app_as):
    at = open_page(app_as)
    at.file_uploader[0].upload("list.xlsx", b"%PDF-1.7 not a workbook").run()
    assert not at.exception, at.exception
    assert "PDF" in at.dataframe[0].value["内容"][0]


@pytest.mark.parametrize("role", ["editor", "executive"])
def test_the_page_is_not_offered_to_editors_or_executives(app_as, role):
    at = app_as(role)
    with pytest.raises(Exception):
        at.switch_page(PAGE).run()
