"""The audit trail is append-only: statements that would rewrite audit rows are refused before they run.

Used by both backends' connections (warehouse/connection.py for DuckDB, warehouse/pg.py for PostgreSQL, where a
trigger refuses the same in the database itself).
"""
from __future__ import annotations

import re


class AuditIsAppendOnly(PermissionError):
    """A statement tried to change or remove audit rows."""


# DuckDB has no triggers or grants. The audit trail is protected by its hash chain (warehouse/audit.py); as
# defence in depth, the one module that opens the file refuses every statement that names audit_log together
# with a writing keyword, except the append function's own statements and the shipped migrations. The text is
# read as DuckDB reads it: comments and string literals are dropped, quoted identifiers unquoted, case folded.
_WRITING = frozenset({"insert", "update", "delete", "truncate", "drop", "alter", "create", "copy", "merge", "import",
                      "upsert"})
_WORD = re.compile(r"[^\W\d]\w*")
_allowed: frozenset[str] | None = None


def _allowed_writes() -> frozenset[str]:
    global _allowed
    if _allowed is None:
        from warehouse.audit import WRITES
        from warehouse.migrations import discover

        _allowed = WRITES | frozenset(m.sql() for m in discover())
    return _allowed


def _words(sql: str) -> set[str]:
    """The bare words of a statement: comments and string literals dropped, quoted identifiers unquoted."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            i = sql.find("\n", i)
            i = n if i < 0 else i
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif ch == "'":  # a string literal ('' inside is a quote; in E'…' a backslash escapes too)
            escapes = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            i += 1
            while i < n and not (sql[i] == "'" and not sql.startswith("''", i)):
                i += 2 if sql.startswith("''", i) or (escapes and sql[i] == "\\") else 1
            i += 1
            out.append(" ")
        elif ch == "$" and (m := re.match(r"\$(\w*)\$", sql[i:])):  # a dollar-quoted string
            end = sql.find(m.group(0), i + len(m.group(0)))
            i = n if end < 0 else end + len(m.group(0))
            out.append(" ")
        elif ch == '"':  # a quoted identifier: its text is the name
            end = sql.find('"', i + 1)
            end = n if end < 0 else end
            out.append(" " + sql[i + 1:end] + " ")
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return set(_WORD.findall("".join(out).casefold()))


def refuse_audit_rewrite(sql: object) -> None:
    if not isinstance(sql, str) or "audit_log" not in sql.casefold():
        return
    words = _words(sql)
    if "audit_log" in words and words & _WRITING and sql not in _allowed_writes():
        raise AuditIsAppendOnly("監査ログは追記のみです。既存の記録を変更・削除することはできません。")
