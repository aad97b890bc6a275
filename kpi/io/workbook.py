"""The department workbook: a protected Excel template to fill in, and a reader that refuses unsafe files.

:func:`write_department_workbook` builds the .xlsx a department downloads: sheet 入力 (header in row 1, ten
locked columns, six unlocked text-formatted input columns, dropdowns, autofilter, sheet protection without a
password) and sheet 記入方法 (how to fill it in, and the dropdown choices). Every cell is written with
``write_string`` into a workbook that never turns strings into formulas or links.

:func:`read_department_workbook` returns the typed texts of every data row as :class:`RawRow` (the normalizer
parses them later) or raises :class:`WorkbookRefused` listing every problem found, in Japanese, naming the row
and column. The upload is checked by content, not by name: size, zip magic, declared and actual uncompressed
size (the members are re-packed, so the Excel parser only ever sees bytes already read and CRC-checked here),
and the sheet's used range, all before calamine (through fastexcel) parses anything. The sheet XML itself is
scanned with expat (no DTDs allowed) for formulas, merged cells and cell types.
"""
from __future__ import annotations

import codecs
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

import fastexcel

__all__ = [
    "SHEET", "INSTRUCTIONS", "COLUMNS", "MAX_UPLOAD_BYTES", "MAX_UNCOMPRESSED_BYTES", "MAX_ROWS", "MAX_COLUMNS",
    "TemplateRow", "RawRow", "Problem", "WorkbookRefused", "write_department_workbook", "read_department_workbook",
]

SHEET = "入力"
INSTRUCTIONS = "記入方法"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # zip bomb guard: sum of member file_size in the zip directory
MAX_ROWS = 100_000  # data rows below the header
MAX_COLUMNS = 50  # calamine allocates the whole used range: bound it before parsing
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


class _Refuse(Exception):
    """Internal: stop reading here; the problems collected so far are the answer."""


def read_department_workbook(data: bytes, *, filename: str | None = None) -> list[RawRow]:
    """Every data row of sheet 入力 that has a code, as typed; WorkbookRefused listing every problem found."""
    problems: list[Problem] = []
    rows: list[RawRow] = []
    try:
        rows = _read(data, filename, problems)
    except _Refuse:
        pass
    if problems:
        raise WorkbookRefused(_capped(problems))
    return rows


def _read(data: bytes, filename: str | None, problems: list[Problem]) -> list[RawRow]:
    def refuse(message: str):
        problems.append(Problem(None, None, message))
        raise _Refuse

    zf = _open_zip(data, filename, refuse)
    sheet_path, sheet_name, styles_path = _locate_sheet(zf, refuse)
    shape = _SheetScan.run(zf, sheet_path, refuse)
    if shape.first_row is None:
        refuse(f"「{SHEET}」シートが空です。配布された Excel ブックに記入してください。")
    if shape.last_row - shape.first_row > MAX_ROWS:
        refuse(f"「{SHEET}」シートの行が多すぎます（{shape.last_row - shape.first_row:,}行以上）。"
               f"1つのファイルで読み取れるのは {MAX_ROWS:,} 行までです。")
    if shape.last_col >= MAX_COLUMNS:
        refuse(f"「{SHEET}」シートの {_letters(shape.last_col)} 列まで入力があります。列は追加しないでください"
               f"（読み取れるのは {_letters(MAX_COLUMNS - 1)} 列まで）。")
    grid, columns = _load_grid(zf, sheet_name, refuse)
    if not _aligned(grid, columns, shape):
        refuse(_BROKEN)

    header_at, by_name, repeated = _find_header(grid, columns)
    header_row = shape.first_row + header_at
    names = {col: name for name, col in by_name.items()}
    for name, cols in repeated.items():
        problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」の列が複数あります"
                                f"（{'、'.join(_letters(c) + '列' for c in cols)}）。列を追加しないでください。"))
    for ref in shape.merges:
        (row, col), (last_row, _) = _range(ref, refuse)
        if last_row < header_row:  # a merged title above the header does not get in the way
            continue
        problems.append(Problem(row, names.get(col), f"セルが結合されています（{ref}）。セルの結合を解除してください。"))
    missing = [name for name in _REQUIRED if name not in by_name]
    for name in missing:
        problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」の列の見出しがありません。列の追加・削除や"
                                "見出しの変更はせず、配布されたブックの列のままにしてください。"))
    if missing:
        raise _Refuse

    wanted = [by_name[name] for name in _REQUIRED]
    cells = shape if not shape.overflow else _SheetScan.run(zf, sheet_path, refuse, focus=(header_row, set(wanted)))
    cells.keep(header_row, set(wanted))
    for row, col in cells.formulas:
        problems.append(Problem(row, names[col], f"{row}行目の「{names[col]}」（{_letters(col)}{row}）に数式が入って"
                                "います。数式は使えません。値を直接入力してください。"))
    percent = _percent_styles(zf, styles_path) if cells.types else frozenset()
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
            problems.append(Problem(row, "コード", f"{row}行目の「コード」（{_shown(code)}）は {first_seen[code]}行目と"
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
    if t == "n" and _is_number(raw):  # the stored text, not calamine's string: that one drops digits
        return _number_text(stored, style in percent) if _is_number(stored) else raw
    if names[col] == _VALUE:  # calamine read a number cell as a date or a time
        problems.append(Problem(row, _VALUE, f"{row}行目の「値」（{_letters(col)}{row}）が日付になっています。"
                                "日付ではなく数値を入力してください（セルの書式を「文字列」にしてから入力し直すと、"
                                "Excel が日付に変えません）。"))
        return raw or ""
    return _date_text(raw or "")


_BROKEN = ("Excel ブックが壊れているため読み取れません。Excel で開いて「名前を付けて保存」で Excel ブック（.xlsx）"
           "として保存し直してから、もう一度アップロードしてください。")


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem(None, None, f"ほかに {rest:,} 件の問題があります。")]


# --- the container ---------------------------------------------------------------------------------------


def _open_zip(data: bytes, filename: str | None, refuse) -> zipfile.ZipFile:
    """The upload as a zip that claims to be an xlsx of bounded size, or a refusal saying what it is instead."""
    named = f"ファイル「{_shown(filename)}」は" if filename else "このファイルは"
    if not data:
        refuse(f"{named}空です（0 バイト）。記入した Excel ブック（.xlsx）を選んでください。")
    if len(data) > MAX_UPLOAD_BYTES:
        refuse(f"{named}大きすぎます（{len(data) / _MB:.1f} MB）。アップロードできるのは "
               f"{MAX_UPLOAD_BYTES // _MB} MB までです。")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        refuse(f"{named}古い形式の Excel ブック（.xls）か、パスワードで保護されたブックです。パスワードを外し、Excel の"
               "「名前を付けて保存」で「Excel ブック（*.xlsx）」を選んで .xlsx 形式で保存し直してから、"
               "もう一度アップロードしてください。")
    not_xlsx = f"{named} Excel ブック（.xlsx）ではありません"
    advice = "。配布された Excel ブックに記入し、.xlsx 形式のままアップロードしてください。"
    if data[:4] != b"PK\x03\x04":
        refuse(not_xlsx + _looks_like(data) + advice)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:
        refuse(not_xlsx + "（ZIP 形式として読めません）" + advice)
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        refuse(not_xlsx + "（Excel ブック以外の ZIP ファイルです）" + advice)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        refuse(f"{named}展開すると大きすぎます（{total / _MB:,.0f} MB、上限は {MAX_UNCOMPRESSED_BYTES // _MB} MB）。"
               "配布された Excel ブックに記入してください。")
    return zf


def _looks_like(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return "（PDF ファイルです）"
    for encoding in ("utf-8", "cp932"):
        try:  # an incremental decoder tolerates a character cut at the end of the sample
            text = codecs.getincrementaldecoder(encoding)().decode(data[:4096], final=False)
        except UnicodeDecodeError:
            continue
        if text and all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text):
            return "（CSV などのテキストファイルです）"
    return ""


def _load_grid(zf: zipfile.ZipFile, sheet_name: str, refuse) -> tuple[list[tuple], list[int]]:
    """calamine's used range of the sheet as strings (one tuple per row) and each column's 0-based index."""
    try:
        sheet = fastexcel.read_excel(_repack(zf)).load_sheet(sheet_name, header_row=None, dtypes="string",
                                                             n_rows=MAX_ROWS + 2)
        columns = [c.absolute_index for c in sheet.available_columns()]
        return sheet.to_polars().rows(), columns
    except BaseException as error:  # pyo3 panics are BaseExceptions; a damaged part is one sentence, no traceback
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        refuse(_BROKEN)
        raise  # unreachable: refuse raises


def _repack(zf: zipfile.ZipFile) -> bytes:
    """Every member read back here (CRC-checked, cut at its declared size) into a fresh stored zip for calamine,
    so a member whose real size exceeds its declared one never reaches the Excel parser."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as new:
        for info in zf.infolist():
            if not info.is_dir():
                new.writestr(info.filename, zf.read(info))
    return out.getvalue()


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

    _parse(zf, "xl/workbook.xml", refuse, start=on_sheet)
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        _parse(zf, "xl/_rels/workbook.xml.rels", refuse, start=on_rel)
    found = [(name, rid) for name, rid in sheets if name.strip() == SHEET]
    if not found and hidden:
        refuse(f"シート「{SHEET}」が非表示になっています。Excel でシートを再表示して記入してから、もう一度アップロードしてください。")
    if not found:
        listed = "".join(f"「{_shown(name)}」" for name, _ in sheets) or "なし"
        refuse(f"シート「{SHEET}」が見つかりません（このブックのシート: {listed}）。シート名を「{SHEET}」に戻すか、"
               "配布された Excel ブックに記入し直してください。")
    name, rid = found[0]
    path = rels.get(rid)
    if path is None or path not in zf.namelist():
        refuse(_BROKEN)
    return path, name, (styles[0] if styles else None)


# --- the sheet XML ----------------------------------------------------------------------------------------


class _StopScan(Exception):
    """Internal: the used range is already too large; the caller reports it from the scan."""


class _SheetScan:
    """One streaming pass over the sheet XML with lean expat handlers (element names may carry a prefix).

    Collects the used range (cells holding a value, as calamine counts them), the rows holding one, merged ranges,
    and formula cells and non-text cells as {(row, col): (type, style, stored text)}. Without focus those are kept
    for every column up to a budget (enough for any real workbook); past it .overflow is set and the caller runs a
    focused pass (header row, columns read) that keeps only what it needs. A missing r attribute means the next
    row or column, as the spec says."""

    BUDGET = 20_000

    def __init__(self, refuse, focus: tuple[int, set[int]] | None):
        self.refuse = refuse
        self.focus = focus
        self.first_row: int | None = None
        self.last_row = 0
        self.first_col: int | None = None
        self.last_col = -1
        self.value_rows: set[int] = set()
        self.merges: list[str] = []
        self.formulas: list[tuple[int, int]] = []
        self.types: dict[tuple[int, int], tuple[str, int, str]] = {}
        self.overflow = False
        self._row, self._col, self._t, self._s = 0, -1, None, "0"
        self._formula = self._inline = False
        self._value: list[str] | None = None
        self._grown_row: int | None = None

    @classmethod
    def run(cls, zf: zipfile.ZipFile, path: str, refuse, focus: tuple[int, set[int]] | None = None) -> _SheetScan:
        scan = cls(refuse, focus)
        parser = _parser()
        parser.buffer_text = True
        parser.StartElementHandler = scan._start
        parser.EndElementHandler = scan._end
        parser.CharacterDataHandler = scan._chars
        _feed(parser, zf, path, refuse)
        return scan

    def keep(self, header_row: int, columns: set[int]) -> None:
        """Forget formulas and cell types above the header and outside the columns read."""
        self.formulas = [(r, c) for r, c in self.formulas if r > header_row and c in columns]
        self.types = {(r, c): v for (r, c), v in self.types.items() if r > header_row and c in columns}

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")  # the fast path for "K5"; anything else goes through _cell
                col = _COLUMN_INDEX.get(letters)
                digits = ref[len(letters):]
                if col is not None and digits.isdigit() and digits[0] != "0" and int(digits) <= 1_048_576:
                    self._row, self._col = int(digits), col
                else:
                    self._row, self._col = _cell(ref, self.refuse)
            else:
                self._col += 1
            self._t, self._s = attrs.get("t", "n"), attrs.get("s", "0")
            self._formula = self._inline = False
            self._value = None
        elif name == "v":
            self._value = []
        elif name == "row":
            r = attrs.get("r", "")
            self._row = int(r) if r.isdigit() else self._row + 1
            self._col = -1
        elif name == "f":
            self._formula = True
        elif name == "is":
            self._inline = True
        elif name == "mergeCell" and self.focus is None and attrs.get("ref"):
            _range(attrs["ref"], self.refuse)
            self.merges.append(attrs["ref"])

    def _chars(self, text: str) -> None:
        if self._value is not None:
            self._value.append(text)

    def _end(self, name: str) -> None:
        if name != "c" and not name.endswith(":c"):
            return
        row, col, t, value = self._row, self._col, self._t, self._value
        stored = ""
        if self._inline:
            has_value = True
        elif value is None:
            has_value = False
        elif t == "s" or t == "str":  # a shared or formula string: its <v> is there, its text is not needed
            has_value = True
        else:
            stored = "".join(value)
            has_value = stored != ""
        if self.focus is None:
            if has_value:
                self._grow(row, col)
        elif row <= self.focus[0] or col not in self.focus[1]:
            return
        typed = has_value and t in ("n", "b", "d", "e")
        if not (self._formula or typed):
            return
        if typed and not stored and value is not None:
            stored = "".join(value)
        if self.focus is None and len(self.formulas) + len(self.types) >= self.BUDGET:
            self.overflow = True
            return
        if self._formula:
            self.formulas.append((row, col))
        if typed:
            self.types[(row, col)] = (t, int(self._s) if self._s.isdigit() else 0, stored)

    def _grow(self, row: int, col: int) -> None:
        if row != self._grown_row:  # the row's bookkeeping once per row, not once per cell
            self._grown_row = row
            self.value_rows.add(row)
            if row > self.last_row:
                self.last_row = row
            if self.first_row is None or row < self.first_row:
                self.first_row = row
        if col > self.last_col:
            self.last_col = col
        if self.first_col is None or col < self.first_col:
            self.first_col = col
        if self.last_row - self.first_row > MAX_ROWS or self.last_col >= MAX_COLUMNS:
            raise _StopScan


class _Doctype(Exception):
    """Internal: an XML part declares a DTD."""


def _parser():
    """An expat parser that refuses any DTD (Excel never writes one; it is the door to entity expansion)."""
    def no_dtd(*_args):
        raise _Doctype

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


def _feed(parser, zf: zipfile.ZipFile, path: str, refuse) -> None:
    try:
        with zf.open(path) as f:
            parser.ParseFile(f)
    except _StopScan:
        pass
    except _Refuse:
        raise
    except Exception:  # malformed XML, a DTD, a bad CRC, an unsupported compression: a damaged file
        refuse(_BROKEN)


def _parse(zf: zipfile.ZipFile, path: str, refuse, *, start, end=None) -> None:
    """Stream one small XML part with handlers seeing local element names and attribute names."""
    def local(name: str) -> str:
        return name.rpartition(":")[2]

    parser = _parser()
    parser.StartElementHandler = lambda name, attrs: start(local(name), {local(k): v for k, v in attrs.items()})
    if end is not None:
        parser.EndElementHandler = lambda name: end(local(name))
    _feed(parser, zf, path, refuse)


_COLUMN_INDEX: dict[str, int] = {}
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def _cell(ref: str, refuse) -> tuple[int, int]:
    """"K5" → (5, 10): the Excel row number and the 0-based column index."""
    m = _CELL.fullmatch(ref)
    if m is None:
        m = _CELL.fullmatch(ref.strip().upper())
    if m is None or not 1 <= int(m.group(2)) <= 1_048_576:
        refuse(_BROKEN)
    letters = m.group(1)
    col = _COLUMN_INDEX.get(letters)
    if col is None:
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        col = _COLUMN_INDEX.setdefault(letters, col - 1)  # bounded: at most 18,278 column names
    return int(m.group(2)), col


def _range(ref: str, refuse) -> tuple[tuple[int, int], tuple[int, int]]:
    first, _, last = ref.partition(":")
    return _cell(first, refuse), _cell(last or first, refuse)


def _letters(col: int) -> str:
    """10 → "K"."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _aligned(grid: list[tuple], columns: list[int], shape: _SheetScan) -> bool:
    """calamine's grid starts at the first used row and column: check that it spans the scanned range and that its
    non-empty rows are scanned value rows, so row numbers (and which cell is a formula or a date) cannot shift."""
    if not columns or min(columns) != shape.first_col or len(grid) != shape.last_row - shape.first_row + 1:
        return False
    return all(shape.first_row + i in shape.value_rows for i, values in enumerate(grid)
               if any(v is not None for v in values))


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


def _percent_styles(zf: zipfile.ZipFile, path: str | None) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a percentage (0.735 displayed as 73.5%)."""
    if path is None or path not in zf.namelist():
        return frozenset()
    formats = {"9": "0%", "10": "0.00%"}
    xfs: list[str] = []
    inside = [False]

    def start(name, attrs):
        if name == "numFmt":
            formats[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            inside[0] = True
        elif name == "xf" and inside[0]:
            xfs.append(attrs.get("numFmtId", "0"))

    def end(name):
        if name == "cellXfs":
            inside[0] = False

    _parse(zf, path, lambda _message: None, start=start, end=end)
    literal = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
    return frozenset(i for i, fmt in enumerate(xfs) if "%" in literal.sub("", formats.get(fmt, "")))


# --- cell texts -------------------------------------------------------------------------------------------


def _is_number(text: str | None) -> bool:
    try:
        return text is not None and Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _number_text(text: str, percent: bool) -> str:
    """A number cell as Excel shows it at full precision: 15 significant digits, no exponent, no trailing zeros
    (36821.0 → 36821, 0.7999999999999999 → 0.8); with a percent format 0.735 → 73.5%."""
    d = Decimal(text)
    if percent:
        d = d.scaleb(2)
    d = Decimal(format(d, ".15g")).normalize()
    return ("0" if d.is_zero() else format(d, "f")) + ("%" if percent else "")


def _date_text(text: str) -> str:
    """A date cell outside 値, as Excel shows it in Japan: 2024/3/31 (with the time when there is one)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    day = f"{moment.year}/{moment.month}/{moment.day}"
    return day if moment.time() == datetime.min.time() else f"{day} {moment:%H:%M}"


def _shown(text: str) -> str:
    """A name from the file, safe to quote: no control or invisible characters, cut at 40 characters."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()
    return visible if len(visible) <= 40 else visible[:40] + "…"
