"""`kpi approval-chain`: show or set a strategy's approval chain (issue #22), acting as a named operator."""
from __future__ import annotations

import sys

from kpi.cli_admin import REFUSED, WRONG_USE, operator_option

DEFAULT_LEVELS = "担当:editor,所属長:dept_head,行政改革推進課:reviewer"


def _levels(text: str) -> list[tuple[str, str]]:
    out = []
    for part in [p for p in text.split(",") if p.strip()]:
        name, _sep, role = part.partition(":")
        out.append((name.strip(), role.strip()))
    return out


def _cmd_chain(args) -> int:
    import warehouse
    from kpi.domain.workflow import WorkflowError
    from kpi.services import approval_chain, operators
    from kpi.services.actors import Forbidden
    from warehouse import master

    try:
        actor = operators.operator(args.as_, args.db)
        with warehouse.connect(args.db) as con:
            found = [s for s in master.list_strategies(con) if s["code"] == args.strategy]
        if not found:
            print(f"エラー: 戦略コード「{args.strategy}」はありません", file=sys.stderr)
            return REFUSED
        strategy_id = found[0]["strategy_id"]  # newest version first
        if args.one_level or args.levels is not None:
            chain = approval_chain.set_chain(actor, strategy_id, [] if args.one_level else _levels(args.levels),
                                             args.db)
            print(f"戦略「{args.strategy}」の承認経路を設定しました: {chain.text}")
        else:
            with warehouse.connect(args.db) as con:
                print(approval_chain.chain_of(con, strategy_id).text)
        return 0
    except operators.OperatorMissing as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return WRONG_USE
    except (Forbidden, WorkflowError) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return REFUSED
    except ValueError as exc:  # a chain that is not 担当 → (所属長 →) 行政改革推進課, or an unknown role
        print(f"エラー: 承認経路を設定できません: {exc}", file=sys.stderr)
        return WRONG_USE


def register(add) -> None:
    """Add `kpi approval-chain` to the parser."""
    p = operator_option(add("approval-chain", "戦略の承認経路（担当 → 所属長 → 行政改革推進課）を表示・設定します"))
    p.add_argument("--strategy", required=True, help="戦略コード")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--levels", nargs="?", const=DEFAULT_LEVELS, default=None,
                       help=f"段の名前:役割 をカンマ区切りで（省略時の既定: {DEFAULT_LEVELS}）")
    group.add_argument("--one-level", action="store_true", help="所属長の段のない1段の経路（担当 → 行政改革推進課）に戻す")
    p.set_defaults(func=_cmd_chain)
