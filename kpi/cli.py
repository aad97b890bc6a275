"""The `kpi` command line: every command accepts --db PATH or a postgresql:// URL (default: the app's data).

The commands live by group — kpi/cli_cycle.py (what addresses a cycle), kpi/cli_data.py (setting up and keeping
the warehouse), kpi/cli_admin.py (administration and the value workflow); this module builds the parser and maps
what a command raises to its exit code.
"""
from __future__ import annotations

import argparse
import sys

from kpi.cli_common import WrongUse, format_summary_table

__all__ = ["build_parser", "format_summary_table", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    from kpi import cli_admin, cli_chain, cli_confirm, cli_cycle, cli_data

    parser = argparse.ArgumentParser(prog="kpi", description="戦略の成果指標 進捗管理")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_ja: str):
        p = sub.add_parser(name, help=help_ja.replace("%", "%%"), description=help_ja)  # help is %-formatted
        p.add_argument("--db", default=None, help="DuckDB ファイルまたは postgresql://… の URL"
                                                  "（既定: $KPI_DATABASE_URL、なければ data/kpi.duckdb または $KPI_DB）")
        return p

    cli_cycle.register(add)  # summary, template, collect, values, validate, cycle, publish, remind …
    cli_data.register(add)  # init, demo, import-indicators, backup, restore …
    cli_admin.register(add)  # strategies, departments, accounts and the value workflow
    cli_chain.register(add)  # a strategy's approval chain
    cli_confirm.register(add)  # 見込 → 確定
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kpi` console script."""
    from kpi.domain.workflow import WorkflowError
    from kpi.services.actors import Forbidden
    from kpi.services.summaries import NotFound
    from warehouse import WarehouseBusy

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the output was piped into `head` or similar
        return 0
    except (NotFound, Forbidden, WarehouseBusy, WorkflowError, WrongUse) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
