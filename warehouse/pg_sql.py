"""DuckDB SQL → PostgreSQL SQL: the warehouse's statements are written once, in DuckDB's dialect.

Each statement text is translated once per process (cached by its text) with sqlglot, plus the rewrites sqlglot
does not do for PostgreSQL: `?::TYPE` (parsed as CAST), `[]` (an untyped '{}'), `GROUP BY ALL` (the select
list's non-aggregates, by position), `arg_max(a, b)` (the first `a` of the rows ordered by `b` descending, NULLs
ignored as in DuckDB), `SEMI JOIN` (an EXISTS), `DESCRIBE t` and `t.* REPLACE (e AS c)` (the relation's columns,
read once from PostgreSQL, with `c` replaced). `?` placeholders become psycopg's `%s` (`$name`: `%(name)s`) and a
literal `%` is doubled. Statements sqlglot cannot translate at all are listed in OVERRIDES (DuckDB text → PostgreSQL text).
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import duckdb
import sqlglot
from sqlglot import exp

# DuckDB statements with no PostgreSQL translation, answered by hand (exact DuckDB text → PostgreSQL text).
OVERRIDES = {
    "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
    " AND table_name = 'audit_log' AND column_name = 'row_hash'":
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = 'audit_log' AND column_name = 'row_hash'",
}

_PARAM = "kpi_param_7f3a"  # stands for `?` while sqlglot writes the text (then `%s`)
_CAST = re.compile(r"\?::([A-Za-z_][A-Za-z_0-9]*(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\[\])?)")
_NAMED = re.compile(_PARAM + r"__([A-Za-z_][A-Za-z_0-9]*)")
_DESCRIBE = re.compile(r"DESCRIBE\s+([A-Za-z_][A-Za-z_0-9]*)", re.I)
_cache: dict[str, str] = {}
_cache_guard = threading.Lock()

# Reads the column names of a relation (a FROM item's SQL text) from the database: used by REPLACE expansion.
ColumnsOf = Callable[[str], list[str]]


class Untranslatable(duckdb.ParserException):
    """A DuckDB statement that has no PostgreSQL translation (add it to OVERRIDES), or none at all."""


def translate(sql: str, columns_of: ColumnsOf, *, with_params: bool = True) -> list[str]:
    """The PostgreSQL statements for one DuckDB text (a script gives several), cached by text."""
    key = ("P" if with_params else "N") + sql
    cached = _cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    out = _translate(sql, columns_of, with_params)
    with _cache_guard:
        _cache[key] = out  # type: ignore[assignment]
    return out


def _translate(sql: str, columns_of: ColumnsOf, with_params: bool) -> list[str]:
    override = OVERRIDES.get(sql.strip())
    if override is not None:
        return [override.replace("?", "%s") if with_params else override]
    describe = _DESCRIBE.fullmatch(sql.strip())
    if describe:  # DESCRIBE t: the columns of a table or view, in order, with their types (as DuckDB's first two)
        return [f"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()"
                f" AND table_name = '{describe.group(1).lower()}' ORDER BY ordinal_position"]
    text = _CAST.sub(lambda m: f"CAST(? AS {m.group(1)})", sql)
    try:
        trees = [t for t in sqlglot.parse(text, read="duckdb") if t is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise Untranslatable(f"PostgreSQL に変換できない SQL です: {exc}\n{sql}") from exc
    return [_to_postgres(tree, columns_of, with_params) for tree in trees]


def script(sql: str, columns_of: ColumnsOf) -> Iterator[str]:
    """The PostgreSQL statements of a DuckDB script (a migration), one at a time: each is translated after the
    previous one ran, so a REPLACE over a view the script created just before reads that view's columns."""
    text = _CAST.sub(lambda m: f"CAST(? AS {m.group(1)})", sql)
    try:
        trees = [t for t in sqlglot.parse(text, read="duckdb") if t is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise Untranslatable(f"PostgreSQL に変換できない SQL です: {exc}\n{sql}") from exc
    for tree in trees:
        yield _to_postgres(tree, columns_of, with_params=False)


def _to_postgres(tree: exp.Expression, columns_of: ColumnsOf, with_params: bool) -> str:
    tree = tree.transform(_placeholder)
    tree = tree.transform(_arg_max)
    for select in list(tree.find_all(exp.Select)):
        _group_by_all(select)
        _semi_join(select)
        _replace_star(select, columns_of)
    pg = tree.sql(dialect="postgres")
    if with_params:
        return _NAMED.sub(r"%(\1)s", pg.replace("%", "%%")).replace(_PARAM, "%s")
    return _NAMED.sub("NULL", pg).replace(_PARAM, "NULL")


def _placeholder(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Placeholder):  # `?`, or `$name` (bound from a dict)
        name = node.args.get("this")
        return exp.column(_PARAM + (f"__{name}" if isinstance(name, str) and name.isidentifier() else ""))
    if isinstance(node, exp.Array) and not node.expressions:  # `[]`: ARRAY[] has no type in PostgreSQL; '{}' takes
        return exp.Literal.string("{}")                        # the type of what it is compared or coalesced with
    return node


def _arg_max(node: exp.Expression) -> exp.Expression:
    if isinstance(node, (exp.ArgMax, exp.ArgMin)):
        a, b = node.this.sql("postgres"), node.expression.sql("postgres")
        order = "DESC" if isinstance(node, exp.ArgMax) else "ASC"
        return sqlglot.parse_one(f"(ARRAY_AGG({a} ORDER BY {b} {order}) FILTER (WHERE {a} IS NOT NULL"
                                 f" AND {b} IS NOT NULL))[1]", read="postgres")
    return node


def _group_by_all(select: exp.Select) -> None:
    group = select.args.get("group")
    if group is None or not group.args.get("all"):
        return
    positions = [exp.Literal.number(i + 1) for i, e in enumerate(select.expressions)
                 if not any(isinstance(n, exp.AggFunc) for n in e.walk())]
    select.set("group", exp.Group(expressions=positions) if positions else None)


def _semi_join(select: exp.Select) -> None:
    for join in list(select.args.get("joins") or []):
        if (join.args.get("kind") or "").upper() != "SEMI":
            continue
        on = join.args.get("on")
        sub = exp.select("1").from_(join.this.copy()).where(on.copy())
        select.set("joins", [j for j in select.args["joins"] if j is not join] or None)
        select.where(exp.Exists(this=sub), copy=False)


def _replace_star(select: exp.Select, columns_of: ColumnsOf) -> None:
    items = []
    changed = False
    for e in select.expressions:
        star = e.this if isinstance(e, exp.Column) and isinstance(e.this, exp.Star) else e
        if not isinstance(star, exp.Star) or not star.args.get("replace"):
            items.append(e)
            continue
        changed = True
        qualifier = e.table if isinstance(e, exp.Column) else ""
        relation = _relation(select, qualifier)
        replaced = {r.alias.casefold(): r for r in star.args["replace"]}
        for name in columns_of(relation):
            if name.casefold() in replaced:
                items.append(replaced[name.casefold()].copy())
            else:
                items.append(exp.column(name, table=qualifier or None))
    if changed:
        select.set("expressions", items)


def _relation(select: exp.Select, qualifier: str) -> str:
    """The SQL of the FROM item a star refers to (by alias), for reading its columns."""
    froms = [select.args["from_"].this] if select.args.get("from_") else []
    froms += [j.this for j in select.args.get("joins") or []]
    for item in froms:
        if not qualifier or item.alias_or_name == qualifier:
            bare = item.copy()
            bare.set("alias", None)
            return bare.transform(_null_param).sql("postgres")
    raise Untranslatable(f"REPLACE の対象が見つかりません: {qualifier}")


def _null_param(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Column) and node.name == _PARAM:
        return exp.Null()
    return node
