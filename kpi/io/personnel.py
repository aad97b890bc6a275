"""A personnel list (職員名簿) as a division keeps it — CSV or .xlsx — read into account rows for the import.

Columns (the header row names them; English names are accepted too): ログインID, 氏名, 役割, 担当課, 初期パスワード.
役割 and 担当課 may hold several entries separated by 「、」「・」「,」「;」 or spaces; roles are written in Japanese
(入力担当, 審査担当, 幹部, システム管理者) or as codes (editor, reviewer, executive, admin).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata

_ALIASES = (  # field → headers as written (lower-cased, NFKC)
    ("login", ("ログインid", "login")), ("display_name", ("氏名", "氏名・表示名", "name")),
    ("roles", ("役割", "roles")), ("departments", ("担当課", "担当課コード", "departments")),
    ("initial", ("初期パスワード", "パスワード", "password")),
)
COLUMNS = {alias: field for field, aliases in _ALIASES for alias in aliases}
ROLES = {"入力担当": "editor", "担当課入力担当": "editor", "editor": "editor", "所属長承認者": "dept_head",
         "所属長": "dept_head", "dept_head": "dept_head", "審査担当": "reviewer",
         "reviewer": "reviewer", "幹部": "executive", "executive": "executive", "システム管理者": "admin",
         "管理者": "admin", "admin": "admin"}
_SPLIT = re.compile(r"[、・,;\s]+")


class PersonnelError(ValueError):
    """The file cannot be read as a personnel list; str() is Japanese."""


def _cells(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        import fastexcel

        try:
            sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the person's file, not our fault
            raise PersonnelError(f"{filename} を Excel ファイルとして読めません（{type(exc).__name__}）") from None
        frame = sheet.to_polars()
        return [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise PersonnelError(f"{filename} の文字コードを読めません（UTF-8 か Shift_JIS で保存してください）") from None
    return list(csv.reader(io.StringIO(text)))


def _split(text: str) -> list[str]:
    return [p for p in _SPLIT.split(unicodedata.normalize("NFKC", text or "").strip()) if p]


def read_personnel(data: bytes, filename: str) -> tuple[list[dict], list[str]]:
    """Rows {"row", "login", "display_name", "password", "roles", "departments"} and every problem found."""
    rows = [r for r in _cells(data, filename) if any((c or "").strip() for c in r)]
    if not rows:
        raise PersonnelError(f"{filename} に行がありません")
    header = [COLUMNS.get(unicodedata.normalize("NFKC", h or "").strip().lower()) for h in rows[0]]
    missing = {"login", "display_name", "roles"} - set(header)
    if missing:
        names = {"login": "ログインID", "display_name": "氏名", "roles": "役割"}
        raise PersonnelError(f"1行目に列「{'」「'.join(names[m] for m in sorted(missing))}」がありません")
    out, problems = [], []
    for n, cells in enumerate(rows[1:], start=2):
        rec = {f: (cells[i] if i < len(cells) else "").strip() for i, f in enumerate(header) if f}
        roles = []
        for word in _split(rec.get("roles", "")):
            role = ROLES.get(word.lower())
            if role is None:
                problems.append(f"{n}行目: 役割「{word}」は不明です（入力担当・審査担当・幹部・システム管理者）")
            else:
                roles.append(role)
        out.append({"row": n, "login": rec.get("login", ""), "display_name": rec.get("display_name", ""),
                    "password": rec.get("initial", ""), "roles": sorted(set(roles)),
                    "departments": [d.upper() for d in _split(rec.get("departments", ""))]})
    return out, problems
