"""Who acts on the command line, and what a command's --cycle/--strategy/--code name.

The command line acts as a named account of the warehouse (`--as LOGIN` or $KPI_OPERATOR), with that account's
roles and departments, so it passes the same permission checks as the pages and the audit trail names the person.
Only while the warehouse has no active administrator may `kpi account add` act as the local set-up operator
("local"), to create the first one.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

import warehouse
from kpi.domain.workflow import Role
from kpi.services.accounts import actor_of
from kpi.services.actors import Actor, Forbidden
from kpi.services.workflow import ValueRef
from warehouse import master, users, values

OPERATOR_ENV = "KPI_OPERATOR"


class OperatorMissing(ValueError):
    """No operator was named (wrong use: exit 2)."""


class AmbiguousCycle(ValueError):
    """A fiscal year that two strategies share, named without --strategy (wrong use: exit 2)."""


@dataclass(frozen=True)
class ValueLine:
    """One indicator of a cycle as a command addresses it by code."""

    code: str
    name: str
    department: str
    ref: ValueRef | None  # None: nothing entered yet
    state: str | None


def operator(login: str | None, db: Path | str | None = None) -> Actor:
    """The Actor of the named, active account; OperatorMissing when none is named, Forbidden when refused."""
    login = (login or os.environ.get(OPERATOR_ENV) or "").strip().lower()
    if not login:
        raise OperatorMissing(f"操作者のログインIDを --as または環境変数 {OPERATOR_ENV} で指定してください"
                              "（監査ログに操作者として記録されます）")
    with warehouse.connect(db) as con:
        user = users.get_user(con, login)
    if user is None or not user["active"]:
        raise Forbidden(f"操作者「{login}」は有効な利用者ではありません")
    return actor_of(user)


def setup_operator(login: str | None, db: Path | str | None = None) -> Actor:
    """The named operator, or — only while no active administrator exists — the local set-up operator."""
    warehouse.init_db(db)
    with warehouse.connect(db) as con:
        has_admin = any(u["active"] and Role.ADMIN.value in u["roles"] for u in users.list_users(con))
    if not has_admin and not (login or os.environ.get(OPERATOR_ENV)):
        return Actor("local", f"初期設定（{getpass.getuser()}）", frozenset({Role.ADMIN}))
    return operator(login, db)


def cycle_of(fiscal_year: int, strategy: str | None, db: Path | str | None = None) -> dict:
    """The cycle of a fiscal year; with two strategies sharing the year, --strategy must say which."""
    with warehouse.connect(db) as con:
        codes = sorted({c["strategy_code"] for c in master.list_cycles(con) if c["fiscal_year"] == fiscal_year})
        if strategy is None and len(codes) > 1:
            raise AmbiguousCycle(f"{fiscal_year}年度のサイクルは複数の戦略（{'、'.join(codes)}）にあります。"
                                 "--strategy で戦略コードを指定してください")
        cycle = master.find_cycle(con, fiscal_year, strategy)
    if cycle is None:
        raise Forbidden(f"{fiscal_year}年度のサイクルがありません" + (f"（戦略 {strategy}）" if strategy else ""))
    return cycle


def value_lines(fiscal_year: int, *, strategy: str | None = None, codes: list[str] | None = None,
                department: str | None = None, db: Path | str | None = None) -> list[ValueLine]:
    """The cycle's indicators named by code (every named code must exist) or of one department."""
    cycle = cycle_of(fiscal_year, strategy, db)
    with warehouse.connect(db) as con:
        rows = values.values_by_code(con, cycle["cycle_id"], codes, department)
    missing = sorted(set(codes or []) - {r["code"] for r in rows})
    if missing:
        raise Forbidden(f"{cycle['label']}にない指標コードです: {'、'.join(missing)}")
    return [ValueLine(r["code"], r["name"], r["department_code"],
                      ValueRef(r["value_id"], r["version"]) if r["value_id"] is not None else None, r["state"])
            for r in rows]
