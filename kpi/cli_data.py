"""Commands of `kpi` that set up and keep the warehouse: init, demo, demo-scale, import-indicators, set-reference,
indicator-template, departments, audit, backup, restore, slides-png.

`kpi import-indicators` and `kpi set-reference` act as the named local operator (`--as LOGIN` or $KPI_OPERATOR) with that account's
permissions (master data: reviewers and administrators), recorded in the audit trail.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from kpi.cli_admin import operator_option
from kpi.cli_common import operator_of


def cmd_demo(args) -> int:
    from kpi.demo.seed import load_demo

    result = load_demo(args.db)
    if result["loaded"]:
        print(f"デモデータを読み込みました（指標 {result['indicators']} 件、値 {result['values']} 件）")
    else:
        print("データが既にあるため、デモデータは読み込みませんでした")
    return 0

def cmd_init(args) -> int:
    import warehouse

    applied = warehouse.init_db(args.db)
    print(f"マイグレーションを適用しました: {applied}" if applied else "スキーマは最新です")
    if args.demo:
        return cmd_demo(args)
    return 0

def cmd_import_indicators(args) -> int:
    from kpi.services.indicator_import import dry_run_document, import_indicator_file, preview_indicator_file

    path = Path(args.file)
    if not path.is_file():
        print(f"エラー: ファイル {path} がありません", file=sys.stderr)
        return 2
    actor = operator_of(args)
    era = {"era": args.era, "adopted": args.adopted, "department": args.department}
    if args.dry_run:  # read and check everything, write nothing
        report = preview_indicator_file(actor, path.read_bytes(), filename=path.name, strategy=args.strategy,
                                        db=args.db, **era)
        doc = dry_run_document(report)
        if args.format == "json":
            print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        else:
            print(f"{path.name}: {doc['rows']}行中 {doc['read']}行を読み取り、{doc['refused']}行に問題（書き込みなし）")
            for p in doc["problems"]:
                print(f"  {p['row']}行目「{p['column'] or ''}」「{p['text'] or ''}」: {p['message']}")
        return 0 if report.status != "refused" else 1
    report = import_indicator_file(actor, path.read_bytes(), filename=path.name, strategy=args.strategy, db=args.db,
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

def cmd_set_reference(args) -> int:
    from kpi.services.relative_references import set_reference_value

    actor = operator_of(args)
    try:
        done = set_reference_value(actor, strategy=args.strategy, code=args.code, fiscal_year=args.cycle,
                                   value=args.value, source=args.source, db=args.db)
    except ValueError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(f"{done['fiscal_year']}年度「{done['name']}」の比較する値（{done['reference']}）を {done['value']} にしました"
          f"（出典: {done['source']}）")
    return 0

def cmd_indicator_template(args) -> int:
    from kpi.io.indicator_import import write_indicator_template

    Path(args.out).write_bytes(write_indicator_template())
    print(f"{args.out} に指標一覧の取込用テンプレートを書き出しました")
    return 0

def cmd_departments(args) -> int:
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

def cmd_slides_png(args) -> int:
    from kpi.publish.deck import render_slides_png

    pngs = render_slides_png(Path(args.deck).read_bytes(), args.out)
    if not pngs:
        print("LibreOffice（libreoffice-impress）と pdftoppm（poppler-utils）が必要です: "
              "apt-get install libreoffice-impress poppler-utils", file=sys.stderr)
        return 2
    for p in pngs[: args.first]:
        print(p)
    return 0

def cmd_demo_scale(args) -> int:
    from kpi.demo.scale import build_scale_demo

    if args.db is None:
        print("エラー: 全国規模のデモは --db で新しいファイルを指定してください（アプリのデータは上書きしません）",
              file=sys.stderr)
        return 2
    print(f"全国規模のデモを作成しています（{args.orgs}団体 × {args.indicators}指標 × {args.cycles}年度）…", file=sys.stderr)
    try:
        info = build_scale_demo(args.db, orgs=args.orgs, indicators=args.indicators, cycles=args.cycles,
                                overwrite=args.overwrite)
    except (ValueError, FileExistsError) as exc:  # an existing file, a PostgreSQL database that is not empty
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
    return 0

def cmd_export_warehouse(args) -> int:
    import re

    from warehouse.transfer import TransferRefused, transfer

    shown = re.sub(r"//([^:/@]*):[^@]*@", r"//\1@", args.to)  # never print a password
    try:
        done = transfer(args.db, args.to)
    except TransferRefused as exc:
        print(f"エラー: {exc}（コピー先は変更していません）", file=sys.stderr)
        return 2
    print(f"{shown} にコピーしました（{len(done.rows)}表、{done.total:,}行。全表を1行ずつ照合済み）")
    return 0

def cmd_backup(args) -> int:
    from kpi.services import backup

    try:
        info = backup.backup(args.out, db=args.db)
    except backup.BackupRefused as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    print(f"{info['out']} にバックアップしました（{info['bytes']:,}バイト、値 {info['counts']['indicator_values']:,}件、"
          f"監査ログ {info['counts']['audit_log']:,}件、"
          + (f"{info['tool']}）" if "tool" in info else f"ロック {info['lock_held_s']:.2f}秒）"))
    return 0

def cmd_restore(args) -> int:
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

def cmd_audit(args) -> int:
    from kpi.services import audit_trail

    report = audit_trail.verify(db=args.db)
    print(report.message, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def register(add) -> None:
    """Add the set-up and upkeep commands (add(name, help) → subparser with --db)."""
    p = add("demo", "新しいデータベースを初期化し、デモデータ（令和3年度 千葉県ICT利活用戦略）を読み込みます")
    p.set_defaults(func=cmd_demo)

    p = operator_option(add("import-indicators",
                            "指標の一覧（.xlsx または CSV）を戦略に取り込みます（全行を取り込むか、1行も取り込まないか）"))
    p.add_argument("file")
    p.add_argument("--strategy", required=True, help="戦略コード（例: chiba-ict）")
    p.add_argument("--dry-run", action="store_true", help="読み取りと確認だけを行い、何も書き込みません")
    p.add_argument("--format", choices=["text", "json"], default="text", help="--dry-run の出力形式")
    p.add_argument("--era", help="記載の元号（元号のない「31年度」を読む元号: 平成・令和 など）。既定は戦略の設定")
    p.add_argument("--adopted", type=int, help="計画の策定年（西暦）。--era がないとき、この年の元号で読みます")
    p.add_argument("--department", help="担当課が空欄の行の担当課（コードか名前）")
    p.set_defaults(func=cmd_import_indicators)

    p = operator_option(add("set-reference", "相対目標（全国平均を上回る など）の、その年度の比較する値と出典を入力します"))
    p.add_argument("code", help="指標コード")
    p.add_argument("--strategy", required=True)
    p.add_argument("--cycle", type=int, required=True, help="年度（西暦）")
    p.add_argument("--value", required=True, help="比較する値（例: 62.4）")
    p.add_argument("--source", required=True, help="出典（例: 文部科学省 全国学力・学習状況調査）")
    p.set_defaults(func=cmd_set_reference)

    p = add("indicator-template", "指標一覧の取込用テンプレート（記入方法付きの Excel）を書き出します")
    p.add_argument("--out", required=True, help="書き出す .xlsx ファイル")
    p.set_defaults(func=cmd_indicator_template)

    p = add("departments", "担当課コードの一覧を表示します")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.set_defaults(func=cmd_departments)

    p = add("audit", "監査ログのハッシュの連鎖を検証し、改ざんがあれば最初の記録を示します（終了コード 1）")
    p.add_argument("action", choices=("verify",))
    p.set_defaults(func=cmd_audit)

    p = add("demo-scale", "全国の自治体規模の合成データ（例: 1,788団体 × 100指標 × 10年度）で新しいデータベースを作ります"
                          "（--db に新しいファイル、または空の PostgreSQL データベースの URL）")
    p.add_argument("--orgs", type=int, default=1788)
    p.add_argument("--indicators", type=int, default=100)
    p.add_argument("--cycles", type=int, default=10)
    p.add_argument("--overwrite", action="store_true", help="既存のファイルを置き換えます")
    p.set_defaults(func=cmd_demo_scale)

    p = add("slides-png", "スライド（.pptx）を LibreOffice で PNG 画像にします（見た目の確認用）")
    p.add_argument("deck", help=".pptx ファイル（kpi publish の出力）")
    p.add_argument("--out", required=True, help="PNG の出力先フォルダ")
    p.add_argument("--first", type=int, default=100, help="表示する枚数")
    p.set_defaults(func=cmd_slides_png)

    p = add("init", "スキーマを作成・更新します（--demo で空のときデモデータも読み込み）")
    p.add_argument("--demo", action="store_true")
    p.set_defaults(func=cmd_init)

    p = add("export-warehouse", "データベース全体を別の保存先へコピーし、1行ずつ照合します"
                                "（DuckDB ファイル ⇄ PostgreSQL。コピー先は空であること）")
    p.add_argument("--to", required=True, help="コピー先: postgresql://… の URL、または新しい DuckDB ファイル")
    p.set_defaults(func=cmd_export_warehouse)

    p = add("backup", "データベースの整合したバックアップを作成します（アプリの稼働中でも可）")
    p.add_argument("--out", required=True, help="バックアップの出力先ファイル（PostgreSQL の倉庫は pg_dump の custom 形式）")
    p.set_defaults(func=cmd_backup)

    p = add("restore", "バックアップからデータベースを復元します（元のファイルは .before-restore として残します。"
                       "PostgreSQL は空のデータベースへ）")
    p.add_argument("file", help="kpi backup で作ったファイル（同じフォルダーの <file>.manifest.json で検証します）")
    p.add_argument("--no-manifest", action="store_true",
                   help="検証用の記録のない古いバックアップを復元します（全表の読み取りによる検査のみ）")
    p.set_defaults(func=cmd_restore)
