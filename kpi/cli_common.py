"""What the `kpi` command modules share: wrong use (exit 2) and the printed forms of a summary and a batch report.

Light on purpose: `kpi collect` imports this before handing its batch over, and must not pay for Polars.
"""
from __future__ import annotations

import unicodedata

from kpi.domain.bands import BAND_ORDER


class WrongUse(ValueError):
    """The command was used wrongly (exit 2): no operator named, a fiscal year two strategies share…"""


def check_strategy(fiscal_year: int, strategy: str | None, db) -> None:
    """WrongUse (exit 2, naming the strategies) when --strategy is missing and two strategies share the year;
    a year without a cycle is left for the command to report in its own words."""
    if strategy is not None:
        return
    import warehouse
    from warehouse import master

    with warehouse.connect(db) as con:
        codes = master.strategies_of_year(con, fiscal_year)
    if len(codes) > 1:
        raise WrongUse(f"{fiscal_year}年度のサイクルは複数の戦略（{'、'.join(codes)}）にあります。"
                       "--strategy で戦略コードを指定してください")


def operator_of(args):
    """The named local operator of the command, with that account's roles (WrongUse when none is named;
    Forbidden when the login is not an active account)."""
    from kpi.services import operators

    try:
        return operators.operator(args.as_, args.db)
    except operators.OperatorMissing as exc:
        raise WrongUse(str(exc)) from None


def width(text: str) -> int:
    """Columns a text takes in a terminal (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    """The text padded to `cols` terminal columns (right-aligned when right)."""
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def format_summary_table(doc: dict) -> str:
    """The summary as a Japanese table laid out like the seed's (counts per pillar, shares for the scope)."""
    basis = {"approved": "承認済の値", "confirmed": f"確定値反映：確定値 {doc.get('confirmed', 0)}件を見込値に替えて判定"}.get(
        doc["basis"], "未承認を含む（プレビュー）")
    lines = [f"{doc['label']} 成果指標・数値目標の達成状況（{basis}）", ""]
    heads = ["項目・指標"] + [b.label_ja for b in BAND_ORDER]
    widths = [34] + [max(10, width(b.label_ja)) for b in BAND_ORDER]
    lines.append("  ".join(pad(h, w) for h, w in zip(heads, widths)))
    groups = doc["groups"]
    for g in groups[1:]:
        cells = [f"{g['label']} 計{g['total']}指標"] + [str(g["counts"][b.value]) for b in BAND_ORDER]
        lines.append("  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths))))
    total = groups[0]
    cells = [f"（計{total['total']}指標）"] + [f"{total['percent'][b.value]:.1f}%" for b in BAND_ORDER]
    lines.append("  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths))))
    counts = ["（件数）"] + [str(total["counts"][b.value]) for b in BAND_ORDER]
    lines.append("  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(counts, widths))))
    if total.get("unrated"):
        lines.append(f"※ 承認済の値がない指標 {total['unrated']} 件は集計に含めていません")
    if total.get("undecidable"):
        lines.append(f"※ 判定不能（比較する値が未入力）の指標 {total['undecidable']} 件は帯に数えていません")
    return "\n".join(lines)


def print_report(report) -> None:
    """A batch's outcome and its findings (row, column, code, message)."""
    status = {"landed": "取り込みました", "refused": "取り込めませんでした（何も保存していません）",
              "received": "受け付けました（未処理）"}[report.status]
    print(f"受付番号 {report.batch_id}: {status}　保存 {report.saved}件")
    for f in report.findings:
        where = "　".join(x for x in (f"{f.row_no}行目" if f.row_no else "", f.field or "", f.code or "") if x)
        print(f"  [{'エラー' if f.severity == 'error' else '警告'}] {where + ': ' if where else ''}{f.message}")
