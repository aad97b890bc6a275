"""`kpi confirm`: 見込 → 確定 on the command line — list the year's projections owed a 確定値, enter one with its
date and source, submit it, approve or return it — acting as a named operator (`--as LOGIN` or $KPI_OPERATOR)
with that account's permissions, like the pages. Exit codes: 0 done, 1 refused, 2 wrong use."""
from __future__ import annotations

import json
import sys

from kpi.cli_admin import REFUSED, WRONG_USE, operator_option

DONE_JA = {"enter": "確定値を保存しました（下書き）", "submit": "確定値を提出しました", "approve": "確定値を承認しました",
           "return": "確定値を差し戻しました"}


def _cmd_confirm(args) -> int:
    from kpi.domain.typed_input import InputError
    from kpi.domain.workflow import WorkflowError
    from kpi.services import confirmations, operators, reconciliation
    from kpi.services.actors import Forbidden
    from kpi.services.errors import NotFound

    try:
        actor = operators.operator(args.as_, args.db)
        lines = reconciliation.owed(actor, args.cycle, strategy=args.strategy, db=args.db)
        if args.action == "list":
            if args.format == "json":
                print(json.dumps(lines, ensure_ascii=False, indent=2, default=str))
            for ln in lines if args.format == "table" else ():
                print(f"{ln['code']}\t{ln['department']}\t{ln['projection_label'] or ''} {ln['projection_text'] or ''}"
                      f"\t{ln['state_ja']}\t{ln['confirmed_text'] or ''}\t{ln['name']}")
            return 0
        if not args.code:
            raise WrongUseError("--code で指標コードを指定してください")
        line = next((ln for ln in lines if ln["code"] == args.code), None)
        if args.action == "enter":
            if args.value is None or args.date is None or args.source is None:
                raise WrongUseError("enter には --value、--date、--source が必要です")
            confirmations.save(actor, args.cycle, args.code, args.value, confirmed_on=args.date, source=args.source,
                               expected_version=line["version"] if line else None, strategy=args.strategy,
                               db=args.db)
        else:
            if line is None or line["confirmation_id"] is None:
                raise WorkflowError(f"指標「{args.code}」には{args.cycle}年度の確定値が入力されていません")
            ref = confirmations.ConfirmationRef(line["confirmation_id"], line["version"])
            if args.action == "submit":
                confirmations.submit(actor, ref, db=args.db)
            elif args.action == "approve":
                confirmations.approve(actor, ref, db=args.db, comment=args.comment)
            else:
                if not (args.comment or "").strip():
                    raise WrongUseError("return には --comment が必要です")
                confirmations.return_confirmation(actor, ref, args.comment, db=args.db)
        print(f"{args.code}: {DONE_JA[args.action]}")
        return 0
    except (operators.OperatorMissing, WrongUseError) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return WRONG_USE
    except (Forbidden, WorkflowError, InputError, NotFound) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return REFUSED


class WrongUseError(ValueError):
    """The command was used wrongly (exit 2)."""


def register(add) -> None:
    """Add `kpi confirm` to the parser."""
    p = operator_option(add("confirm", "見込 → 確定: 締切済・確定済の年度の見込値・速報値の確定値を一覧・入力・提出・承認・差戻しします"))
    p.add_argument("action", choices=("list", "enter", "submit", "approve", "return"))
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2021")
    p.add_argument("--strategy", default=None, metavar="CODE", help="戦略コード（同じ年度のサイクルが複数の戦略にあるときは必須）")
    p.add_argument("--code", help="指標コード")
    p.add_argument("--value", help="enter: 確定値（例: 36,821人、達成）")
    p.add_argument("--date", help="enter: 確定日（例: 2022-06-30）")
    p.add_argument("--source", help="enter: 出典（例: 令和3年度 県調査）")
    p.add_argument("--comment", help="approve: コメント / return: 差戻しの理由（必須）")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(func=_cmd_confirm)
