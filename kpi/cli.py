"""The `kpi` command line: every command accepts --db PATH (default: the app's data file)."""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

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
    if total.get("undecidable"):
        lines.append(f"※ 判定不能（比較する値が未入力）の指標 {total['undecidable']} 件は帯に数えていません")
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
    from kpi.demo.seed import load_demo

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


def _print_report(report) -> None:
    status = {"landed": "取り込みました", "refused": "取り込めませんでした（何も保存していません）",
              "received": "受け付けました（未処理）"}[report.status]
    print(f"受付番号 {report.batch_id}: {status}　保存 {report.saved}件")
    for f in report.findings:
        where = "　".join(x for x in (f"{f.row_no}行目" if f.row_no else "", f.field or "", f.code or "") if x)
        print(f"  [{'エラー' if f.severity == 'error' else '警告'}] {where + ': ' if where else ''}{f.message}")


def _cmd_template(args) -> int:
    from kpi.services.intake import cli_actor
    from kpi.services.workbooks import department_workbook

    _name, data = department_workbook(cli_actor(args.department), args.cycle, args.department, db=args.db)
    Path(args.out).write_bytes(data)
    print(f"{args.out} に入力シートを書き出しました")
    return 0


def _cmd_import_indicators(args) -> int:
    from kpi.services.actors import SYSTEM
    from kpi.services.indicator_import import dry_run_document, import_indicator_file, preview_indicator_file

    path = Path(args.file)
    if not path.is_file():
        print(f"エラー: ファイル {path} がありません", file=sys.stderr)
        return 2
    era = {"era": args.era, "adopted": args.adopted, "department": args.department}
    if args.dry_run:  # read and check everything, write nothing
        report = preview_indicator_file(SYSTEM, path.read_bytes(), filename=path.name, strategy=args.strategy,
                                        db=args.db, **era)
        doc = dry_run_document(report)
        if args.format == "json":
            print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        else:
            print(f"{path.name}: {doc['rows']}行中 {doc['read']}行を読み取り、{doc['refused']}行に問題（書き込みなし）")
            for p in doc["problems"]:
                print(f"  {p['row']}行目「{p['column'] or ''}」「{p['text'] or ''}」: {p['message']}")
        return 0 if report.status != "refused" else 1
    report = import_indicator_file(SYSTEM, path.read_bytes(), filename=path.name, strategy=args.strategy, db=args.db,
                                   **era)
    if report.status != "imported":
        print(f"{path.name}: 取り込めませんでした（何も保存していません）。問題 {len(report.problems)}件")
        for p in report.problems:
            print(f"  {p.message}")
        return 1
    print(f"{path.name}: 戦略「{args.strategy}」に{report.imported}指標を取り込みました")
    for label in report.created_pillars + report.created_items:
        print(f"  新しい柱・項目: {label}")
    return 0


def _cmd_set_reference(args) -> int:
    from kpi.services.actors import SYSTEM
    from kpi.services.relative_references import set_reference_value

    try:
        done = set_reference_value(SYSTEM, strategy=args.strategy, code=args.code, fiscal_year=args.cycle,
                                   value=args.value, source=args.source, db=args.db)
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(f"{done['fiscal_year']}年度「{done['name']}」の比較する値（{done['reference']}）を {done['value']} にしました"
          f"（出典: {done['source']}）")
    return 0


def _cmd_indicator_template(args) -> int:
    from kpi.io.indicator_import import write_indicator_template

    Path(args.out).write_bytes(write_indicator_template())
    print(f"{args.out} に指標一覧の取込用テンプレートを書き出しました")
    return 0


def _cmd_collect(args) -> int:
    from kpi.services import batches  # storing the batch needs no Polars: the collector does the processing

    path = Path(args.file)
    if not path.exists():
        print(f"エラー: ファイル {path} がありません", file=sys.stderr)
        return 2
    actor = batches.cli_actor(args.department)
    batch_id = batches.receive(actor, args.cycle, args.department, source="workbook", filename=path.name,
                               raw_bytes=path.read_bytes(), db=args.db)
    if args.no_flow:
        from kpi.services import intake

        report = intake.process(batch_id, db=args.db)
    else:
        from kpi.platform.collection import collect
        from kpi.platform.collector import hand_over

        # the warm collector of `flows.serve` runs the flow when it listens; else this process runs it
        report = hand_over(batch_id, db=args.db) or collect(batch_id, db=args.db)
        if report.status == "received":
            print(f"集計処理サーバー（Prefect）が動いていません。アプリを scripts/run.sh で起動してから"
                  f" kpi collect-pending を実行するか、--no-flow を付けてこのプロセスで取り込んでください"
                  f"（受付番号 {batch_id} として保留中。終了コード 3）", file=sys.stderr)
            return 3
    _print_report(report)
    return 0 if report.status == "landed" else 1


def _cmd_values(args) -> int:
    from kpi.services.listing import value_records
    from kpi.services.summaries import load_cycle

    view = load_cycle(args.cycle, basis="all", db=args.db)
    rows = value_records(view.rows, department=args.department, state=args.state)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        for r in rows:
            print(f"{r['code']}\t{r['department']}\t{r['state_ja']}\t{r['value_text'] or ''}\t{r['rate_text']}\t{r['band_ja']}\t{r['name']}")
    return 0


def _cmd_validate(args) -> int:
    from kpi.services.sweep import validate_cycle

    report = validate_cycle(args.cycle, db=args.db)
    print(f"{args.cycle}年度: {report.checked}件を点検　エラー {report.errors}件　警告 {report.warnings}件")
    for r in report.findings.iter_rows(named=True):
        print(f"  [{'エラー' if r['severity'] == 'error' else '警告'}] {r['message']}")
    return 1 if report.errors else 0


def _cmd_departments(args) -> int:
    import warehouse
    from warehouse import master

    warehouse.init_db(args.db)
    with warehouse.connect(args.db) as con:
        depts = master.list_departments(con)
    if args.format == "json":
        print(json.dumps(depts, ensure_ascii=False, indent=2))
    else:
        for d in depts:
            print(f"{d['code']}\t{d['name']}\t{d['indicators']}指標")
    return 0


def _cmd_collect_pending(args) -> int:
    from kpi.platform.collection import prefect_available
    from kpi.services import intake

    ids = intake.pending(args.db)
    if not ids:
        print("未処理の受付はありません")
        return 0
    if prefect_available() and not args.no_flow:
        from flows.collect import run_pending

        run_pending(str(args.db) if args.db else None)
        reports = [intake.batch_status(i, db=args.db) for i in ids]
    else:
        reports = [intake.process(i, db=args.db) for i in ids]
    for r in reports:
        _print_report(r)
    return 0


def _cmd_publish(args) -> int:
    from kpi.domain.editions import EditionRefused
    from kpi.platform.collection import prefect_available
    from kpi.services import publishing

    db = str(args.db) if args.db else None
    done = "作成しました" if args.interim else "公表しました"
    try:
        if prefect_available() and not args.no_flow:
            from flows.publish import run_publish

            result = run_publish(args.cycle, out=args.out, note=args.note, db=db, interim=args.interim)
            print(f"{result['edition_label']}を{done}")
            for path in result["written"]:
                print(f"  {path}")
            return 0
        edition = publishing.publish(publishing.SYSTEM_PUBLISHER, args.cycle, note=args.note, db=args.db,
                                     interim=args.interim,
                                     progress=lambda f, text: print(f"{int(f * 100):3d}% {text}", file=sys.stderr))
    except EditionRefused as exc:
        hint = "" if args.interim else "（受付中の年度の速報（中間）版は --interim を付けて作成します）"
        print(f"エラー: {exc}{hint}", file=sys.stderr)
        return 2
    out = Path(args.out)
    for name, content in edition.files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"  {path}")
    print(f"{edition.label}を{done}")
    return 0


def _cmd_slides_png(args) -> int:
    from kpi.publish.deck import render_slides_png

    pngs = render_slides_png(Path(args.deck).read_bytes(), args.out)
    if not pngs:
        print("LibreOffice（libreoffice-impress）と pdftoppm（poppler-utils）が必要です: "
              "apt-get install libreoffice-impress poppler-utils", file=sys.stderr)
        return 2
    for p in pngs[: args.first]:
        print(p)
    return 0


def _cmd_demo_scale(args) -> int:
    from kpi.demo.scale import build_scale_demo

    if args.db is None:
        print("エラー: 全国規模のデモは --db で新しいファイルを指定してください（アプリのデータは上書きしません）",
              file=sys.stderr)
        return 2
    print(f"全国規模のデモを作成しています（{args.orgs}団体 × {args.indicators}指標 × {args.cycles}年度）…", file=sys.stderr)
    info = build_scale_demo(args.db, orgs=args.orgs, indicators=args.indicators, cycles=args.cycles,
                            overwrite=args.overwrite)
    print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
    return 0


def _cmd_backup(args) -> int:
    from kpi.services import backup

    try:
        info = backup.backup(args.out, db=args.db)
    except backup.BackupRefused as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(f"{info['out']} にバックアップしました（{info['bytes']:,}バイト、値 {info['counts']['indicator_values']:,}件、"
          f"監査ログ {info['counts']['audit_log']:,}件、ロック {info['lock_held_s']:.2f}秒）")
    return 0


def _cmd_restore(args) -> int:
    from kpi.services import backup

    try:
        info = backup.restore(args.file, db=args.db, require_manifest=not args.no_manifest)
    except backup.BackupRefused as exc:
        print(f"エラー: {exc}（データベースは変更していません）", file=sys.stderr)
        return 2
    kept = f"、元のファイルは {info['kept']} に残しました" if info["kept"] else ""
    print(f"{args.file} から復元しました（値 {info['counts']['indicator_values']:,}件、"
          f"監査ログ {info['counts']['audit_log']:,}件{kept}）")
    return 0


def _cmd_audit(args) -> int:
    from kpi.services import audit_trail

    report = audit_trail.verify(db=args.db)
    print(report.message, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def _cmd_cycle(args) -> int:
    import datetime as dt

    from kpi.domain.formatting import fiscal_year_ja
    from kpi.services import cycles
    from kpi.services.actors import SYSTEM
    import warehouse

    warehouse.init_db(args.db)

    def day(text, what):
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            raise cycles.WorkflowError(f"{what}は 2023-11-30 の形式で入力してください（入力: {text}）") from None

    if args.action == "create":
        c = cycles.create_cycle(args.fy, actor=SYSTEM, from_fy=getattr(args, "from"), as_of=day(args.as_of, "基準日"),
                                deadline=day(args.deadline, "提出期限"), strategy_code=args.strategy, db=args.db)
        print(f"{c['label']}のサイクルを作成しました（準備中、対象指標 {c['carried_over']}件、"
              f"基準日 {c['as_of'] or '未設定'}、提出期限 {c['deadline'] or '未設定'}）")
        return 0
    if args.action in ("open", "close", "finalize"):
        c = getattr(cycles, f"{args.action}_cycle")(args.fy, actor=SYSTEM, db=args.db, strategy_code=args.strategy)
    else:
        c = cycles.reopen_cycle(args.fy, actor=SYSTEM, reason=args.reason or "", db=args.db,
                                strategy_code=args.strategy)
    print(f"{c['label'] or fiscal_year_ja(args.fy)}のサイクルを「{c['state_ja']}」にしました")
    return 0


def _cmd_remind(args) -> int:
    import datetime as dt

    from kpi.services import reminders
    from kpi.services.actors import SYSTEM
    import warehouse

    warehouse.init_db(args.db)
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
        result = reminders.remind(SYSTEM, args.fy, manual=not args.scheduled, today=today, db=args.db)
    except ValueError as exc:  # ReminderError, or a malformed --today
        print(str(exc) if isinstance(exc, reminders.ReminderError) else
              f"--today は 2022-12-09 の形式で入力してください（入力: {args.today}）", file=sys.stderr)
        return 1
    print(f"{args.fy}年度: {len(result.sent)}課に督促しました（{reminders.date_ja(result.today)}）")
    for r in result.rows():
        print(f"  {r['担当課']}\t{r['種別']}\t未提出 {r['未提出']}件\t差戻し {r['差戻し']}件\t{r['メール']}\t{r['宛先']}")
    for name, why in result.skipped:
        print(f"  {name}\t{why}")
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

    p = add("template", "担当課の入力シート（Excel）を書き出します")
    p.add_argument("--department", required=True, help="担当課コード（kpi departments で確認）")
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2022")
    p.add_argument("--out", required=True, help="書き出す .xlsx ファイル")
    p.set_defaults(func=_cmd_template)

    p = add("collect", "記入済みの入力シートを取り込みます（全行を下書き保存するか、1行も保存しないか）")
    p.add_argument("file")
    p.add_argument("--department", required=True)
    p.add_argument("--cycle", type=int, required=True)
    p.add_argument("--no-flow", action="store_true", help="Prefect を介さずにこのプロセスで処理します")
    p.set_defaults(func=_cmd_collect)

    p = add("import-indicators", "指標の一覧（.xlsx または CSV）を戦略に取り込みます（全行を取り込むか、1行も取り込まないか）")
    p.add_argument("file")
    p.add_argument("--strategy", required=True, help="戦略コード（例: chiba-ict）")
    p.add_argument("--dry-run", action="store_true", help="読み取りと確認だけを行い、何も書き込みません")
    p.add_argument("--format", choices=["text", "json"], default="text", help="--dry-run の出力形式")
    p.add_argument("--era", help="記載の元号（元号のない「31年度」を読む元号: 平成・令和 など）。既定は戦略の設定")
    p.add_argument("--adopted", type=int, help="計画の策定年（西暦）。--era がないとき、この年の元号で読みます")
    p.add_argument("--department", help="担当課が空欄の行の担当課（コードか名前）")
    p.set_defaults(func=_cmd_import_indicators)

    p = add("set-reference", "相対目標（全国平均を上回る など）の、その年度の比較する値と出典を入力します")
    p.add_argument("code", help="指標コード")
    p.add_argument("--strategy", required=True)
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）")
    p.add_argument("--value", required=True, help="比較する値（例: 62.4）")
    p.add_argument("--source", required=True, help="出典（例: 文部科学省 全国学力・学習状況調査）")
    p.set_defaults(func=_cmd_set_reference)

    p = add("indicator-template", "指標一覧の取込用テンプレート（記入方法付きの Excel）を書き出します")
    p.add_argument("--out", required=True, help="書き出す .xlsx ファイル")
    p.set_defaults(func=_cmd_indicator_template)

    p = add("collect-pending", "Prefect サーバー停止中に受け付けた未処理の送信を取り込みます")
    p.add_argument("--no-flow", action="store_true")
    p.set_defaults(func=_cmd_collect_pending)

    p = add("values", "値の一覧（状態・達成率・達成区分）を表示します")
    p.add_argument("--cycle", type=int, required=True)
    p.add_argument("--department")
    p.add_argument("--state", choices=("none", "draft", "submitted", "returned", "approved"))
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(func=_cmd_values)

    p = add("validate", "年度の全ての値を点検し、指摘事項を更新します")
    p.add_argument("--cycle", type=int, required=True)
    p.set_defaults(func=_cmd_validate)

    p = add("departments", "担当課コードの一覧を表示します")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(func=_cmd_departments)

    p = add("cycle", "集計サイクルの作成・受付開始・締切・確定・再開（再開には --reason が必要）")
    p.add_argument("action", choices=("create", "open", "close", "finalize", "reopen"))
    p.add_argument("--fy", type=int, required=True, help="年度（西暦）例: 2023")
    p.add_argument("--from", type=int, default=None, help="create: 引き継ぐ前年度のサイクル（西暦）")
    p.add_argument("--as-of", default=None, help="create: 基準日（例: 2023-11-30）")
    p.add_argument("--deadline", default=None, help="create: 提出期限（例: 2023-12-15）")
    p.add_argument("--reason", default=None, help="reopen: 再開の理由")
    p.add_argument("--strategy", default=None, help="戦略コード（既定: 最新の戦略）")
    p.set_defaults(func=_cmd_cycle)

    p = add("audit", "監査ログのハッシュの連鎖を検証し、改ざんがあれば最初の記録を示します（終了コード 1）")
    p.add_argument("action", choices=("verify",))
    p.set_defaults(func=_cmd_audit)

    p = add("publish", "承認済みの値から報告書（スライド・Excel・PDF・オープンデータ）を作成し、版として確定します")
    p.add_argument("--cycle", type=int, required=True)
    p.add_argument("--out", required=True, help="出力先フォルダ")
    p.add_argument("--note", help="版の説明（例: 誤記訂正）")
    p.add_argument("--interim", action="store_true",
                   help="受付中の年度の速報（中間）版を作成します（全ページに速報版と承認済の指標数を表示）")
    p.add_argument("--no-flow", action="store_true", help="Prefect を介さずにこのプロセスで作成します")
    p.set_defaults(func=_cmd_publish)

    p = add("demo-scale", "全国の自治体規模の合成データ（例: 1,788団体 × 100指標 × 10年度）で新しいデータベースを作ります")
    p.add_argument("--orgs", type=int, default=1788)
    p.add_argument("--indicators", type=int, default=100)
    p.add_argument("--cycles", type=int, default=10)
    p.add_argument("--overwrite", action="store_true", help="既存のファイルを置き換えます")
    p.set_defaults(func=_cmd_demo_scale)

    p = add("slides-png", "スライド（.pptx）を LibreOffice で PNG 画像にします（見た目の確認用）")
    p.add_argument("deck", help=".pptx ファイル（kpi publish の出力）")
    p.add_argument("--out", required=True, help="PNG の出力先フォルダ")
    p.add_argument("--first", type=int, default=100, help="表示する枚数")
    p.set_defaults(func=_cmd_slides_png)

    p = add("init", "スキーマを作成・更新します（--demo で空のときデモデータも読み込み）")
    p.add_argument("--demo", action="store_true")
    p.set_defaults(func=_cmd_init)

    p = add("backup", "データベースの整合したバックアップを作成します（アプリの稼働中でも可）")
    p.add_argument("--out", required=True, help="バックアップの出力先ファイル")
    p.set_defaults(func=_cmd_backup)

    p = add("restore", "バックアップからデータベースを復元します（元のファイルは .before-restore として残します）")
    p.add_argument("file", help="kpi backup で作ったファイル（同じフォルダーの <file>.manifest.json で検証します）")
    p.add_argument("--no-manifest", action="store_true",
                   help="検証用の記録のない古いバックアップを復元します（全表の読み取りによる検査のみ）")
    p.set_defaults(func=_cmd_restore)

    p = add("remind", "未提出・差戻しのある担当課に督促します（画面の通知と、KPI_SMTP_* 設定時はメール）")
    p.add_argument("--fy", type=int, required=True, help="年度（西暦）例: 2022")
    p.add_argument("--scheduled", action="store_true", help="定期処理と同じく、設定した日（締切前・締切後）のみ督促します")
    p.add_argument("--today", default=None, help="基準日（既定: 今日、日本時間）例: 2022-12-09")
    p.set_defaults(func=_cmd_remind)

    from kpi.cli_admin import register  # strategies, departments, accounts and the value workflow

    register(add)
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
    except (NotFound, Forbidden, WarehouseBusy, WorkflowError) as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
