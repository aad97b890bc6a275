"""Sanitized exports: CSV (UTF-8 with BOM, which Excel opens correctly) where no cell can become a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """A string that a spreadsheet would read as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[dict]) -> bytes:
    """Rows as CSV text, UTF-8 with BOM, every cell neutralized."""
    rows = list(rows)
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\r\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: neutralize("" if v is None else v) for k, v in r.items()})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
