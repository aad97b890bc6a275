"""Administrative commands of `kpi`: strategies, pillars, items, departments, accounts, and the value workflow.

Every command acts as a named account (`--as LOGIN` or $KPI_OPERATOR) with that account's permissions; the
audit trail records it. Exit codes: 0 done, 1 refused (every problem printed), 2 wrong use.
"""
from __future__ import annotations

import getpass
import json
import os
import secrets
import sys
from pathlib import Path

REFUSED, WRONG_USE = 1, 2


def _err(message: str) -> None:
    print(f"エラー: {message}", file=sys.stderr)


def _refusals():
    """The exceptions that mean 'refused' (exit 1) for an administrative command."""
    from kpi.domain.workflow import WorkflowError
    from kpi.services.admin import AdminError
    from kpi.services.actors import Forbidden
    from kpi.services.master_data import MasterDataError

    return (AdminError, Forbidden, MasterDataError, WorkflowError)


def _run(args, body) -> int:
    """Resolve the operator, run the body, and turn refusals and wrong use into exit codes."""
    from kpi.services import operators

    try:
        actor = (operators.setup_operator if getattr(args, "setup", False) else operators.operator)(args.as_, args.db)
        return body(actor)
    except (operators.OperatorMissing, operators.AmbiguousCycle) as exc:
        _err(str(exc))
        return WRONG_USE
    except _refusals() as exc:
        _err(str(exc))
        return REFUSED


def _print(rows: list[dict], fmt: str, columns: list[str]) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for r in rows:
        print("\t".join("" if r.get(c) is None else ("、".join(map(str, r[c])) if isinstance(r[c], list) else str(r[c]))
                        for c in columns))


def _password(args) -> str | None:
    """The new password from stdin (--password-stdin) or typed twice at a prompt; never from an argument."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        _err("パスワードは --password-stdin で標準入力から渡すか、端末で入力してください")
        return None
    first = getpass.getpass("新しいパスワード: ")
    if first != getpass.getpass("もう一度: "):
        _err("2回の入力が一致しません")
        return None
    return first


# ---- strategies, pillars, items -----------------------------------------------------------------------------

def _strategy_id(con_db, code: str) -> dict:
    import warehouse
    from kpi.services.master_data import MasterDataError
    from warehouse import master

    with warehouse.connect(con_db) as con:
        found = [s for s in master.list_strategies(con) if s["code"] == code]
    if not found:
        raise MasterDataError(f"戦略コード「{code}」はありません")
    return found[0]  # newest version first


def _cmd_strategy(args) -> int:
    from kpi.services import master_data

    def body(actor):
        if args.action == "list":
            rows = master_data.overview(actor, db=args.db)["strategies"]
            _print([{k: s.get(k) for k in ("code", "version", "name", "publisher", "valid_from_fy", "valid_to_fy",
                                           "indicators", "cycles")} for s in rows], args.format,
                   ["code", "version", "name", "valid_from_fy", "valid_to_fy", "indicators"])
            return 0
        if not args.code:
            raise master_data.MasterDataError("--code（戦略コード）を指定してください")
        if args.action == "add":
            new_id = master_data.create_strategy(actor, {"code": args.code, "name": args.name,
                                                         "valid_from_fy": args.from_fy, "valid_to_fy": args.to_fy,
                                                         "publisher": args.publisher}, db=args.db)
            print(f"戦略「{args.code}」を登録しました（ID {new_id}）")
            return 0
        s = _strategy_id(args.db, args.code)
        form = {"name": args.name or s["name"], "publisher": args.publisher or s.get("publisher"),
                "established_text": s.get("established_text"),
                "valid_from_fy": args.from_fy or s["valid_from_fy"],
                "valid_to_fy": args.to_fy if args.to_fy is not None else s.get("valid_to_fy")}
        master_data.update_strategy(actor, s["strategy_id"], form, db=args.db)
        print(f"戦略「{args.code}」（第{s['version']}版）を変更しました")
        return 0

    return _run(args, body)


def _cmd_pillar(args) -> int:
    from kpi.services import master_data

    def body(actor):
        s = _strategy_id(args.db, args.strategy)
        if args.kind == "pillar":
            master_data.save_pillar(actor, s["strategy_id"], args.no, args.name, db=args.db)
            print(f"戦略「{args.strategy}」の柱{args.no}「{args.name}」を登録しました")
        else:
            master_data.save_item(actor, s["strategy_id"], args.pillar, args.no, args.name, db=args.db)
            print(f"戦略「{args.strategy}」の柱{args.pillar} 項目{args.no}「{args.name}」を登録しました")
        return 0

    return _run(args, body)


# ---- departments --------------------------------------------------------------------------------------------

def _cmd_department(args) -> int:
    from kpi.services import directory, master_data

    def body(actor):
        if args.action == "list":
            rows = directory.list_departments(actor, db=args.db)
            _print(rows, args.format, ["code", "name", "indicators", "active"])
            return 0
        if not args.code:
            raise master_data.MasterDataError("--code（担当課コード）を指定してください")
        known = {d["code"]: d for d in directory.list_departments(actor, db=args.db)}
        code = args.code.strip().upper()
        if args.action in ("edit", "retire") and code not in known:
            raise master_data.MasterDataError(f"担当課コード「{code}」はありません")
        if args.action == "add" and code in known:
            raise master_data.MasterDataError(f"担当課コード「{code}」は既にあります（名称の変更は edit）")
        name = args.name or (known[code]["name"] if code in known else None)
        master_data.save_department(actor, code, name, active=args.action != "retire", db=args.db)
        print(f"担当課「{code}」を{'使用停止にしました' if args.action == 'retire' else '保存しました'}")
        return 0

    return _run(args, body)


def _cmd_reason_category(args) -> int:
    from kpi.services import master_data

    def body(actor):
        if args.action == "list":
            _print(master_data.overview(actor, db=args.db)["reason_categories"], args.format, ["code", "name"])
            return 0
        if not (args.code and args.name):
            raise master_data.MasterDataError("--code と --name を指定してください")
        master_data.save_reason_category(actor, args.code, args.name, args.order, db=args.db)
        print(f"要因の分類「{args.name}」を保存しました")
        return 0

    return _run(args, body)


# ---- accounts -----------------------------------------------------------------------------------------------

def _account(actor, login: str, db) -> dict:
    from kpi.services import admin, directory

    found = {u["login"]: u for u in directory.list_accounts(actor, db=db)}.get((login or "").strip().lower())
    if found is None:
        raise admin.AdminError(f"ログインID「{login}」はありません")
    return found


def _cmd_account(args) -> int:
    from kpi.services import admin, directory

    args.setup = args.action == "add"  # the first administrator of an empty warehouse

    def body(actor):
        if args.action == "list":
            rows = [{k: u.get(k) for k in ("login", "display_name", "roles", "departments", "active", "email")}
                    for u in directory.list_accounts(actor, db=args.db)]
            _print(rows, args.format, ["login", "display_name", "roles", "departments", "active"])
            return 0
        if not args.login:
            raise admin.AdminError("--login（ログインID）を指定してください")
        if args.action == "add":
            password = _password(args)
            if password is None:
                return WRONG_USE
            admin.create_account(actor, args.login, args.name, password, args.role or [], args.department or [],
                                 db=args.db)
            print(f"利用者「{args.login}」を追加しました")
            return 0
        u = _account(actor, args.login, args.db)
        if args.action == "reset-password":
            password = _password(args)
            if password is None:
                return WRONG_USE
            admin.reset_password(actor, u["login"], password, db=args.db)
            print(f"利用者「{u['login']}」のパスワードを再設定しました")
            return 0
        if args.action == "unlock":
            admin.unlock_account(actor, u["login"], db=args.db)
            print(f"利用者「{u['login']}」のログイン制限を解除しました")
            return 0
        active = {"disable": False, "enable": True}.get(args.action, u["active"])
        admin.update_account(actor, u["login"], roles=args.role if args.role is not None else u["roles"],
                             departments=args.department if args.department is not None else u["departments"],
                             active=active, email=args.email, display_name=args.name, db=args.db)
        print(f"利用者「{u['login']}」を{ {'disable': '無効に', 'enable': '有効に'}.get(args.action, '変更') }しました")
        return 0

    return _run(args, body)


def _cmd_accounts_import(args) -> int:
    from kpi.io.personnel import PersonnelError, read_personnel
    from kpi.services import admin

    path = Path(args.file)
    if not path.is_file():
        _err(f"ファイル {path} がありません")
        return WRONG_USE
    try:
        rows, problems = read_personnel(path.read_bytes(), path.name)
    except PersonnelError as exc:
        _err(str(exc))
        return REFUSED
    generated = [r for r in rows if not r["password"]]
    if generated and not args.passwords_out:
        _err("初期パスワードの列が空の行があります。--passwords-out FILE を指定すると生成したパスワードをそこへ書き出します")
        return WRONG_USE
    if problems:
        _err("取り込めませんでした（1件も登録していません）。\n" + "\n".join(problems))
        return REFUSED
    for r in generated:
        r["password"] = secrets.token_urlsafe(12)

    def body(actor):
        created = admin.import_accounts(actor, rows, db=args.db)
        if generated:
            out = Path(args.passwords_out)
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("ログインID,初期パスワード\n" + "".join(f"{r['login']},{r['password']}\n" for r in generated))
            print(f"生成した初期パスワード {len(generated)}件を {out} に書き出しました（所有者のみ読み書き可）")
        print(f"{path.name}: 利用者 {len(created)}件を登録しました")
        return 0

    return _run(args, body)


# ---- the value workflow -------------------------------------------------------------------------------------

def _cmd_value_action(args) -> int:
    from kpi.services import operators, workflow

    def body(actor):
        lines = operators.value_lines(args.cycle, strategy=args.strategy, codes=args.code or None,
                                      department=getattr(args, "department", None), db=args.db)
        if args.command == "submit":
            chosen = [ln for ln in lines if ln.state in ("draft", "returned")] if not args.code else lines
            unentered = [ln.code for ln in chosen if ln.ref is None]
            if unentered or not chosen:
                raise workflow.WorkflowError("提出できる値がありません" if not chosen else
                                             f"未入力の指標は提出できません: {'、'.join(unentered)}")
            workflow.submit(actor, [ln.ref for ln in chosen], db=args.db,
                            acknowledge_warnings=args.acknowledge_warnings)
            print(f"{len(chosen)}件を提出しました: {'、'.join(ln.code for ln in chosen)}")
            return 0
        problems = []
        for ln in lines:
            if ln.ref is None:
                problems.append(f"{ln.code}: 値が入力されていません")
                continue
            try:
                if args.command == "approve":
                    workflow.approve(actor, ln.ref, db=args.db, comment=args.comment)
                elif args.command == "return":
                    workflow.return_value(actor, ln.ref, args.comment or "", db=args.db)
                else:
                    workflow.reopen(actor, ln.ref, args.reason or "", db=args.db)
            except _refusals() as exc:
                problems.append(f"{ln.code}: {exc}")
            else:
                print(f"{ln.code} {ln.name}: {DONE_JA[args.command]}")
        for p in problems:
            _err(p)
        return REFUSED if problems else 0

    return _run(args, body)


DONE_JA = {"approve": "承認しました", "return": "差し戻しました", "reopen": "承認を取り消しました"}


def operator_option(p):
    """--as LOGIN: the named local operator a command acts as (default $KPI_OPERATOR); returns the parser."""
    p.add_argument("--as", dest="as_", default=None, metavar="LOGIN",
                   help="操作者のログインID（既定: $KPI_OPERATOR）。その利用者の権限で実行し、監査ログに記録します")
    return p


def register(add) -> None:
    """Add the administrative subcommands to the parser (add(name, help) → subparser with --db)."""
    operator = operator_option

    def fmt(p):
        p.add_argument("--format", choices=("json", "table"), default="table")

    p = operator(add("strategy", "戦略の登録・一覧・変更"))
    p.add_argument("action", choices=("add", "list", "edit"))
    p.add_argument("--code", help="戦略コード（例: chiba-ict）")
    p.add_argument("--name", help="戦略名")
    p.add_argument("--from-fy", type=int, help="適用開始年度（西暦）")
    p.add_argument("--to-fy", type=int, help="適用終了年度（西暦）")
    p.add_argument("--publisher", help="発行者（例: 千葉県）")
    fmt(p)
    p.set_defaults(func=_cmd_strategy)

    p = operator(add("pillar", "戦略の柱を登録・名称変更します"))
    p.add_argument("--strategy", required=True, help="戦略コード")
    p.add_argument("--no", type=int, required=True, help="柱の番号")
    p.add_argument("--name", required=True, help="柱の名称")
    p.set_defaults(func=_cmd_pillar, kind="pillar")

    p = operator(add("item", "柱の項目（①②③）を登録・名称変更します"))
    p.add_argument("--strategy", required=True, help="戦略コード")
    p.add_argument("--pillar", type=int, required=True, help="柱の番号")
    p.add_argument("--no", type=int, required=True, help="項目の番号")
    p.add_argument("--name", required=True, help="項目の名称")
    p.set_defaults(func=_cmd_pillar, kind="item")

    p = operator(add("department", "担当課の登録・一覧・名称変更・使用停止"))
    p.add_argument("action", choices=("add", "list", "edit", "retire"))
    p.add_argument("--code", help="担当課コード（例: JOHO）")
    p.add_argument("--name", help="担当課名")
    fmt(p)
    p.set_defaults(func=_cmd_department)

    p = operator(add("reason-category", "要因の分類（100%未満の要因の区分）の登録・一覧"))
    p.add_argument("action", choices=("add", "list"))
    p.add_argument("--code", help="分類コード（例: delay）")
    p.add_argument("--name", help="分類名（例: 事業の遅れ）")
    p.add_argument("--order", type=int, default=None, help="表示順")
    fmt(p)
    p.set_defaults(func=_cmd_reason_category)

    p = operator(add("account", "利用者の追加・一覧・変更・無効化・有効化・ログイン制限の解除・パスワード再設定"))
    p.add_argument("action", choices=("add", "list", "edit", "disable", "enable", "unlock", "reset-password"))
    p.add_argument("--login", help="ログインID")
    p.add_argument("--name", help="氏名・表示名")
    p.add_argument("--role", action="append", choices=("editor", "dept_head", "reviewer", "executive", "admin"),
                   help="役割（複数可: --role editor --role executive）")
    p.add_argument("--department", action="append", help="担当課コード（複数可）")
    p.add_argument("--email", help="組織アカウント（OpenID Connect）のメールアドレス")
    p.add_argument("--password-stdin", action="store_true", help="パスワードを標準入力の1行目から読みます")
    fmt(p)
    p.set_defaults(func=_cmd_account)

    p = operator(add("accounts", "職員名簿（CSV または .xlsx）から利用者をまとめて登録します（全行か、1行も登録しないか）"))
    p.add_argument("action", choices=("import",))
    p.add_argument("file", help="ログインID・氏名・役割・担当課・初期パスワードの列を持つ名簿")
    p.add_argument("--passwords-out", help="初期パスワードが空の行に生成したパスワードの書き出し先（0600）")
    p.set_defaults(func=_cmd_accounts_import)

    for name, help_ja in (("submit", "担当課の下書き・差戻しの値を提出します（--code で指標を選べます）"),
                          ("approve", "提出された値を承認します（所属長承認者は所属の一次承認）"),
                          ("return", "提出された値を差し戻します（--comment 必須）"),
                          ("reopen", "承認済の値の承認を取り消します（--reason 必須）")):
        p = operator(add(name, help_ja))
        p.add_argument("--cycle", type=int, required=True, help="年度（西暦）例: 2022")
        p.add_argument("--strategy", default=None, help="戦略コード（同じ年度のサイクルが複数の戦略にあるときは必須）")
        p.add_argument("--code", nargs="+", action="extend", required=name != "submit", help="指標コード（複数可）")
        if name == "submit":
            p.add_argument("--department", required=True, help="担当課コード")
            p.add_argument("--acknowledge-warnings", action="store_true", help="保存時の警告を確認済みとして提出します")
        if name in ("approve", "return"):
            p.add_argument("--comment", required=name == "return", help="コメント")
        if name == "reopen":
            p.add_argument("--reason", required=True, help="承認取消の理由")
        p.set_defaults(func=_cmd_value_action)
