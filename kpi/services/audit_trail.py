"""Checking the audit trail's hash chain (`kpi audit verify`): for the operator who holds the warehouse file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import warehouse
from warehouse import audit

_WHY = {
    "link": "直前の記録とつながりません（記録が削除・挿入されたか、順序が変えられています）",
    "content": "内容が記録時と違います（書き換えられています）",
    "unsealed": "連鎖のハッシュがありません（追記の仕組みを通さずに書き込まれています）",
}


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a check: whether the chain holds, how many rows, the head hash, and a Japanese message."""

    ok: bool
    rows: int
    head: str
    message: str


def verify(*, db: Path | str | None = None) -> ChainReport:
    """Recompute the audit trail's hash chain; the message names the first row that breaks it, if any."""
    with warehouse.connect(db) as con:
        verdict = audit.verify(con)
    if verdict.broken is None:
        return ChainReport(True, verdict.rows, verdict.head,
                           f"監査ログ {verdict.rows:,}件の連鎖を確認しました。改ざんは見つかりませんでした"
                           f"（最新の記録のハッシュ: {verdict.head or 'なし'}）")
    b = verdict.broken
    where = f"{b.position:,}件目の記録（監査番号 {b.audit_id}）"
    return ChainReport(False, verdict.rows, verdict.head,
                       f"監査ログの連鎖が壊れています: {where}が{_WHY[b.reason]}。"
                       f"それより前の {b.position - 1:,}件は記録時のままです")
