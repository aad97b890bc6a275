"""Importing an indicator list into a strategy: every row lands in one transaction with audit rows, or none does."""
from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import fastexcel
import pytest
import xlsxwriter

import warehouse
from kpi.domain.workflow import Role
from kpi.io.indicator_import import COLUMNS, EXAMPLES
from kpi.services.actors import Actor, Forbidden
from kpi.services.indicator_import import import_indicator_file, preview_indicator_file, problems_csv

KPI = Path(sys.executable).parent / "kpi"
REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))
STRATEGY = "chiba-ict"

# A planning document's list: every printed form once (figure+year, 令和/R/H years, full-width digits, 万,
# increase, decrease, bound, dash, composite, qualitative), a new pillar and item, department by name.
HEADER = ["柱", "項目", "指標名", "単位", "担当課", "現状（基準値）", "目標", "目標の種類", "出典"]
PLAN = [
    ["2 個別施策", "3", "県内のDX推進企業数", "", "KEIZAI", "710社 (2022年度)", "720社 (2027年度)", "", "経済政策課調べ"],
    ["2", "②", "テレワーク導入企業の割合", "%", "koyo", "-", "85%を超える", "", ""],
    ["2", "1", "オンライン申請できる手続の割合", "", "JOHO", "62%（令和4年度）", "85%以上（R9）", "", ""],
    ["2", "1", "紙の申請書の様式数", "件", "総務部総務課", "H30年度 6,000件", "減少を目指す", "", ""],
    ["1", "3", "プログラミング指導をする教員数", "人", "GAKUSHU", "２５名（R元年度）", "増加を目指します", "", ""],
    ["2", "3", "森林クラウドを利用する団体数（改定後）", "団体", "SHINRIN", "－", "県・52市町村・13林業事業体", "", ""],
    ["3", "1", "デジタル相談の体制整備", "", "JOHO", "未整備", "相談窓口等の設置（ネット・出前等）", "", ""],
    ["4 データ利活用", "1 オープンデータ", "オープンデータの公開件数", "件", "JOHO", "1,200件 (2022年度)",
     "約3千件 (2027年度)", "", ""],
    ["4", "1", "県民アプリの利用者数", "人", "JOHO", "3.6万人（令和4年度）", "5万人（令和9年度）", "", ""],
    ["4", "1", "市町村とのデータ連携", "", "JOHO", "-", "全54市町村で連携", "定性", ""],
]


def xlsx(rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("指標一覧")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value)
    wb.close()
    return buf.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = "\r\n".join(",".join(f'"{v}"' if "," in v else v for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def indicators(db, codes=None) -> dict[str, dict]:
    with warehouse.connect(db) as con:
        rows = con.execute(
            "SELECT i.code, i.name, i.pillar_no, i.item_no, i.unit, i.department_code, i.target_type, i.direction,"
            " i.baseline_value, i.baseline_fy, i.baseline_fy_text, i.target_value, i.target_fy, i.target_text,"
            " i.baseline_text, i.data_source, i.indicator_id FROM indicators i JOIN strategies s USING (strategy_id)"
            " WHERE s.code = ?", [STRATEGY]).fetchall()
    keys = ("code", "name", "pillar", "item", "unit", "dept", "type", "direction", "baseline", "baseline_fy",
            "baseline_fy_text", "target", "target_fy", "target_text", "baseline_text", "source", "id")
    return {r[1]: dict(zip(keys, r)) for r in rows}


def counts(db) -> tuple[int, int, int, int, int]:
    with warehouse.connect(db) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("indicators", "indicator_parts", "pillars", "items", "audit_log"))


def test_a_planning_document_list_lands_every_indicator_with_its_structured_fields(demo_db):
    before = indicators(demo_db)
    report = import_indicator_file(REVIEWER, xlsx([HEADER, *PLAN]), filename="計画.xlsx", strategy=STRATEGY,
                                   db=demo_db)
    assert report.status == "imported", [p.message for p in report.problems]
    assert report.imported == len(PLAN)
    after = indicators(demo_db)
    assert len(after) == len(before) + len(PLAN)

    dx = after["県内のDX推進企業数"]
    assert (dx["type"], dx["direction"], dx["unit"], dx["dept"]) == ("numeric", "higher", "社", "KEIZAI")
    assert (dx["baseline"], dx["baseline_fy"], dx["target"], dx["target_fy"]) == (710, 2022, 720, 2027)
    assert (dx["pillar"], dx["item"], dx["source"], dx["target_text"]) == (2, 3, "経済政策課調べ", "720社 (2027年度)")
    assert dx["code"] == "P2-3-14"  # the next free code of pillar 2 item 3 in the demo strategy
    telework = after["テレワーク導入企業の割合"]
    assert (telework["type"], telework["target"], telework["baseline"], telework["dept"]) == ("numeric", 85, None, "KOYO")
    online = after["オンライン申請できる手続の割合"]
    assert (online["unit"], online["baseline_fy"], online["target_fy"], online["baseline_fy_text"]) == ("%", 2022, 2027, "令和4年度")
    paper = after["紙の申請書の様式数"]
    assert (paper["type"], paper["direction"], paper["baseline"], paper["baseline_fy"], paper["dept"]) == (
        "decrease", "lower", 6000, 2018, "SOMU")
    teachers = after["プログラミング指導をする教員数"]
    assert (teachers["type"], teachers["baseline"], teachers["baseline_fy"], teachers["target"]) == ("increase", 25, 2019, None)
    qualitative = after["デジタル相談の体制整備"]
    assert (qualitative["type"], qualitative["baseline_text"], qualitative["target_text"]) == (
        "qualitative", "未整備", "相談窓口等の設置（ネット・出前等）")
    assert after["オープンデータの公開件数"]["target"] == 3000
    assert (after["県民アプリの利用者数"]["baseline"], after["県民アプリの利用者数"]["target"]) == (36000, 50000)
    assert after["市町村とのデータ連携"]["type"] == "qualitative"

    forest = after["森林クラウドを利用する団体数（改定後）"]
    assert forest["type"] == "composite"
    with warehouse.connect(demo_db) as con:
        parts = con.execute("SELECT part_no, label, unit, baseline_value, target_value FROM indicator_parts"
                            " WHERE indicator_id = ? ORDER BY part_no", [forest["id"]]).fetchall()
        pillar = con.execute("SELECT p.name FROM pillars p JOIN strategies s USING (strategy_id)"
                             " WHERE s.code = ? AND pillar_no = 4", [STRATEGY]).fetchone()
        audit = con.execute("SELECT action, entity_id, actor FROM audit_log WHERE action IN"
                            " ('import_indicator', 'import_indicators', 'create_pillar', 'create_item')"
                            " ORDER BY audit_id").fetchall()
    assert parts == [(1, "県", "団体", None, 1), (2, "市町村", "団体", None, 52), (3, "林業事業体", "団体", None, 13)]
    assert pillar == ("データ利活用",)
    assert report.created_pillars == ["4 データ利活用"] and report.created_items == ["4-1 オープンデータ"]
    actions = [a for a, _, _ in audit]
    assert actions.count("import_indicator") == len(PLAN)
    assert actions[:2] == ["create_pillar", "create_item"] and actions[-1] == "import_indicators"
    assert {who for _, _, who in audit} == {"reviewer"}


def test_one_bad_cell_among_many_imports_nothing_and_every_problem_is_reported(demo_db):
    broken = [row[:] for row in PLAN]
    broken[2][6] = "85%以上（令和0年度）"  # Excel row 4: a year that does not exist
    broken[4][5] = "-"  # row 6: increase without a baseline
    broken[6][4] = "DIGITAL"  # row 8: unknown department
    broken[8][6] = "5万人くらい"  # row 10: unreadable target
    before = counts(demo_db)
    report = import_indicator_file(REVIEWER, xlsx([HEADER, *broken]), filename="broken.xlsx", strategy=STRATEGY,
                                   db=demo_db)
    assert report.status == "refused" and report.imported == 0
    assert counts(demo_db) == before  # nothing half-imported: no indicator, part, pillar, item or audit row
    assert [(p.row, p.column) for p in report.problems] == [
        (4, "目標"), (6, "現状（基準値）"), (8, "担当課"), (10, "目標")]
    unknown = report.problems[2].message
    assert "DIGITAL" in unknown and "GYOKAKU" in unknown and "KEIZAI" in unknown  # the known codes are listed
    assert all(p.message.startswith(f"{p.row}行目") for p in report.problems)
    text = problems_csv(report).decode("utf-8-sig")
    assert text.splitlines()[0] == "行,列,内容" and "8,担当課," in text


def test_a_shift_jis_csv_as_japanese_offices_save_it_is_imported(demo_db):
    report = import_indicator_file(ADMIN, csv_bytes([HEADER, *PLAN[:3]], "cp932"), filename="指標.csv",
                                   strategy=STRATEGY, db=demo_db)
    assert report.status == "imported", [p.message for p in report.problems]
    assert indicators(demo_db)["県内のDX推進企業数"]["baseline"] == 710


def test_preview_reads_everything_and_writes_nothing(demo_db):
    before = counts(demo_db)
    report = preview_indicator_file(REVIEWER, xlsx([HEADER, *PLAN]), filename="x.xlsx", strategy=STRATEGY, db=demo_db)
    assert report.status == "ready" and len(report.rows) == len(PLAN) and report.imported == 0
    assert counts(demo_db) == before
    first = report.rows[0]
    assert (first["目標"], first["現状（基準値）"], first["目標の種類"], first["方向"]) == (
        "720社（令和9年度）", "710社（令和4年度）", "数値", "高い方が良い")


def test_the_same_list_twice_is_refused_the_second_time(demo_db):
    data = xlsx([HEADER, *PLAN[:2]])
    assert import_indicator_file(REVIEWER, data, filename="a.xlsx", strategy=STRATEGY, db=demo_db).status == "imported"
    again = import_indicator_file(REVIEWER, data, filename="a.xlsx", strategy=STRATEGY, db=demo_db)
    assert again.status == "refused" and [p.column for p in again.problems] == ["指標名", "指標名"]


@pytest.mark.parametrize(("cells", "column", "words"), [
    ({"柱": "9"}, "柱", "名前も入力"),
    ({"項目": "7"}, "項目", "名前も入力"),
    ({"柱": "存在しない柱"}, "柱", "番号を付けて"),
    ({"コード": "P1-1-01"}, "コード", "既にあります"),
    ({"コード": "=cmd|x"}, "コード", "使えません"),
    ({"指標名": ""}, "指標名", "空です"),
])
def test_structure_problems_name_the_row_and_column(demo_db, cells, column, words):
    header = ["コード", *HEADER]
    row = dict(zip(header, ["", *PLAN[0]]))
    row.update(cells)
    report = import_indicator_file(REVIEWER, xlsx([header, [row[h] for h in header]]), filename="x.xlsx",
                                   strategy=STRATEGY, db=demo_db)
    assert report.status == "refused"
    assert [(p.row, p.column) for p in report.problems] == [(2, column)]
    assert words in report.problems[0].message


def test_unknown_strategy_is_refused_listing_the_known_ones(demo_db):
    report = import_indicator_file(REVIEWER, xlsx([HEADER, PLAN[0]]), filename="x.xlsx", strategy="nope", db=demo_db)
    assert report.status == "refused" and "chiba-ict" in report.problems[0].message


@pytest.mark.parametrize("roles", [{Role.EDITOR}, {Role.EXECUTIVE}])
def test_only_reviewers_and_administrators_import(demo_db, roles):
    actor = Actor("someone", "誰か", frozenset(roles), frozenset({"GYOKAKU"}))
    with pytest.raises(Forbidden):
        import_indicator_file(actor, xlsx([HEADER, PLAN[0]]), filename="x.xlsx", strategy=STRATEGY, db=demo_db)
    with pytest.raises(Forbidden):
        preview_indicator_file(actor, xlsx([HEADER, PLAN[0]]), filename="x.xlsx", strategy=STRATEGY, db=demo_db)


def test_the_templates_examples_import_as_they_stand(demo_db, tmp_path):
    out = tmp_path / "template.xlsx"
    subprocess.run([str(KPI), "indicator-template", "--out", str(out), "--db", str(demo_db)], check=True,
                   capture_output=True, timeout=120)
    rows = fastexcel.read_excel(out.read_bytes()).load_sheet(EXAMPLES, header_row=None, dtypes="string") \
        .to_polars().rows()
    assert list(rows[0]) == list(COLUMNS)
    report = import_indicator_file(REVIEWER, xlsx([[v or "" for v in r] for r in rows]), filename="例.xlsx",
                                   strategy=STRATEGY, db=demo_db)
    assert report.status == "imported", [p.message for p in report.problems]
    assert report.imported == len(rows) - 1


# ---------------------------------------------------------------------------------------------------------
# command line


def run_kpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KPI), *args], capture_output=True, text=True, timeout=120)


def test_cli_imports_a_file_and_says_how_many(demo_db, tmp_path):
    path = tmp_path / "指標.csv"
    path.write_bytes(csv_bytes([HEADER, *PLAN], "utf-8-sig"))
    done = run_kpi("import-indicators", "--as", "reviewer", str(path), "--strategy", STRATEGY, "--db", str(demo_db))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(PLAN)}指標を取り込みました" in done.stdout
    assert "4 データ利活用" in done.stdout
    assert indicators(demo_db)["オープンデータの公開件数"]["unit"] == "件"


def test_cli_refuses_a_broken_file_with_the_per_row_report_and_a_nonzero_exit(demo_db, tmp_path):
    broken = [row[:] for row in PLAN]
    broken[0][6] = "720社 (令和0年度)"  # an era year that does not exist (「(2027年)」 is a calendar year, read)
    broken[3][4] = "NOPE"
    path = tmp_path / "broken.xlsx"
    path.write_bytes(xlsx([HEADER, *broken]))
    before = counts(demo_db)
    done = run_kpi("import-indicators", "--as", "reviewer", str(path), "--strategy", STRATEGY, "--db", str(demo_db))
    assert done.returncode == 1
    assert "何も保存していません" in done.stdout and "問題 2件" in done.stdout
    assert "2行目「目標」" in done.stdout and "5行目「担当課」" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert counts(demo_db) == before


def test_cli_missing_file_exits_2(demo_db, tmp_path):
    done = run_kpi("import-indicators", "--as", "reviewer", str(tmp_path / "none.xlsx"), "--strategy", STRATEGY, "--db", str(demo_db))
    assert done.returncode == 2 and "ありません" in done.stderr


def test_imported_indicators_join_the_open_cycle_and_leave_finalized_years_as_published(demo_db):
    """FY2021 (finalized) keeps the seed's 68 indicators and figures; FY2022 (open) gains the imported ones."""
    from kpi.services.summaries import cycle_summary, load_cycle

    fy2021_before = cycle_summary(2021, db=demo_db)
    fy2022_before = len(load_cycle(2022, basis="all", actor=REVIEWER, db=demo_db).rows)
    report = import_indicator_file(REVIEWER, xlsx([HEADER, *PLAN]), filename="計画.xlsx", strategy=STRATEGY,
                                   db=demo_db)
    assert report.status == "imported"

    after = cycle_summary(2021, db=demo_db)
    assert after == fy2021_before  # no new pillar 4, no unrated indicators
    assert after["groups"][0]["total"] == 68 and len(after["groups"]) == 4
    fy2022 = load_cycle(2022, basis="all", actor=REVIEWER, db=demo_db)
    assert len(fy2022.rows) == fy2022_before + len(PLAN)
    assert 4 in {p["no"] for p in fy2022.pillars}


def test_headings_resolve_by_number_or_name_across_rows_and_disagreements_are_named(demo_db):
    """A pillar or item given by name alone finds the existing or earlier new heading of that pillar only; a new
    heading repeated with another name is refused naming the row that introduced it."""
    base = PLAN[0]
    rows = [
        ["5 新しい柱", "1 新しい項目", "指標A", *base[3:]],
        ["新しい柱", "新しい項目", "指標B", *base[3:]],          # both by name: the pillar and item of the row above
        ["5 別の名前", "1", "指標C", *base[3:]],                   # pillar 5 was introduced as 新しい柱
        ["5", "1 別の項目名", "指標D", *base[3:]],                 # item 5-1 was introduced as 新しい項目
        ["1", "新しい項目", "指標E", *base[3:]],                   # that item name belongs to pillar 5, not 1
    ]
    report = preview_indicator_file(REVIEWER, xlsx([HEADER, *rows]), filename="x.xlsx", strategy=STRATEGY,
                                    db=demo_db)
    assert report.status == "refused"
    problems = [(p.row, p.column, p.message) for p in report.problems]
    assert [(r, c) for r, c, _ in problems] == [(4, "柱"), (5, "項目"), (6, "項目")], problems
    assert "2行目" in problems[0][2] and "新しい柱" in problems[0][2]
    assert "2行目" in problems[1][2] and "新しい項目" in problems[1][2]
    assert "柱1に項目「新しい項目」はありません" in problems[2][2]

    ok = preview_indicator_file(REVIEWER, xlsx([HEADER, *rows[:2]]), filename="x.xlsx", strategy=STRATEGY,
                                db=demo_db)
    assert ok.status == "ready" and ok.created_pillars == ["5 新しい柱"] and ok.created_items == ["5-1 新しい項目"]
    assert len(ok.rows) == 2
