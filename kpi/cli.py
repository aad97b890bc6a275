"""The `kpi` command line: every command accepts --db PATH (default: the app's data file)."""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from kpi.domain.bands import BAND_ORDER, Band


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def format_summary_table(doc: dict) -> str:
    """The summary as a Japanese table laid out like the seed's (counts per pillar, shares for the scope)."""
    basis = "承認済の値" if doc["basis"] == "approved" else "未承認を含む（プレビュー）"
    lines = [f"{doc['label']} 成果指標・数値目標の達成状況（{basis}）", ""]
    heads = ["項目・指標"] + [b.label_ja for b in BAND_ORDER]
    widths = [34] + [max(10, _width(b.label_ja)) for b in BAND_ORDER]
    lines.append("  ".join(_pad(h, w) for h, w in zip(heads, widths)))
    groups = doc["groups"]
    for g in groups[1:]:
        cells = [f"{g['label']} 計{g['total']}指標"] + [str(g["counts"][b.value]) for b in BAND_ORDER]
        lines.append("  ".join(_pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths))))
    total = groups[0]
    cells = [f"（計{total['total']}指標）"] + [f"{total['percent'][b.value]:.1f}%" for b in BAND_ORDER]
    lines.append("  ".join(_pad(c, w, i > 0) for i, (c, w) in enumerate(zip(cells, widths))))
    counts = [f"（件数）"] + [str(total["counts"][b.value]) for b in BAND_ORDER]
    lines.append("  ".join(_pad(c, w, i > 0) for i, (c, w) in enumerate(zip(counts, widths))))
    if total.get("unrated"):
        lines.append(f"※ 承認済の値がない指標 {total['unrated']} 件は集計に含めていません")
    return "\n".join(lines)


def _cmd_summary(args) -> int:
    from kpi.services.summaries import cycle_summary

    doc = cycle_summary(args.cycle, pillars=args.pillar, basis=args.basis, db=args.db)
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(format_summary_table(doc))
    return 0


def _cmd_demo(args) -> int:
    from kpi.services.demo import load_demo

    result = load_demo(args.db)
    if result["loaded"]:
        print(f"デモデータを読み込みました（指標 {result['indicators']} 件、値 {result['values']} 件）")
    else:
        print("データが既にあるため、デモデータは読み込みませんでした")
    return 0


def _cmd_init(args) -> int:
    import warehouse

    applied = warehouse.init_db(args.db)
    print(f"マイグレーションを適用しました: {applied}" if applied else "スキーマは最新です")
    if args.demo:
        return _cmd_demo(args)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="kpi", description="戦略の成果指標 進捗管理")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_ja: str):
        p = sub.add_parser(name, help=help_ja, description=help_ja)
        p.add_argument("--db", default=None, help="DuckDB ファイル（既定: data/kpi.duckdb または $KPI_DB）")
        return p

    p = add("summary", "達成状況の集計（帯ごとの件数と割合）を表示します")
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2021")
    p.add_argument("--pillar", type=int, nargs="+", action="extend", help="柱の番号（複数可）")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.add_argument("--basis", choices=("approved", "all"), default="approved",
                   help="approved: 承認済の値のみ（既定） / all: 未承認を含むプレビュー")
    p.set_defaults(func=_cmd_summary)

    p = add("demo", "新しいデータベースを初期化し、デモデータ（令和3年度 千葉県ICT利活用戦略）を読み込みます")
    p.set_defaults(func=_cmd_demo)

    p = add("init", "スキーマを作成・更新します（--demo で空のときデモデータも読み込み）")
    p.add_argument("--demo", action="store_true")
    p.set_defaults(func=_cmd_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kpi` console script."""
    from kpi.services.actors import Forbidden
    from kpi.services.summaries import NotFound
    from warehouse import WarehouseBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (NotFound, Forbidden, WarehouseBusy) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
