"""The stamp of a downloaded department workbook: its department, fiscal year, and per row the stored version and a
fingerprint of the six input texts at download time, kept as the workbook's custom document properties.

Excel and LibreOffice keep custom properties when a workbook is saved again, so an upload can say whose sheet it is,
which rows the person changed since the download, and whether someone else saved a row in the meantime. A workbook
without a stamp (made by hand, or older) is read as before.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.parsers import expat

PREFIX = "kpi."
_PART = "docProps/custom.xml"
_MAX_PART = 2 * 1024 * 1024


@dataclass(frozen=True)
class Stamp:
    """Whose sheet a workbook is, and each row as it was at download: code → (version or None, fingerprint)."""

    department: str
    fiscal_year: int
    rows: dict[str, tuple[int | None, str]] = field(default_factory=dict)


def fingerprint(texts: Iterable[str]) -> str:
    """A short digest of a row's input texts (spaces around each text ignored)."""
    joined = "\x1f".join((t or "").strip() for t in texts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def properties(stamp: Stamp) -> list[tuple[str, str]]:
    """The custom document properties (name, text) that carry a stamp."""
    props = [(f"{PREFIX}department", stamp.department), (f"{PREFIX}fiscal_year", str(stamp.fiscal_year))]
    props += [(f"{PREFIX}row.{code}", f"{'' if v is None else v}:{fp}") for code, (v, fp) in stamp.rows.items()]
    return props


def read_stamp(data: bytes) -> Stamp | None:
    """The stamp of an .xlsx already accepted by the workbook reader; None when it has none or it cannot be read."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        info = zf.getinfo(_PART)
        if info.file_size > _MAX_PART:
            return None
        props = _parse(zf.read(info))
    except (KeyError, zipfile.BadZipFile, expat.ExpatError, ValueError, OSError):
        return None
    try:
        department, year = props[f"{PREFIX}department"], int(props[f"{PREFIX}fiscal_year"])
    except (KeyError, ValueError):
        return None
    rows = {}
    for name, text in props.items():
        if name.startswith(f"{PREFIX}row."):
            version, _, fp = text.partition(":")
            rows[name[len(PREFIX) + 4:]] = (int(version) if version.isdigit() else None, fp)
    return Stamp(department, year, rows)


def _parse(xml: bytes) -> dict[str, str]:
    def refuse(*_args):
        raise ValueError("DTD")

    props: dict[str, str] = {}
    current: list = [None, []]
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse

    def start(name, attrs):
        if name.rpartition(":")[2] == "property":
            current[0], current[1] = attrs.get("name"), []

    def end(name):
        if name.rpartition(":")[2] == "property" and current[0]:
            props[current[0]] = "".join(current[1])
            current[0] = None

    def chars(text):
        if current[0]:
            current[1].append(text)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.Parse(xml, True)
    return props
