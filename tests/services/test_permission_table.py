"""The one permission table as a matrix: role × permission × own/other department × cycle state.

The expected answers are written out below by hand (from DOMAIN.md), not derived from kpi.domain.permissions;
every cell of the matrix is checked through the one API (kpi.services.permissions.allowed/check).
"""
from __future__ import annotations

import itertools
import re

import pytest

from kpi.domain.roles import Role
from kpi.services.actors import Actor, Forbidden
from kpi.services.permissions import Permission, allowed, check

OWN, OTHER = "GYOKAKU", "IRYO"
ACTORS = {
    "editor": Actor("e", "入力担当", frozenset({Role.EDITOR}), frozenset({OWN})),
    "dept_head": Actor("h", "所属長", frozenset({Role.DEPT_HEAD}), frozenset({OWN})),
    "reviewer": Actor("r", "審査担当", frozenset({Role.REVIEWER})),
    "executive": Actor("x", "幹部", frozenset({Role.EXECUTIVE})),
    "admin": Actor("a", "管理者", frozenset({Role.ADMIN})),
    "reviewer+editor": Actor("re", "審査兼入力", frozenset({Role.REVIEWER, Role.EDITOR}), frozenset({OWN})),
}
CYCLE_STATES = ("preparing", "open", "closed", "finalized")
ANY, OPEN, UNTIL_CLOSED = set(CYCLE_STATES), {"open"}, {"open", "closed"}
OVER = {"closed", "finalized"}  # 見込 → 確定: a 確定値 is entered and approved once the year is over

# "all": any department; "own": the actor's own departments only; "-": never.
#                           editor dept_head reviewer executive admin reviewer+editor  cycle states
EXPECTED = {
    "view":                 ("all", "all", "all",  "all",  "all",  "all",  ANY),
    "view_unapproved":      ("own", "own", "all",  "-",    "-",    "all",  ANY),
    "view_unapproved_all":  ("-",   "-",   "all",  "-",    "-",    "all",  ANY),
    "save":                 ("own", "-",   "-",    "-",    "-",    "own",  OPEN),
    "submit":               ("own", "-",   "-",    "-",    "-",    "own",  OPEN),
    "head_approve":         ("-",   "own", "-",    "-",    "-",    "-",    UNTIL_CLOSED),
    "head_return":          ("-",   "own", "-",    "-",    "-",    "-",    UNTIL_CLOSED),
    "return":               ("-",   "-",   "all",  "-",    "-",    "all",  UNTIL_CLOSED),
    "approve":              ("-",   "-",   "all",  "-",    "-",    "all",  UNTIL_CLOSED),
    "reopen":               ("-",   "-",   "all",  "-",    "-",    "all",  UNTIL_CLOSED),
    "manage_master":        ("-",   "-",   "all",  "-",    "all",  "all",  ANY),
    "manage_users":         ("-",   "-",   "-",    "-",    "all",  "-",    ANY),
    "publish":              ("-",   "-",   "all",  "-",    "-",    "all",  ANY),
    "view_audit":           ("-",   "-",   "all",  "-",    "all",  "all",  ANY),
    "write_narrative":      ("-",   "-",   "all",  "-",    "-",    "all",  ANY),
    "view_cycles":          ("all", "all", "all",  "all",  "all",  "all",  ANY),
    "view_departments":     ("-",   "-",   "all",  "-",    "all",  "all",  ANY),
    "view_accounts":        ("-",   "-",   "-",    "-",    "all",  "-",    ANY),
    "remind":               ("-",   "-",   "all",  "-",    "all",  "all",  ANY),
    "confirm":              ("own", "-",   "-",    "-",    "-",    "own",  OVER),
    "confirm_head_approve": ("-",   "own", "-",    "-",    "-",    "-",    OVER),
    "confirm_approve":      ("-",   "-",   "all",  "-",    "-",    "all",  OVER),
}
COLUMNS = ("editor", "dept_head", "reviewer", "executive", "admin", "reviewer+editor")
DEPARTMENTS = {"own": OWN, "other": OTHER, "none": None}


def _expected(actor: str, permission: str, dept: str, cycle_state: str | None) -> bool:
    row = EXPECTED[permission]
    who = row[COLUMNS.index(actor)]
    if who == "-":
        return False
    if who == "own" and dept == "other":
        return False
    return cycle_state is None or cycle_state in row[-1]


def test_the_expected_table_covers_every_permission():
    assert set(EXPECTED) == {p.value for p in Permission}


CASES = list(itertools.product(ACTORS, [p.value for p in Permission], DEPARTMENTS, (None, *CYCLE_STATES)))


@pytest.mark.parametrize(("actor", "permission", "dept", "cycle_state"), CASES,
                         ids=[f"{a}-{p}-{d}-{c or 'any'}" for a, p, d, c in CASES])
def test_every_cell_of_the_matrix(actor, permission, dept, cycle_state):
    want = _expected(actor, permission, dept, cycle_state)
    got = allowed(ACTORS[actor], Permission(permission), DEPARTMENTS[dept], cycle_state)
    assert got is want
    if want:
        check(ACTORS[actor], Permission(permission), DEPARTMENTS[dept], cycle_state)
    else:
        with pytest.raises(Forbidden) as err:
            check(ACTORS[actor], Permission(permission), DEPARTMENTS[dept], cycle_state)
        assert re.search(r"[\u3040-\u30ff\u3400-\u9fff]", str(err.value))
        assert str(err.value).endswith(("権限がありません", "はできません"))


@pytest.mark.parametrize("dept", DEPARTMENTS)
@pytest.mark.parametrize("cycle_state", (None, *CYCLE_STATES))
def test_the_administrator_never_sees_unapproved_figures(dept, cycle_state):
    admin = ACTORS["admin"]
    assert not allowed(admin, Permission.VIEW_UNAPPROVED, DEPARTMENTS[dept], cycle_state)
    assert not allowed(admin, Permission.VIEW_UNAPPROVED_ALL, DEPARTMENTS[dept], cycle_state)
    assert allowed(admin, Permission.VIEW_APPROVED, DEPARTMENTS[dept], cycle_state)


def test_an_editor_sees_unapproved_figures_of_their_own_departments_only():
    editor = ACTORS["editor"]
    assert allowed(editor, Permission.VIEW_UNAPPROVED, OWN)
    assert not allowed(editor, Permission.VIEW_UNAPPROVED, OTHER)
    assert not allowed(editor, Permission.VIEW_UNAPPROVED_ALL)
    with pytest.raises(Forbidden, match=f"担当外の所属（{OTHER}）の未承認の値の閲覧はできません"):
        check(editor, Permission.VIEW_UNAPPROVED, OTHER)


def test_what_names_the_refused_thing():
    with pytest.raises(Forbidden, match="^督促設定の変更の権限がありません$"):
        check(ACTORS["editor"], Permission.REMIND, what="督促設定の変更")


# ---- one module answers: no second copy of the table's roles or cycle states ---------------------------------------

def test_no_second_authorization_api_or_copied_guard():
    import ast
    from pathlib import Path

    import kpi.services.actors as actors

    assert not hasattr(actors, "require")  # one API: permissions.allowed / check
    root = Path(__file__).resolve().parents[2] / "kpi"
    cycle_states = set(CYCLE_STATES)
    copies = []
    for path in root.rglob("*.py"):
        if path.relative_to(root).as_posix() == "domain/permissions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Set, ast.Tuple, ast.List)) and node.elts and all(
                    isinstance(e, ast.Constant) and e.value in cycle_states for e in node.elts):
                copies.append(f"{path.relative_to(root)}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id in ("_OPEN_FOR", "_ROLE_FOR", "_PERMISSION_FOR"):
                copies.append(f"{path.relative_to(root)}:{node.lineno} {node.id}")
    assert copies == []
