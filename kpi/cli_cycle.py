"""Commands of `kpi` that address a cycle: summary, values, validate, template, collect, collect-pending,
publish, cycle, remind.

A cycle is named by its fiscal year (`--cycle` / `--fy`) and, with `--strategy CODE`, by its strategy: required
(exit 2, the strategies named) when two strategies share the year, optional otherwise. `kpi cycle`, `kpi remind`
and `kpi publish` act as the named local operator (`--as LOGIN` or $KPI_OPERATOR) with that account's permissions,
recorded in the audit trail. How a collection or a publication runs (Prefect flow run, the warm collector, this
process) is decided by kpi.platform.runner.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from kpi.cli_admin import operator_option
from kpi.cli_common import check_strategy, format_summary_table, operator_of, print_report


def strategy_option(p, what: str = "年度") -> None:
    """--strategy CODE on a command that takes a cycle."""
    p.add_argument("--strategy", default=None, metavar="CODE",
                   help=f"戦略コード（同じ{what}のサイクルが複数の戦略にあるときは必須）")


def cmd_summary(args) -> int:
    from kpi.services.summaries import cycle_summary

    check_strategy(args.cycle, args.strategy, args.db)
    doc = cycle_summary(args.cycle, pillars=args.pillar, basis=args.basis, db=args.db, strategy=args.strategy)
    if args.format == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(format_summary_table(doc))
    return 0


def cmd_template(args) -> int:
    from kpi.services.intake import cli_actor
    from kpi.services.workbooks import department_workbook

    check_strategy(args.cycle, args.strategy, args.db)
    _name, data = department_workbook(cli_actor(args.department), args.cycle, args.department, db=args.db,
                                      strategy=args.strategy)
    Path(args.out).write_bytes(data)
    print(f"{args.out} に入力シートを書き出しました")
    return 0


def cmd_collect(args) -> int:
    from kpi.platform import runner
    from kpi.services import batches  # storing the batch needs no Polars: the collector does the processing

    path = Path(args.file)
    if not path.exists():
        print(f"エラー: ファイル {path} がありません", file=sys.stderr)
        return 2
    check_strategy(args.cycle, args.strategy, args.db)
    actor = batches.cli_actor(args.department)
    batch_id = batches.receive(actor, args.cycle, args.department, source="workbook", filename=path.name,
                               raw_bytes=path.read_bytes(), db=args.db, strategy=args.strategy)
    # the warm collector of `flows.serve` runs the flow when it listens; else this process runs it
    report = runner.collect(batch_id, db=args.db, flow=not args.no_flow, via_collector=True)
    if report.status == "received":
        print(f"集計処理サーバー（Prefect）が動いていません。アプリを scripts/run.sh で起動してから"
              f" kpi collect-pending を実行するか、--no-flow を付けてこのプロセスで取り込んでください"
              f"（受付番号 {batch_id} として保留中。終了コード 3）", file=sys.stderr)
        return 3
    print_report(report)
    return 0 if report.status == "landed" else 1


def cmd_collect_pending(args) -> int:
    from kpi.platform import runner

    reports = runner.collect_pending(args.db, flow=not args.no_flow)
    if not reports:
        print("未処理の受付はありません")
    for r in reports:
        print_report(r)
    return 0


def cmd_values(args) -> int:
    from kpi.services.listing import value_records
    from kpi.services.summaries import load_cycle

    check_strategy(args.cycle, args.strategy, args.db)
    view = load_cycle(args.cycle, basis="all", db=args.db, strategy=args.strategy)
    rows = value_records(view.rows, department=args.department, state=args.state)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        for r in rows:
            print(f"{r['code']}\t{r['department']}\t{r['state_ja']}\t{r['value_text'] or ''}\t{r['rate_text']}"
                  f"\t{r['band_ja']}\t{r['name']}")
    return 0


def cmd_validate(args) -> int:
    from kpi.services.sweep import validate_cycle

    check_strategy(args.cycle, args.strategy, args.db)
    report = validate_cycle(args.cycle, db=args.db, strategy=args.strategy)
    print(f"{args.cycle}年度: {report.checked}件を点検　エラー {report.errors}件　警告 {report.warnings}件")
    for r in report.findings.iter_rows(named=True):
        print(f"  [{'エラー' if r['severity'] == 'error' else '警告'}] {r['message']}")
    return 1 if report.errors else 0


def cmd_publish(args) -> int:
    from kpi.domain.editions import EditionRefused
    from kpi.platform import runner

    check_strategy(args.cycle, args.strategy, args.db)
    actor = operator_of(args)
    done = "作成しました" if args.interim else "公表しました"
    try:
        result = runner.publish(actor, args.cycle, note=args.note, db=args.db, interim=args.interim, out=args.out,
                                flow=not args.no_flow, strategy=args.strategy, confirmed=args.confirmed,
                                progress=lambda f, text: print(f"{int(f * 100):3d}% {text}", file=sys.stderr))
    except EditionRefused as exc:
        hint = "" if args.interim else "（受付中の年度の速報（中間）版は --interim を付けて作成します）"
        print(f"エラー: {exc}{hint}", file=sys.stderr)
        return 2
    if result.via_prefect:
        print(f"{result.edition_label}を{done}")
    for path in result.written:
        print(f"  {path}")
    if not result.via_prefect:
        print(f"{result.edition_label}を{done}")
    return 0


def cmd_cycle(args) -> int:
    import datetime as dt

    import warehouse
    from kpi.domain.formatting import fiscal_year_ja
    from kpi.services import cycles

    warehouse.init_db(args.db)
    if args.action != "create":
        check_strategy(args.fy, args.strategy, args.db)
    actor = operator_of(args)

    def day(text, what):
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise cycles.WorkflowError(f"{what}は 2023-11-30 の形式で入力してください（入力: {text}）") from None

    if args.action == "create":
        c = cycles.create_cycle(args.fy, actor=actor, from_fy=getattr(args, "from"), as_of=day(args.as_of, "基準日"),
                                deadline=day(args.deadline, "提出期限"), strategy_code=args.strategy, db=args.db)
        print(f"{c['label']}のサイクルを作成しました（準備中、対象指標 {c['carried_over']}件、"
              f"基準日 {c['as_of'] or '未設定'}、提出期限 {c['deadline'] or '未設定'}）")
        return 0
    if args.action in ("open", "close", "finalize"):
        c = getattr(cycles, f"{args.action}_cycle")(args.fy, actor=actor, db=args.db, strategy_code=args.strategy)
    else:
        c = cycles.reopen_cycle(args.fy, actor=actor, reason=args.reason or "", db=args.db,
                                strategy_code=args.strategy)
    print(f"{c['label'] or fiscal_year_ja(args.fy)}のサイクルを「{c['state_ja']}」にしました")
    return 0


def cmd_remind(args) -> int:
    import datetime as dt

    import warehouse
    from kpi.services import reminders

    warehouse.init_db(args.db)
    check_strategy(args.fy, args.strategy, args.db)
    actor = operator_of(args)
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
        result = reminders.remind(actor, args.fy, manual=not args.scheduled, today=today, db=args.db,
                                  strategy=args.strategy)
    except ValueError as exc:  # ReminderError, or a malformed --today
        print(str(exc) if isinstance(exc, reminders.ReminderError) else
              f"--today は 2022-12-09 の形式で入力してください（入力: {args.today}）", file=sys.stderr)
        return 1
    if result.values:
        print(f"{args.fy}年度: {len(result.sent)}課に督促しました（{reminders.date_ja(result.today)}）")
    for r in result.rows()[:len(result.sent)]:
        print(f"  {r['担当課']}\t{r['種別']}\t未提出 {r['未提出']}件\t差戻し {r['差戻し']}件\t{r['メール']}\t{r['宛先']}")
    if result.confirmations or not result.values:
        print(f"確定値（見込 → 確定）: {len(result.confirmations)}件の督促を送りました"
              f"（{reminders.date_ja(result.today)}）")
    for sent, r in zip(result.confirmations, result.rows()[len(result.sent):]):
        print(f"  {r['担当課']}\t{r['種別']}\t{r['内容']}\t{r['メール']}\t{r['宛先']}")
        for line in sent.items:
            print(f"    {line}")
    for name, why in result.skipped + result.confirmations_skipped:
        print(f"  {name}\t{why}")
    return 0


def register(add) -> None:
    """Add the commands that address a cycle (add(name, help) → subparser with --db)."""
    p = add("summary", "達成状況の集計（帯ごとの件数と割合）を表示します")
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2021")
    strategy_option(p)
    p.add_argument("--pillar", type=int, nargs="+", action="extend", help="柱の番号（複数可）")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.add_argument("--basis", choices=("approved", "confirmed", "all"), default="approved",
                   help="approved: 承認済の値のみ（既定） / confirmed: 承認済の確定値を見込値・速報値に替えて判定（見込 → 確定）"
                        " / all: 未承認を含むプレビュー")
    p.set_defaults(func=cmd_summary)

    p = add("template", "担当課の入力シート（Excel）を書き出します")
    p.add_argument("--department", required=True, help="担当課コード（kpi departments で確認）")
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2022")
    strategy_option(p)
    p.add_argument("--out", required=True, help="書き出す .xlsx ファイル")
    p.set_defaults(func=cmd_template)

    p = add("collect", "記入済みの入力シートを取り込みます（全行を下書き保存するか、1行も保存しないか）")
    p.add_argument("file")
    p.add_argument("--department", required=True)
    p.add_argument("--cycle", type=int, required=True)
    strategy_option(p)
    p.add_argument("--no-flow", action="store_true", help="Prefect を介さずにこのプロセスで処理します")
    p.set_defaults(func=cmd_collect)

    p = add("collect-pending", "Prefect サーバー停止中に受け付けた未処理の送信を取り込みます")
    p.add_argument("--no-flow", action="store_true")
    p.set_defaults(func=cmd_collect_pending)

    p = add("values", "値の一覧（状態・達成率・達成区分）を表示します")
    p.add_argument("--cycle", type=int, required=True)
    strategy_option(p)
    p.add_argument("--department")
    p.add_argument("--state", choices=("none", "draft", "submitted", "returned", "approved"))
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(func=cmd_values)

    p = add("validate", "年度の全ての値を点検し、指摘事項を更新します")
    p.add_argument("--cycle", type=int, required=True)
    strategy_option(p)
    p.set_defaults(func=cmd_validate)

    p = operator_option(add("cycle", "集計サイクルの作成・受付開始・締切・確定・再開（再開には --reason が必要）"))
    p.add_argument("action", choices=("create", "open", "close", "finalize", "reopen"))
    p.add_argument("--fy", type=int, required=True, help="年度（西暦）例: 2023")
    p.add_argument("--from", type=int, default=None, help="create: 引き継ぐ前年度のサイクル（西暦）")
    p.add_argument("--as-of", default=None, help="create: 基準日（例: 2023-11-30）")
    p.add_argument("--deadline", default=None, help="create: 提出期限（例: 2023-12-15）")
    p.add_argument("--reason", default=None, help="reopen: 再開の理由")
    p.add_argument("--strategy", default=None, metavar="CODE",
                   help="戦略コード（create の既定: 最新の戦略。同じ年度のサイクルが複数の戦略にあるときは必須）")
    p.set_defaults(func=cmd_cycle)

    p = operator_option(add("publish", "承認済みの値から報告書（スライド・Excel・PDF・オープンデータ）を作成し、版として確定します"))
    p.add_argument("--cycle", type=int, required=True)
    strategy_option(p)
    p.add_argument("--out", required=True, help="出力先フォルダ")
    p.add_argument("--note", help="版の説明（例: 誤記訂正）")
    p.add_argument("--interim", action="store_true",
                   help="受付中の年度の速報（中間）版を作成します（全ページに速報版と承認済の指標数を表示）")
    p.add_argument("--confirmed", action="store_true",
                   help="締切済・確定済の年度の確定値反映版を作成します（承認済の確定値を見込値に替え、「見込 → 確定」の表を載せます）")
    p.add_argument("--no-flow", action="store_true", help="Prefect を介さずにこのプロセスで作成します")
    p.set_defaults(func=cmd_publish)

    p = operator_option(add("remind", "未提出・差戻しのある担当課と、確定値（見込 → 確定）の入力・承認待ちのある担当課に督促します"
                               "（画面の通知と、KPI_SMTP_* 設定時はメール）"))
    p.add_argument("--fy", type=int, required=True, help="年度（西暦）例: 2022")
    strategy_option(p)
    p.add_argument("--scheduled", action="store_true", help="定期処理と同じく、設定した日（締切前・締切後）のみ督促します")
    p.add_argument("--today", default=None, help="基準日（既定: 今日、日本時間）例: 2022-12-09")
    p.set_defaults(func=cmd_remind)
