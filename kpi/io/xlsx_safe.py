"""Reading an uploaded .xlsx without trusting it: the checks every spreadsheet upload goes through.

The upload is checked by content, not by name: size, zip magic, declared and actual uncompressed size (the members
are re-packed, so the Excel parser only ever sees bytes already read and CRC-checked here), and a sheet's used
range, all before calamine (through fastexcel) parses anything. XML parts are streamed with expat (no DTDs
allowed); :class:`SheetScan` collects a sheet's used range, formulas, merged cells and cell types in one pass.

Every check takes a ``refuse(message)`` callback that records a Japanese sentence and raises (the department
workbook raises :class:`Refuse`); the readers built on these are :mod:`kpi.io.workbook` (the department workbook)
and :mod:`kpi.io.indicator_import` (indicator lists).
"""
from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from datetime import datetime
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

import fastexcel

__all__ = [
    "MAX_UPLOAD_BYTES", "MAX_UNCOMPRESSED_BYTES", "MAX_ROWS", "MAX_COLUMNS", "BROKEN", "Refuse", "SheetScan",
    "open_zip", "repack", "load_grid", "parse", "cell_range", "letters", "aligned", "percent_styles", "is_number",
    "number_text", "date_text", "shown",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # zip bomb guard: sum of member file_size in the zip directory
MAX_ROWS = 100_000  # data rows below the header
MAX_COLUMNS = 50  # calamine allocates the whole used range: bound it before parsing
_MB = 1024 * 1024


class Refuse(Exception):
    """Stop reading here; the problems collected so far are the answer."""


BROKEN = ("Excel ブックが壊れているため読み取れません。Excel で開いて「名前を付けて保存」で Excel ブック（.xlsx）"
           "として保存し直してから、もう一度アップロードしてください。")


# --- the container ---------------------------------------------------------------------------------------


def open_zip(data: bytes, filename: str | None, refuse) -> zipfile.ZipFile:
    """The upload as a zip that claims to be an xlsx of bounded size, or a refusal saying what it is instead."""
    named = f"ファイル「{shown(filename)}」は" if filename else "このファイルは"
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


def load_grid(zf: zipfile.ZipFile, sheet_name: str, refuse) -> tuple[list[tuple], list[int]]:
    """calamine's used range of the sheet as strings (one tuple per row) and each column's 0-based index."""
    try:
        sheet = fastexcel.read_excel(repack(zf)).load_sheet(sheet_name, header_row=None, dtypes="string",
                                                             n_rows=MAX_ROWS + 2)
        columns = [c.absolute_index for c in sheet.available_columns()]
        return sheet.to_polars().rows(), columns
    except BaseException as error:  # pyo3 panics are BaseExceptions; a damaged part is one sentence, no traceback
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        refuse(BROKEN)
        raise  # unreachable: refuse raises


def repack(zf: zipfile.ZipFile) -> bytes:
    """Every member read back here (CRC-checked, cut at its declared size) into a fresh stored zip for calamine,
    so a member whose real size exceeds its declared one never reaches the Excel parser."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as new:
        for info in zf.infolist():
            if not info.is_dir():
                new.writestr(info.filename, zf.read(info))
    return out.getvalue()


# --- the sheet XML ----------------------------------------------------------------------------------------


class _StopScan(Exception):
    """Internal: the used range is already too large; the caller reports it from the scan."""


class SheetScan:
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
    def run(cls, zf: zipfile.ZipFile, path: str, refuse, focus: tuple[int, set[int]] | None = None) -> SheetScan:
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
            cell_range(attrs["ref"], self.refuse)
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
    except Refuse:
        raise
    except Exception:  # malformed XML, a DTD, a bad CRC, an unsupported compression: a damaged file
        refuse(BROKEN)


def parse(zf: zipfile.ZipFile, path: str, refuse, *, start, end=None) -> None:
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
        refuse(BROKEN)
    letters = m.group(1)
    col = _COLUMN_INDEX.get(letters)
    if col is None:
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        col = _COLUMN_INDEX.setdefault(letters, col - 1)  # bounded: at most 18,278 column names
    return int(m.group(2)), col


def cell_range(ref: str, refuse) -> tuple[tuple[int, int], tuple[int, int]]:
    first, _, last = ref.partition(":")
    return _cell(first, refuse), _cell(last or first, refuse)


def letters(col: int) -> str:
    """10 → "K"."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def aligned(grid: list[tuple], columns: list[int], shape: SheetScan) -> bool:
    """calamine's grid starts at the first used row and column: check that it spans the scanned range and that its
    non-empty rows are scanned value rows, so row numbers (and which cell is a formula or a date) cannot shift."""
    if not columns or min(columns) != shape.first_col or len(grid) != shape.last_row - shape.first_row + 1:
        return False
    return all(shape.first_row + i in shape.value_rows for i, values in enumerate(grid)
               if any(v is not None for v in values))


def percent_styles(zf: zipfile.ZipFile, path: str | None) -> frozenset[int]:
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

    parse(zf, path, lambda _message: None, start=start, end=end)
    literal = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
    return frozenset(i for i, fmt in enumerate(xfs) if "%" in literal.sub("", formats.get(fmt, "")))


# --- cell texts -------------------------------------------------------------------------------------------


def is_number(text: str | None) -> bool:
    try:
        return text is not None and Decimal(text).is_finite()
    except InvalidOperation:
        return False


def number_text(text: str, percent: bool) -> str:
    """A number cell as Excel shows it at full precision: 15 significant digits, no exponent, no trailing zeros
    (36821.0 → 36821, 0.7999999999999999 → 0.8); with a percent format 0.735 → 73.5%."""
    d = Decimal(text)
    if percent:
        d = d.scaleb(2)
    d = Decimal(format(d, ".15g")).normalize()
    return ("0" if d.is_zero() else format(d, "f")) + ("%" if percent else "")


def date_text(text: str) -> str:
    """A date cell outside 値, as Excel shows it in Japan: 2024/3/31 (with the time when there is one)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    day = f"{moment.year}/{moment.month}/{moment.day}"
    return day if moment.time() == datetime.min.time() else f"{day} {moment:%H:%M}"


def shown(text: str) -> str:
    """A name from the file, safe to quote: no control or invisible characters, cut at 40 characters."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")).strip()
    return visible if len(visible) <= 40 else visible[:40] + "…"
