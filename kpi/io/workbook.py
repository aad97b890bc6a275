"""The department workbook: a protected Excel template to fill in, and its reader.

:func:`write_department_workbook` builds the .xlsx a department downloads: sheet 入力 (header in row 1, ten
locked columns, six unlocked text-formatted input columns, dropdowns, autofilter, sheet protection without a
password) and sheet 記入方法 (how to fill it in, and the dropdown choices). Every cell is written with
``write_string`` into a workbook that never turns strings into formulas or links.

:func:`read_department_workbook` returns the typed texts of every data row as :class:`RawRow` (the normalizer
parses them later) or raises :class:`WorkbookRefused` listing every problem found, in Japanese, naming the row
and column. The file goes through the checks of :mod:`kpi.io.xlsx_safe` (size, zip, used range, formulas,
merged cells and cell types, all before calamine parses anything); this module knows the sheet 入力 and its columns.
"""
from __future__ import annotations

import io
import posixpath
import unicodedata
import zipfile
from dataclasses import dataclass

from kpi.io.xlsx_safe import (  # the safe-reading limits are the department workbook's limits too
    BROKEN, MAX_COLUMNS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, MAX_UPLOAD_BYTES, Refuse, SheetScan, aligned,
    cell_range, date_text, is_number, letters, load_grid, number_text, open_zip, parse, percent_styles, shown,
)

__all__ = [
    "SHEET", "INSTRUCTIONS", "COLUMNS", "MAX_UPLOAD_BYTES", "MAX_UNCOMPRESSED_BYTES", "MAX_ROWS", "MAX_COLUMNS",
    "TemplateRow", "RawRow", "Problem", "WorkbookRefused", "write_department_workbook", "read_department_workbook",
]

SHEET = "入力"
INSTRUCTIONS = "記入方法"
MAX_PROBLEMS = 100  # listed one by one; the rest are counted

COLUMNS = (
    "コード", "柱", "項目", "指標名", "単位", "基準値", "目標値", "前年度の承認値", "状態", "差戻しコメント",
    "値", "区分（実績値／見込値）", "時点・期間", "要因（100%未満の場合は必須）", "要因の分類", "備考",
)
_WIDTHS = (10, 16, 18, 40, 8, 12, 12, 14, 10, 30, 14, 14, 16, 40, 18, 30)
_LOCKED = 10  # the first ten columns are read-only
_REQUIRED = (COLUMNS[0], *COLUMNS[_LOCKED:])
_VALUE = "値"
_MB = 1024 * 1024


@dataclass(frozen=True)
class TemplateRow:
    """One indicator, as the workbook shows it."""

    code: str
    pillar: str
    item: str
    name: str
    unit: str | None
    baseline: str
    target: str
    last_year: str
    state: str
    returned_comment: str
    value: str = ""
    kind: str = ""
    period: str = ""
    reason: str = ""
    reason_category: str = ""
    remark: str = ""


@dataclass(frozen=True)
class RawRow:
    """One data row as typed, for the normalizer; row_no is the Excel row number (the header is row 1)."""

    row_no: int
    code: str
    value: str
    kind: str
    period: str
    reason: str
    reason_category: str
    remark: str


@dataclass(frozen=True)
class Problem:
    """Why a workbook was refused: a Japanese sentence; row and column (its Japanese header) where they apply."""

    row: int | None
    column: str | None
    message: str


class WorkbookRefused(Exception):
    """The uploaded file cannot be read; .problems lists every reason found, str() joins them one per line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.message for p in problems))
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(p.message for p in self.problems)

    def __reduce__(self):
        return (WorkbookRefused, (self.problems,))


# ---------------------------------------------------------------------------------------------------------
# writing


def write_department_workbook(*, title: str, department: str, cycle_label: str, rows: list[TemplateRow],
                              kind_choices=("実績値", "見込値"), reason_categories: list[str],
                              properties: list[tuple[str, str]] = ()) -> bytes:
    """The .xlsx bytes of a department's template: sheet 入力 (one row per indicator) and sheet 記入方法;
    properties: custom document properties (kpi.io.workbook_stamp)."""
    import xlsxwriter  # only here: reading an upload (kpi collect, the flow) does not pay for the writer

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    wb.set_properties({"title": title, "subject": f"{department} {cycle_label}"})
    for name, text in properties:
        wb.set_custom_property(name, text)
    border = {"border": 1, "border_color": "#BFBFBF", "valign": "top", "text_wrap": True, "num_format": "@"}
    header = wb.add_format({**border, "bold": True, "bg_color": "#D9E1F2", "valign": "vcenter"})
    header_input = wb.add_format({**border, "bold": True, "bg_color": "#FFE699", "valign": "vcenter"})
    read_only = wb.add_format({**border, "bg_color": "#F2F2F2"})
    editable = wb.add_format({**border, "bg_color": "#FFFFFF", "locked": False})

    ws = wb.add_worksheet(SHEET)
    notes = wb.add_worksheet(INSTRUCTIONS)
    ws.activate()
    for col, (label, width) in enumerate(zip(COLUMNS, _WIDTHS)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, label, header if col < _LOCKED else header_input)
    ws.set_row(0, 36)
    for r, row in enumerate(rows, start=1):
        cells = (row.code, row.pillar, row.item, row.name, row.unit or "", row.baseline, row.target, row.last_year,
                 row.state, row.returned_comment, row.value, row.kind, row.period, row.reason,
                 row.reason_category, row.remark)
        for col, text in enumerate(cells):
            ws.write_string(r, col, text or "", read_only if col < _LOCKED else editable)

    kinds_at, categories_at = _write_instructions(notes, wb, title=title, department=department,
                                                  cycle_label=cycle_label, kinds=list(kind_choices),
                                                  categories=list(reason_categories))
    last = max(len(rows), 1)
    if rows:
        for col, source, name in ((_LOCKED + 1, kinds_at, "区分"), (_LOCKED + 4, categories_at, "要因の分類")):
            if source:
                ws.data_validation(1, col, last, col, {
                    "validate": "list", "source": source, "ignore_blank": True,
                    "input_title": name, "input_message": "リストから選んでください。",
                    "error_title": name, "error_message": "リストにある選択肢から選んでください。"})
        ws.set_selection(1, _LOCKED, 1, _LOCKED)
    ws.autofilter(0, 0, last, len(COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    wb.close()
    return buf.getvalue()


def _write_instructions(ws, wb, *, title: str, department: str, cycle_label: str, kinds: list[str],
                        categories: list[str]) -> tuple[str | None, str | None]:
    """Fill the 記入方法 sheet; returns the cell ranges of the 区分 and 要因の分類 choices (dropdown sources)."""
    big = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True, "valign": "top", "text_wrap": True})
    text = wb.add_format({"valign": "top", "text_wrap": True})
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 90)
    editable = "、".join(COLUMNS[_LOCKED:])
    lines = [
        ("部局", department),
        ("調査", cycle_label),
        ("", ""),
        ("入力するところ", f"「{SHEET}」シートの白い列（{editable}）だけに入力してください。灰色の列（コード～差戻しコメント）"
                    "は変更できません。1行が1つの指標です。"),
        ("値", "「単位」列の単位で数値を入力してください。「36,821」「36821人」「７３．５％」「約3.6万人」のように、"
              "単位付き・全角数字・桁区切りのカンマでも構いません。数式や日付は使えません。まだ値がない指標は空欄のままにしてください。"),
        ("区分（実績値／見込値）", "確定した値は「実績値」、まだ確定していない値は「見込値」をリストから選んでください。"),
        ("時点・期間", "値がいつの時点・どの期間のものかを書いてください（例: 令和5年度、2024年3月末時点）。"),
        ("要因", "目標に対する達成率が100%未満の場合は「要因（100%未満の場合は必須）」の記入が必須です。"
               "「要因の分類」もリストから選んでください。"),
        ("差戻しコメント", "差し戻された指標は「差戻しコメント」を確認し、値や要因を直してください。"),
        ("してはいけないこと", f"列の追加・削除・並べ替え、1行目の見出しの変更、シート名「{SHEET}」の変更、行の追加、"
                       "セルの結合はしないでください。絞り込み（フィルター）は使えます。並べ替えが必要なときは「校閲」→"
                       "「シート保護の解除」で保護を外してください（パスワードはありません）。"),
        ("提出", "入力が終わったら Excel ブック（.xlsx）形式のまま保存し、システムの「入力」ページからこのファイルを"
               f"アップロードしてください（{MAX_UPLOAD_BYTES // _MB} MB まで）。"),
    ]
    ws.write_string(0, 0, title, big)
    row = 2
    for label, body in lines:
        ws.write_string(row, 0, label, bold)
        ws.write_string(row, 1, body, text)
        row += 1
    sources = []
    for label, choices in (("区分の選択肢", kinds), ("要因の分類の選択肢", categories)):
        row += 1
        ws.write_string(row, 0, label, bold)
        if not choices:
            ws.write_string(row, 1, "（なし）", text)
            sources.append(None)
            row += 1
            continue
        for i, choice in enumerate(choices):
            ws.write_string(row + i, 1, choice, text)
        sources.append(f"='{INSTRUCTIONS}'!$B${row + 1}:$B${row + len(choices)}")
        row += len(choices)
    ws.protect("")
    return sources[0], sources[1]


# ---------------------------------------------------------------------------------------------------------
# reading


def read_department_workbook(data: bytes, *, filename: str | None = None) -> list[RawRow]:
    """Every data row of sheet 入力 that has a code, as typed; WorkbookRefused listing every problem found."""
    problems: list[Problem] = []
    rows: list[RawRow] = []
    try:
        rows = _read(data, filename, problems)
    except Refuse:
        pass
    if problems:
        raise WorkbookRefused(_capped(problems))
    return rows


def _read(data: bytes, filename: str | None, problems: list[Problem]) -> list[RawRow]:
    def refuse(message: str):
        problems.append(Problem(None, None, message))
        raise Refuse

    zf = open_zip(data, filename, refuse)
    sheet_path, sheet_name, styles_path = _locate_sheet(zf, refuse)
    shape = SheetScan.run(zf, sheet_path, refuse)
    if shape.first_row is None:
        refuse(f"「{SHEET}」シートが空です。配布された Excel ブックに記入してください。")
    if shape.last_row - shape.first_row > MAX_ROWS:
        refuse(f"「{SHEET}」シートの行が多すぎます（{shape.last_row - shape.first_row:,}行以上）。"
               f"1つのファイルで読み取れるのは {MAX_ROWS:,} 行までです。")
    if shape.last_col >= MAX_COLUMNS:
        refuse(f"「{SHEET}」シートの {letters(shape.last_col)} 列まで入力があります。列は追加しないでください"
               f"（読み取れるのは {letters(MAX_COLUMNS - 1)} 列まで）。")
    grid, columns = load_grid(zf, sheet_name, refuse)
    if not aligned(grid, columns, shape):
        refuse(BROKEN)

    header_at, by_name, repeated = _find_header(grid, columns)
    header_row = shape.first_row + header_at
    names = {col: name for name, col in by_name.items()}
    for name, cols in repeated.items():
        problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」の列が複数あります"
                                f"（{'、'.join(letters(c) + '列' for c in cols)}）。列を追加しないでください。"))
    for ref in shape.merges:
        (row, col), (last_row, _) = cell_range(ref, refuse)
        if last_row < header_row:  # a merged title above the header does not get in the way
            continue
        problems.append(Problem(row, names.get(col), f"セルが結合されています（{ref}）。セルの結合を解除してください。"))
    missing = [name for name in _REQUIRED if name not in by_name]
    for name in missing:
        problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」の列の見出しがありません。列の追加・削除や"
                                "見出しの変更はせず、配布されたブックの列のままにしてください。"))
    if missing:
        raise Refuse

    wanted = [by_name[name] for name in _REQUIRED]
    cells = shape if not shape.overflow else SheetScan.run(zf, sheet_path, refuse, focus=(header_row, set(wanted)))
    cells.keep(header_row, set(wanted))
    for row, col in cells.formulas:
        problems.append(Problem(row, names[col], f"{row}行目の「{names[col]}」（{letters(col)}{row}）に数式が入って"
                                "います。数式は使えません。値を直接入力してください。"))
    percent = percent_styles(zf, styles_path) if cells.types else frozenset()
    position = {col: i for i, col in enumerate(columns)}
    result: list[RawRow] = []
    first_seen: dict[str, int] = {}
    for i in range(header_at + 1, len(grid)):
        row = shape.first_row + i
        texts = [_text(grid[i][position[col]], cells.types.get((row, col)), percent, row, col, names, problems)
                 for col in wanted]
        code, editable = texts[0].strip(), texts[1:]
        if not code:
            filled = "".join(f"「{n}」" for n, t in zip(_REQUIRED[1:], editable) if t.strip())
            if filled:
                problems.append(Problem(row, "コード", f"{row}行目は「コード」が空ですが、{filled}に入力があります。"
                                        "行は追加せず、指標の行に入力してください。"))
            continue
        if code in first_seen:
            problems.append(Problem(row, "コード", f"{row}行目の「コード」（{shown(code)}）は {first_seen[code]}行目と"
                                    "重複しています。1つの指標は1行にしてください。"))
            continue
        first_seen[code] = row
        result.append(RawRow(row, code, *editable))
    return result


def _text(raw: str | None, kind: tuple[str, int, str] | None, percent: frozenset[int], row: int, col: int,
          names: dict[int, str], problems: list[Problem]) -> str:
    """One cell as the person sees it: text as typed, numbers without float artefacts, dates refused in 値."""
    if kind is None:  # text (or empty): exactly as typed
        return raw or ""
    t, style, stored = kind
    if t == "b":
        return "TRUE" if stored.strip() == "1" else "FALSE"
    if t == "e":
        return stored
    if raw is None or raw == "":  # calamine could not read it: pass on what the file holds
        return stored
    if t == "n" and is_number(raw):  # the stored text, not calamine's string: that one drops digits
        return number_text(stored, style in percent) if is_number(stored) else raw
    if names[col] == _VALUE:  # calamine read a number cell as a date or a time
        problems.append(Problem(row, _VALUE, f"{row}行目の「値」（{letters(col)}{row}）が日付になっています。"
                                "日付ではなく数値を入力してください（セルの書式を「文字列」にしてから入力し直すと、"
                                "Excel が日付に変えません）。"))
        return raw or ""
    return date_text(raw or "")


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem(None, None, f"ほかに {rest:,} 件の問題があります。")]



def _locate_sheet(zf: zipfile.ZipFile, refuse) -> tuple[str, str, str | None]:
    """(sheet XML path, sheet name as written, styles XML path) of sheet 入力; refusal naming the sheets found."""
    sheets: list[tuple[str, str]] = []
    hidden: list[str] = []
    rels: dict[str, str] = {}
    styles: list[str] = []

    def on_sheet(name, attrs):
        if name == "sheet":
            rid = attrs.get("id", "")
            if attrs.get("state", "visible") == "visible":  # a hidden 入力 is never the sheet the person filled in
                sheets.append((attrs.get("name", ""), rid))
            elif attrs.get("name", "").strip() == SHEET:
                hidden.append(rid)

    def on_rel(name, attrs):
        if name == "Relationship":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            rels[attrs.get("Id", "")] = path
            if attrs.get("Type", "").endswith("/styles"):
                styles.append(path)

    parse(zf, "xl/workbook.xml", refuse, start=on_sheet)
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        parse(zf, "xl/_rels/workbook.xml.rels", refuse, start=on_rel)
    found = [(name, rid) for name, rid in sheets if name.strip() == SHEET]
    if not found and hidden:
        refuse(f"シート「{SHEET}」が非表示になっています。Excel でシートを再表示して記入してから、もう一度アップロードしてください。")
    if not found:
        listed = "".join(f"「{shown(name)}」" for name, _ in sheets) or "なし"
        refuse(f"シート「{SHEET}」が見つかりません（このブックのシート: {listed}）。シート名を「{SHEET}」に戻すか、"
               "配布された Excel ブックに記入し直してください。")
    name, rid = found[0]
    path = rels.get(rid)
    if path is None or path not in zf.namelist():
        refuse(BROKEN)
    return path, name, (styles[0] if styles else None)



def _key(text: str | None) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if not ch.isspace())


_KEYS = {_key(name): name for name in COLUMNS}


def _find_header(grid: list[tuple], columns: list[int]) -> tuple[int, dict[str, int], dict[str, list[int]]]:
    """(index in grid, {header: column}, {header: its columns when repeated}): the first of the top ten rows that
    has コード and 値, else the first row. Headers match ignoring spaces and full/half width."""
    def read(values) -> tuple[dict[str, int], dict[str, list[int]]]:
        found: dict[str, list[int]] = {}
        for col, value in zip(columns, values):
            name = _KEYS.get(_key(value))
            if name is not None:
                found.setdefault(name, []).append(col)
        return {n: cols[0] for n, cols in found.items()}, {n: cols for n, cols in found.items() if len(cols) > 1}

    for i, values in enumerate(grid[:10]):
        by_name, repeated = read(values)
        if "コード" in by_name and _VALUE in by_name:
            return i, by_name, repeated
    return (0, *read(grid[0]))
