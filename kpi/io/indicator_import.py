"""Indicator lists as files: the import template (with instructions) and a reader for .xlsx and CSV uploads.

Columns of sheet 指標一覧 (row 1 is the header; a title above it is allowed; headers match ignoring spaces and
full/half width, and common wordings of planning documents are accepted, e.g. 現状・基準値 for 現状（基準値））:

=================  ====  ==================================================================================
column             req.  content
=================  ====  ==================================================================================
コード             no    the indicator's code (e.g. P2-3-08); blank: P{柱}-{項目}-{連番} is assigned
柱                 yes   number and name 「1 波及効果の高いプロジェクト」 (a new pillar needs its name)
項目               yes   number and name 「①ICTを活用した庁内業務の効率化」 (a new item needs its name)
指標名             yes   the indicator's name
定義               no    what is counted
単位               no    人, 件, %, 千枚 …; blank: the unit printed with the target (or the baseline)
担当課             yes   a department code (kpi departments) or its exact name
現状（基準値）     no    「710社 (2022年度)」「R元年度：65,667件/月」; 「-」 or blank: no baseline
目標               yes   「720社 (2027年度)」「増加を目指す」「85%以上」「県・52市町村・13林業事業体」 or a text
目標の種類         no    数値・増加・減少・定性・複合; blank: read from 目標
出典               no    data source
=================  ====  ==================================================================================

The reader checks the upload by content (never by its name): size, then xlsx (zip, checked and re-packed by
kpi.io.xlsx_safe before calamine parses it), legacy .xls/PDF refused with advice, otherwise a
CSV in UTF-8 (with or without BOM) or Shift_JIS (cp932), comma- or tab-separated. Row numbers are the ones the
person sees in Excel. Problems are :class:`kpi.io.workbook.Problem` raised together as
:class:`kpi.io.workbook.WorkbookRefused`.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

import fastexcel
import xlsxwriter

import posixpath
import zipfile

from kpi.io.workbook import Problem, WorkbookRefused
from kpi.io.xlsx_safe import MAX_COLUMNS as _SCAN_MAX_COLUMNS  # where the used-range scan stops
from kpi.io.xlsx_safe import SheetScan, number_text, open_zip, parse, percent_styles, repack

__all__ = ["SHEET", "INSTRUCTIONS", "EXAMPLES", "COLUMNS", "REQUIRED", "MAX_UPLOAD_BYTES", "MAX_ROWS", "SheetRow",
           "read_indicator_file", "write_indicator_template"]

SHEET = "指標一覧"
INSTRUCTIONS = "記入方法"
EXAMPLES = "記入例"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 60
_MB = 1024 * 1024

COLUMNS = ("コード", "柱", "項目", "指標名", "定義", "単位", "担当課", "現状（基準値）", "目標", "目標の種類", "出典")
REQUIRED = ("柱", "項目", "指標名", "担当課", "目標")
_ALIASES = {
    "コード": ("指標コード", "指標番号"),
    "柱": ("戦略の柱", "基本方針", "柱番号"),
    "項目": ("施策", "取組項目", "施策の方向", "項目番号"),
    "指標名": ("指標", "成果指標", "成果指標名", "数値目標", "成果指標・数値目標"),
    "定義": ("指標の定義", "説明", "指標の説明"),
    "単位": (),
    "担当課": ("所管課", "担当部局", "担当課コード", "担当部署", "所管"),
    "現状（基準値）": ("現状", "現状値", "基準値", "現状（基準年度）", "基準値（現状）", "現状値（基準値）", "基準値（基準年度）"),
    "目標": ("目標値", "目標（目標年度）", "目標値（目標年度）"),
    "目標の種類": ("目標種別", "目標の型"),
    "出典": ("データ出典", "出典・データソース", "データソース", "出所"),
}
_WIDTHS = (10, 26, 30, 40, 36, 8, 14, 22, 26, 10, 24)


def _key(text: object) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(text or "")) if not ch.isspace()).casefold()


_HEADERS = {_key(alias): name for name in COLUMNS for alias in (name, *_ALIASES[name])}


@dataclass(frozen=True)
class SheetRow:
    """One data row as typed: the Excel (or CSV) row number and {column: text} for the columns found."""

    row_no: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """The cell's text ('' when the column is absent or the cell empty)."""
        return self.cells.get(column, "")


# ---------------------------------------------------------------------------------------------------------
# reading


class _Refuse(Exception):
    """Internal: stop reading; the problems collected so far are the answer."""


def read_indicator_file(data: bytes, *, filename: str | None = None) -> list[SheetRow]:
    """Every non-empty data row of an indicator list (.xlsx or CSV, told apart by content), as typed;
    WorkbookRefused listing every problem with the file itself (size, format, encoding, headers)."""
    problems: list[Problem] = []

    def refuse(message: str, row: int | None = None, column: str | None = None):
        problems.append(Problem(row, column, message))
        raise _Refuse

    rows: list[SheetRow] = []
    try:
        named = f"ファイル「{filename}」は" if filename else "このファイルは"
        if not data:
            refuse(f"{named}空です（0 バイト）。指標一覧の Excel ブック（.xlsx）か CSV ファイルを選んでください。")
        if len(data) > MAX_UPLOAD_BYTES:
            refuse(f"{named}大きすぎます（{len(data) / _MB:.1f} MB）。取り込めるのは {MAX_UPLOAD_BYTES // _MB} MB までです。")
        if data[:4] == b"PK\x03\x04":
            grid = _xlsx_grid(data, filename, refuse)
        elif data[:4] == b"\xd0\xcf\x11\xe0":
            refuse(f"{named}古い形式の Excel ブック（.xls）か、パスワードで保護されたブックです。Excel で"
                   "「名前を付けて保存」から .xlsx 形式で保存し直してください。")
        elif data[:4] == b"%PDF":
            refuse(f"{named}PDF ファイルです。指標一覧は Excel ブック（.xlsx）か CSV ファイルで取り込んでください。")
        else:
            grid = _csv_grid(data, named, refuse)
        rows = _rows(grid, problems)
    except _Refuse:
        pass
    if problems:
        raise WorkbookRefused(problems)
    return rows


def _xlsx_grid(data: bytes, filename: str | None, refuse) -> list[list[str]]:
    """The sheet 指標一覧 (else the first sheet other than the instructions) as text, row 1 first."""
    def refuse_one(message: str):
        refuse(message)

    zf = open_zip(data, filename, refuse_one)
    _bounded(zf, refuse)
    try:
        reader = fastexcel.read_excel(repack(zf))
        names = reader.sheet_names
        candidates = [n for n in names if n.strip() == SHEET] or [n for n in names
                                                                  if n.strip() not in (INSTRUCTIONS, EXAMPLES)]
        if not candidates:
            refuse(f"シート「{SHEET}」が見つかりません（このブックのシート: {'、'.join(names) or 'なし'}）。")
        sheet = reader.load_sheet(candidates[0], header_row=None, skip_rows=0, dtypes="string",
                                  n_rows=MAX_ROWS + 12)
        width = max((c.absolute_index for c in sheet.available_columns()), default=-1) + 1
        if width > MAX_COLUMNS:
            refuse(f"シート「{candidates[0]}」の列が多すぎます（{width}列）。配布したテンプレートの列のままにしてください。")
        offset = min((c.absolute_index for c in sheet.available_columns()), default=0)
        grid = [[""] * offset + [("" if v is None else str(v)) for v in row] for row in sheet.to_polars().rows()]
        for (row, col), shown in _percent_cells(zf, candidates[0], refuse).items():
            if row - 1 < len(grid) and col < len(grid[row - 1]):
                grid[row - 1][col] = shown
    except _Refuse:
        raise
    except BaseException as error:  # pyo3 panics are BaseExceptions: a damaged file is one sentence
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        refuse("Excel ブックが壊れているため読み取れません。Excel で開いて .xlsx 形式で保存し直してください。")
    if len(grid) > MAX_ROWS + 11:
        refuse(f"行が多すぎます。1つのファイルで取り込めるのは {MAX_ROWS:,} 行までです。")
    return grid


def _bounded(zf: zipfile.ZipFile, refuse) -> None:
    """calamine allocates a sheet's whole used range before reading it (a 5 KB file with cells in A1 and XFD1048576
    asks for 512 GB and aborts the process): every sheet's used range is scanned with expat first."""
    for name in zf.namelist():
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        shape = SheetScan.run(zf, name, refuse)
        if shape.first_row is None:
            continue
        rows = shape.last_row - shape.first_row + 1
        if shape.last_col >= min(MAX_COLUMNS, _SCAN_MAX_COLUMNS) or rows > MAX_ROWS + 12:
            refuse(f"シートの入力範囲が広すぎます（{_letters(shape.last_col)}列・{shape.last_row:,}行目まで入力があります）。"
                   "配布したテンプレートの列と行の範囲に入力してください。")


def _percent_cells(zf: zipfile.ZipFile, sheet_name: str, refuse) -> dict[tuple[int, int], str]:
    """Number cells shown as a percentage ("85%" typed into a General cell is stored as 0.85): {(row, col): "85%"}."""
    sheets: dict[str, str] = {}
    rels: dict[str, str] = {}
    styles: list[str] = []

    def on_sheet(name, attrs):
        if name == "sheet":
            sheets[attrs.get("name", "")] = attrs.get("id", "")

    def on_rel(name, attrs):
        if name == "Relationship":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            rels[attrs.get("Id", "")] = path
            if attrs.get("Type", "").endswith("/styles"):
                styles.append(path)

    names = zf.namelist()
    parse(zf, "xl/workbook.xml", refuse, start=on_sheet)
    if "xl/_rels/workbook.xml.rels" in names:
        parse(zf, "xl/_rels/workbook.xml.rels", refuse, start=on_rel)
    path = rels.get(sheets.get(sheet_name, ""))
    percent = percent_styles(zf, styles[0] if styles else None)
    if path is None or path not in names or not percent:
        return {}
    scan = SheetScan.run(zf, path, refuse)
    return {cell: number_text(stored, True) for cell, (t, style, stored) in scan.types.items()
            if t == "n" and style in percent and stored.strip()}


def _decode(data: bytes, named: str, refuse) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        refuse(f"{named}UTF-16 のテキストです。Excel の「名前を付けて保存」で「CSV UTF-8（コンマ区切り）」か"
               "「CSV（コンマ区切り）」を選んで保存し直してください。")
    if b"\x00" in data[:65536]:
        refuse(f"{named}Excel ブック（.xlsx）でも CSV ファイルでもありません。指標一覧の .xlsx か CSV を選んでください。")
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    refuse(f"{named}文字コードを読み取れません。CSV は UTF-8 か Shift_JIS で保存してください"
           "（Excel では「CSV UTF-8（コンマ区切り）」）。")
    raise AssertionError  # unreachable: refuse raises


def _csv_grid(data: bytes, named: str, refuse) -> list[list[str]]:
    text = _decode(data, named, refuse)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        grid = []
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            grid.append(record)
            if len(grid) > MAX_ROWS + 11:
                refuse(f"行が多すぎます。1つのファイルで取り込めるのは {MAX_ROWS:,} 行までです。")
            if len(record) > MAX_COLUMNS:
                refuse(f"{len(grid)}行目の列が多すぎます（{len(record)}列）。区切り文字がずれていないか確認してください。",
                       row=len(grid))
    except csv.Error:
        refuse(f"{named}CSV として読み取れません（{len(grid) + 1}行目付近の「\"」の対応が取れていません）。",
               row=len(grid) + 1)
    return grid


def _rows(grid: list[list[str]], problems: list[Problem]) -> list[SheetRow]:
    """Find the header among the top ten rows, map columns, and return the non-empty rows below it."""
    header_at = None
    for i, values in enumerate(grid[:10]):
        found = {_HEADERS.get(_key(v)) for v in values} - {None}
        if {"指標名", "目標"} <= found:
            header_at = i
            break
    if header_at is None:
        problems.append(Problem(1, None, "見出しの行（柱・項目・指標名・担当課・目標 …）が見つかりません。"
                                "テンプレートの1行目の見出しをそのまま使ってください。"))
        raise _Refuse
    header_row = header_at + 1
    columns: dict[str, int] = {}
    for col, value in enumerate(grid[header_at]):
        name = _HEADERS.get(_key(value))
        if name is None:
            continue
        if name in columns:
            problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」にあたる列が複数あります"
                                    f"（{_letters(columns[name])}列と{_letters(col)}列）。1つにしてください。"))
            continue
        columns[name] = col
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(header_row, name, f"{header_row}行目に「{name}」の列がありません。"
                                    "テンプレートの見出しのとおりに列を用意してください。"))
    if problems:
        raise _Refuse
    rows = []
    width = len(grid[header_at])
    for i in range(header_at + 1, len(grid)):
        values = grid[i]
        if len(values) > width and any(v.strip() for v in values):
            problems.append(Problem(i + 1, None, f"{i + 1}行目の列の数（{len(values)}）が見出し（{width}列）より多く、"
                                    "値が列からずれています。"
                                    "CSV で値に「,」が含まれる場合は、その値を「\"」で囲んでください"
                                    "（例: \"1,200件\"）。"))
            continue
        cells = {name: (values[col] if col < len(values) else "").strip("\r\n") for name, col in columns.items()}
        if any(v.strip() for v in cells.values()):
            rows.append(SheetRow(i + 1, cells))
    if problems:
        raise _Refuse
    if len(rows) > MAX_ROWS:
        problems.append(Problem(None, None, f"行が多すぎます（{len(rows):,}行）。1つのファイルで取り込めるのは "
                                f"{MAX_ROWS:,} 行までです。"))
        raise _Refuse
    if not rows:
        problems.append(Problem(header_row + 1, None, "指標の行がありません。見出しの下の行に1行1指標で入力してください。"))
        raise _Refuse
    return rows


def _letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# ---------------------------------------------------------------------------------------------------------
# the template

_NOTES = (
    ("このブックの使い方", f"「{SHEET}」シートに1行1指標で入力し、「指標の取込」ページ（審査担当・管理者）からアップロードするか、"
                  "kpi import-indicators ファイル --strategy 戦略コード で取り込みます。CSV（UTF-8 または Shift_JIS）でも"
                  f"取り込めます。1行でも読み取れないセルがあると、何も取り込まずに行と列ごとの問題の一覧を返します"
                  f"（{MAX_UPLOAD_BYTES // _MB} MB・{MAX_ROWS:,} 行まで）。"),
    ("コード（任意）", "指標のコード（例: P2-3-08）。空欄なら「P柱-項目-連番」を自動で付けます。戦略に既にあるコードは使えません。"),
    ("柱（必須）", "番号と名前（例: 1 波及効果の高いプロジェクト）。戦略にない番号の柱は、名前があれば新しく作ります。"),
    ("項目（必須）", "柱の中の番号と名前（例: ①ICTを活用した庁内業務の効率化、1 ICTを活用した…）。新しい項目も名前があれば作ります。"),
    ("指標名（必須）", "指標の名前。"),
    ("定義（任意）", "何を数えるか。"),
    ("単位（任意）", "人・件・%・千枚・件/月 など。空欄なら目標（または現状）の数値に付いている単位を使います。"
                "「千枚」「万人」のように千・万を含む単位は、この列に書いてください。"),
    ("担当課（必須）", "担当課コード（例: GYOKAKU）か、登録されている担当課の名前。未登録の担当課は先に「管理」ページで登録してください。"),
    ("現状（基準値）（任意）", "数値と年度: 710社 (2022年度)、710社（令和4年度末）、R元年度：65,667件/月、H30年度 103,222件。"
                        "全角数字・桁区切り・約3.6万人も読めます。現状がない場合は「-」か空欄。"
                        "定性目標の現状は文章のまま（例: 未整備）。複合目標は目標と同じ部分で（例: 県・30市町村・5林業事業体）。"),
    ("目標（必須）", "数値目標: 720社 (2027年度)、85%以上、85%を超える、12%以下、12.0%まで減少。\n"
                "増加・減少を目指す目標: 増加を目指します、減少を目指す（現状が必須）。\n"
                "複合目標: 県・52市町村・13林業事業体（「・」で区切る。数字のない部分は1）。\n"
                "定性目標: 数字を含まない文章（例: 相談窓口等の設置）。"),
    ("目標の種類（任意）", "数値・増加・減少・定性・複合 のどれか。空欄なら目標の書き方から判断します。"
                      "数字を含む文章の目標（例: 全54市町村で導入）を定性目標にするときは「定性」と書いてください。"),
    ("出典（任意）", "データの出典（例: 行政改革推進課調べ）。"),
    ("方向", "目標が「以下・未満・減少」のとき、または数値目標が現状より小さいときは「低い方が良い」、それ以外は「高い方が良い」"
           "として取り込みます。"),
)
_EXAMPLE_ROWS = (
    ("", "2 個別施策", "3 生産性の高い産業に支えられる社会", "県内のDX推進企業数", "", "社", "KEIZAI",
     "710社 (2022年度)", "720社 (2027年度)", "", "経済政策課調べ"),
    ("", "1 波及効果の高いプロジェクト", "③ICTを効果的に利活用できる人材の育成", "プログラミング指導をする教員数", "",
     "名", "GAKUSHU", "25名（R元年度）", "増加を目指します", "", "学習指導課調べ"),
    ("", "2 個別施策", "1 あらゆる人が暮らしやすい社会", "紙で提出を求める県の様式数", "", "件", "SOMU",
     "6,000件（令和元年度）", "減少を目指す", "", ""),
    ("", "2 個別施策", "2 誰もがどこでも能力を発揮できる社会", "ICT関連訓練科の就職率", "", "%", "JINZAI", "-",
     "85%以上（2027年度）", "", ""),
    ("", "2 個別施策", "3 生産性の高い産業に支えられる社会", "森林情報システムを利用する団体数", "", "団体", "SHINRIN", "-",
     "県・52市町村・13林業事業体", "", ""),
    ("", "3 推進を支える土台づくり", "1 県民・市町村との連携", "デジタル化の相談体制の整備", "", "", "JOHO", "未整備",
     "相談窓口等の設置", "定性", ""),
)


def write_indicator_template() -> bytes:
    """The .xlsx bytes of the import template: empty sheet 指標一覧 (text-formatted), 記入例 and 記入方法."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    wb.set_properties({"title": "成果指標の一覧（取込用テンプレート）"})
    text = wb.add_format({"num_format": "@", "valign": "top", "text_wrap": True})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter", "text_wrap": True})
    head_required = wb.add_format({"bold": True, "bg_color": "#FFE699", "border": 1, "valign": "vcenter",
                                   "text_wrap": True})
    for name, rows in ((SHEET, ()), (EXAMPLES, _EXAMPLE_ROWS)):
        ws = wb.add_worksheet(name)
        for col, (label, width) in enumerate(zip(COLUMNS, _WIDTHS)):
            ws.set_column(col, col, width, text)  # text format: Excel keeps 85% and 2022/4 as typed
            ws.write_string(0, col, label, head_required if label in REQUIRED else head)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                ws.write_string(r, col, value, text)
        ws.freeze_panes(1, 0)
        if name == SHEET:
            ws.activate()
    notes = wb.add_worksheet(INSTRUCTIONS)
    bold = wb.add_format({"bold": True, "valign": "top", "text_wrap": True})
    body = wb.add_format({"valign": "top", "text_wrap": True})
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 100)
    notes.write_string(0, 0, "成果指標の一覧 取込用テンプレート 記入方法", wb.add_format({"bold": True, "font_size": 14}))
    notes.write_string(1, 0, f"黄色の見出しは必須の列です。「{EXAMPLES}」シートに記入例があります。", body)
    for r, (label, line) in enumerate(_NOTES, start=3):
        notes.write_string(r, 0, label, bold)
        notes.write_string(r, 1, line, body)
    wb.close()
    return buf.getvalue()
