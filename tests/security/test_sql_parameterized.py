"""SQL is parameterized everywhere: no statement passed to DuckDB is built from values with f-strings, %, + or
.format(). The only text ever spliced into a statement is a vetted identifier from a fixed allow-list.

The allow-list (what may appear inside {…} of a statement, or be concatenated to one):
* module constants in UPPER_CASE (tuples of column names such as _VALUE_COLUMNS, SQL fragments such as _SELECT or
  _MILESTONE_JOINS, table lists such as CORE_TABLES) — written in the source, never derived from input;
* _view(basis) (warehouse/reporting.py, insights.py), which refuses anything but its two constant view names;
* the helpers _cast (warehouse/values.py: a CAST(... AS <constant type>) around a constant column name) and
  _column (warehouse/reporting.py: v.<name>, or a constant CASE for target_type);
* _alias(n) (warehouse/connection.py): the catalog name kpi_wh_<int(n)> of an attached warehouse file, the
  number from the process's own counter;
* _ident(*names) (warehouse/transfer.py): catalog names read back from the warehouse, each refused unless a plain
  identifier ([A-Za-z_][A-Za-z_0-9]*), quoted;
* PARAM_IDENTIFIERS: the `columns` parameter of reporting.evaluation_frame (refused unless every name is one of
  EVAL_COLUMNS / TREND_COLUMNS);
* local names (cols, marks, sets, view, order, t, c …) whose every binding in the function is built only from the
  above (comprehensions and loops over them, joins, conditional choices between constants); conditions and len()
  never reach the text.
Statements received as a parameter are allowed only in the pass-through functions PASS_THROUGH, whose own
callers are then checked as sinks.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("kpi", "warehouse", "flows", "app")
SINKS = {"execute": 0, "executemany": 0, "sql": 0, "frame": 1, "_arrow_frame": 1, "one": 0,
         # the reporting reads' other entry points (warehouse/reporting.py dicts; warehouse/pg_reads.py)
         "dicts": 1, "arrow": 1, "rows": 1, "batches": 1}
PASS_THROUGH = {("warehouse/connection.py", "execute"), ("warehouse/connection.py", "executemany"),
                ("warehouse/connection.py", "sql"), ("warehouse/reporting.py", "frame"),
                ("warehouse/values.py", "_arrow_frame"), ("kpi/demo/scale.py", "<lambda>"),
                # the PostgreSQL adapter's pass-through (the statement translated from the caller's DuckDB text),
                # and its read of a relation's columns, whose name comes from a statement of ours parsed by sqlglot
                ("warehouse/pg.py", "execute"), ("warehouse/pg.py", "sql"), ("warehouse/pg.py", "_run"),
                ("warehouse/pg.py", "_run_many"),
                # the reporting reads (a DuckDB-dialect statement of warehouse/reporting.py, insights.py,
                # report_sections.py), run by DuckDB on either backend; on PostgreSQL in pg_reads' snapshot
                ("warehouse/reporting.py", "dicts"), ("warehouse/pg_reads.py", "arrow"),
                ("warehouse/pg_reads.py", "frame"), ("warehouse/pg_reads.py", "rows"),
                ("warehouse/pg_reads.py", "batches")}
HELPERS = {"_cast", "_column"}
# _view (warehouse/reporting.py, insights.py): refuses any basis but two and returns a constant name;
# _alias (warehouse/connection.py): "kpi_wh_" + int(n), so nothing but digits follows the constant prefix
# _ident (warehouse/transfer.py): refuses any name but a plain identifier, then quotes it
# pg_type (warehouse/pg_types.py): one of a fixed set of PostgreSQL type names, whatever the frame's column type
# column_defs (warehouse/pg_types.py): a frame's column names quoted by psycopg.sql.Identifier, types from pg_type
# _table (warehouse/pg_reads.py): refuses any name but the constant tables of pg_reads.TABLES
# _pg_read (warehouse/pg_reads.py): the read of a table of TABLES (_table), its columns from TABLES, its WHERE one
#   of two constants binding $1 — a whole statement, so also accepted as a statement by itself (safe())
VALIDATING = {"_view", "_alias", "_ident", "pg_type", "column_defs", "_table", "_pg_read"}
# identifiers received as parameters, checked by the function against its module's constant column tuples
PARAM_IDENTIFIERS = {("warehouse/reporting.py", "evaluation_frame", "columns"),
                     # a relation named in one of our own statements (parsed by sqlglot), for its column list
                     ("warehouse/pg.py", "_columns_of", "relation")}
_CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]*")


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _constant_name(name: str) -> bool:
    return bool(_CONSTANT.fullmatch(name))


def _spliced(node: ast.AST) -> set[str]:
    """The names whose text ends up in the string an expression builds (conditions and lengths do not)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Constant):
        return set()
    if isinstance(node, ast.IfExp):
        return _spliced(node.body) | _spliced(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return set().union(*(_spliced(v.value) for v in node.values if isinstance(v, ast.FormattedValue)))
    if isinstance(node, ast.BinOp):
        return _spliced(node.left) | _spliced(node.right)
    if isinstance(node, ast.Starred):
        return _spliced(node.value)
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(*(_spliced(e) for e in node.elts))
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return _spliced(node.elt) | set().union(*(_spliced(g.iter) for g in node.generators))
    if isinstance(node, ast.Attribute) and _constant_name(node.attr):  # reporting.TREND_COLUMNS
        return set()
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in VALIDATING:
            return set()
        if isinstance(node.func, ast.Name) and node.func.id == "len":
            return set()
        if isinstance(node.func, ast.Name) and node.func.id in HELPERS:
            return set().union(*(_spliced(a) for a in node.args))
        if isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list"):
            return set().union(*(_spliced(a) for a in node.args))
        # psycopg's composition: Identifier/Literal are quoted by psycopg; SQL(...) splices what it is given
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("Identifier", "Literal") \
                and ast.unparse(node.func.value).endswith("sql"):
            return set()
        if isinstance(node.func, ast.Attribute) and node.func.attr == "SQL" and ast.unparse(node.func.value).endswith("sql"):
            return set().union(*(_spliced(a) for a in node.args))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _spliced(node.func.value) | set().union(*(_spliced(a) for a in node.args),
                                                           *(_spliced(k.value) for k in node.keywords))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "join":
            return _spliced(node.func.value) | set().union(*(_spliced(a) for a in node.args))
    return {"<" + ast.unparse(node)[:40] + ">"}


class _Checker:
    def __init__(self, rel: str, tree: ast.Module):
        self.rel, self.tree = rel, tree
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.problems: list[str] = []
        self.visiting: set[tuple[int, str]] = set()

    def scope(self, node: ast.AST) -> ast.AST:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return node
        return self.tree

    def scope_name(self, scope: ast.AST) -> str:
        return "<lambda>" if isinstance(scope, ast.Lambda) else getattr(scope, "name", "<module>")

    def bindings(self, scope: ast.AST, name: str) -> list[ast.AST]:
        """Values assigned to name in the scope."""
        out = []
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                out.append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name \
                    and node.value is not None:
                out.append(node.value)
        return out

    def params(self, scope: ast.AST) -> set[str]:
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = scope.args
            return {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
        return set()

    def vetted_binding(self, scope: ast.AST, name: str, depth: int = 0) -> bool:
        """Every binding of a vetted local draws from constants or other vetted names."""
        key = (id(scope), name)
        if key in self.visiting:  # cols → c → cols: what is being checked holds unless another binding breaks it
            return True
        if depth > 8:
            return False
        self.visiting.add(key)
        try:
            return self._vetted_binding(scope, name, depth)
        finally:
            self.visiting.discard(key)

    def _vetted_binding(self, scope: ast.AST, name: str, depth: int) -> bool:
        if name in self.params(scope):
            return (self.rel, self.scope_name(scope), name) in PARAM_IDENTIFIERS
        bound = self.bindings(scope, name) or [n for n in ast.walk(scope) if isinstance(n, (ast.comprehension, ast.For))
                                               and name in _names(n.target)]
        if not bound:
            return False  # a global or a name from elsewhere: not known to be vetted
        for node in ast.walk(scope):
            if isinstance(node, (ast.comprehension, ast.For)) and name in _names(node.target):
                if not self.vetted(node.iter, scope, depth + 1):
                    return False
        return all(self.vetted(value, scope, depth + 1) for value in self.bindings(scope, name))

    def vetted(self, expr: ast.AST, scope: ast.AST, depth: int = 0) -> bool:
        for n in _spliced(expr):
            if _constant_name(n):
                continue
            if n.startswith("<"):  # an expression the checker does not follow (a call, an attribute of a value)
                return False
            if self.vetted_binding(scope, n, depth):  # a local derived only from the allow-list
                continue
            return False
        return True

    def safe(self, expr: ast.AST, scope: ast.AST, depth: int = 0) -> bool:
        if depth > 5:
            return False
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, str)
        if isinstance(expr, ast.JoinedStr):
            return all(self.vetted(v.value, scope) for v in expr.values if isinstance(v, ast.FormattedValue))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.safe(expr.left, scope, depth + 1) and self.safe(expr.right, scope, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return self.safe(expr.left, scope, depth + 1) and self.vetted(expr.right, scope)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "SQL" \
                and ast.unparse(expr.func.value).endswith("sql"):  # psycopg.sql.SQL of a constant text
            return all(self.safe(a, scope, depth + 1) for a in expr.args)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
            return self.safe(expr.func.value, scope, depth + 1) and all(
                self.vetted(a, scope) for a in [*expr.args, *(k.value for k in expr.keywords)])
        if isinstance(expr, ast.IfExp):
            return self.safe(expr.body, scope, depth + 1) and self.safe(expr.orelse, scope, depth + 1)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in VALIDATING:
            return True  # a validating helper's own statement
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "sql" \
                and not expr.args:  # a migration's own file text (warehouse/migrations.py: mig.sql())
            return self.rel == "warehouse/migrations.py"
        if isinstance(expr, ast.Name):
            if expr.id in self.params(scope):
                return (self.rel, self.scope_name(scope)) in PASS_THROUGH
            for where in (scope, self.tree):
                values = self.bindings(where, expr.id) if where is scope else [
                    n.value for n in self.tree.body if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)]
                if values:
                    return all(self.safe(v, where, depth + 1) for v in values)
            return False
        return False

    def run(self) -> list[str]:
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name not in SINKS or len(node.args) <= SINKS[name]:
                continue
            if name == "one" and self.rel != "kpi/demo/scale.py":  # its lambda `one(sql)` runs SQL
                continue
            if name == "frame" and not self.rel.startswith("warehouse"):
                if not (isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "reporting"):
                    continue
            arg = node.args[SINKS[name]]
            if not self.safe(arg, self.scope(node)):
                self.problems.append(f"{self.rel}:{node.lineno}: {name}({ast.unparse(arg)[:100]})")
        return self.problems


def string_built_sql(rel: str, source: str) -> list[str]:
    """file:line of every statement built from something other than constants and vetted identifiers."""
    return _Checker(rel, ast.parse(source)).run()


def test_no_statement_is_built_from_values():
    problems = []
    files = 0
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            files += 1
            problems += string_built_sql(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    assert files > 50
    assert problems == [], "SQL built from values (bind it as a parameter instead):\n" + "\n".join(problems)


BAD = {
    "f-string of a value": 'def f(con, code):\n    con.execute(f"SELECT * FROM t WHERE code = \'{code}\'")\n',
    "concatenation": 'def f(con, code):\n    con.execute("SELECT * FROM t WHERE code = \'" + code + "\'")\n',
    "percent": 'def f(con, code):\n    con.execute("SELECT * FROM t WHERE code = \'%s\'" % code)\n',
    "format": 'def f(con, code):\n    con.execute("SELECT * FROM t WHERE code = \'{}\'".format(code))\n',
    "through a variable": 'def f(con, code):\n    q = f"DELETE FROM t WHERE c = {code}"\n    con.sql(q)\n',
    "cols from input": 'def f(con, row):\n    cols = list(row)\n    con.execute(f"INSERT INTO t ({cols}) VALUES (?)")\n',
    "parameter passed on": 'def f(con, query):\n    return con.execute(query)\n',
    "executemany": 'def f(con, t2):\n    con.executemany("INSERT INTO " + t2 + " VALUES (?)", [])\n',
}
GOOD = {
    "bound parameter": 'def f(con, code):\n    con.execute("SELECT * FROM t WHERE code = ?", [code])\n',
    "constant columns": ('COLS = ("a", "b")\ndef f(con, row):\n    cols = ", ".join(COLS)\n'
                         '    marks = ", ".join("?" for _ in COLS)\n'
                         '    con.execute(f"INSERT INTO t ({cols}) VALUES ({marks})", [row[c] for c in COLS])\n'),
    "constant fragment": '_SELECT = "SELECT 1"\ndef f(con):\n    con.execute(_SELECT + " WHERE x = ?", [1])\n',
}


def test_the_checker_flags_string_built_statements():
    for name, source in BAD.items():
        assert string_built_sql("kpi/example.py", source), name
    for name, source in GOOD.items():
        assert string_built_sql("kpi/example.py", source) == [], name
