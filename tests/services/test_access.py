"""Read services check the actor's role and department themselves, whatever the page shows."""
from __future__ import annotations

import pytest

from kpi.domain.workflow import Role
from kpi.services import directory, summaries
from kpi.services.accounts import LoginFailed, authenticate
from kpi.services.actors import Actor, Forbidden


def _actor(role: Role, *depts: str) -> Actor:
    return Actor(f"t-{role.value}", "テスト", frozenset({role}), frozenset(depts))


@pytest.mark.parametrize("role", [Role.EDITOR, Role.EXECUTIVE])
def test_only_reviewers_and_admins_preview_unapproved_values(demo_db, role):
    with pytest.raises(Forbidden, match="権限がありません"):
        summaries.load_cycle(2021, basis="all", actor=_actor(role, "GYOKAKU"), db=demo_db)


def test_reviewers_may_preview(demo_db):
    view = summaries.load_cycle(2021, basis="all", actor=_actor(Role.REVIEWER), db=demo_db)
    assert len(view.rows) == 68


def test_administrators_may_not_preview_unapproved_figures(demo_db):  # segregation of duties (issue #20)
    with pytest.raises(Forbidden, match="権限がありません"):
        summaries.load_cycle(2021, basis="all", actor=_actor(Role.ADMIN), db=demo_db)


def test_editor_department_view_holds_only_their_departments(demo_db):
    view = summaries.department_view(2021, actor=_actor(Role.EDITOR, "IRYO"), db=demo_db)
    assert view.rows and {e.row["department_code"] for e in view.rows} == {"IRYO"}


def test_editor_of_two_departments_sees_both(demo_db):
    view = summaries.department_view(2021, actor=_actor(Role.EDITOR, "IRYO", "GYOKAKU"), db=demo_db)
    assert {e.row["department_code"] for e in view.rows} == {"IRYO", "GYOKAKU"}


def test_executive_has_no_department_view(demo_db):
    with pytest.raises(Forbidden):
        summaries.department_view(2021, actor=_actor(Role.EXECUTIVE), db=demo_db)


@pytest.mark.parametrize(("role", "allowed"), [(Role.ADMIN, True), (Role.REVIEWER, False),
                                               (Role.EXECUTIVE, False), (Role.EDITOR, False)])
def test_only_administrators_list_accounts(demo_db, role, allowed):
    if allowed:
        accounts = directory.list_accounts(_actor(role), db=demo_db)
        assert all("password_hash" not in a for a in accounts)
    else:
        with pytest.raises(Forbidden):
            directory.list_accounts(_actor(role), db=demo_db)


def test_passwords_are_stored_as_argon2_hashes(demo_db):
    import warehouse

    with warehouse.connect(demo_db) as con:
        hashes = [r[0] for r in con.execute("SELECT password_hash FROM users").fetchall()]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_authenticate_gives_the_account_roles_and_departments(demo_db):
    actor = authenticate("editor2", "editor2-pass", db=demo_db)
    assert actor.roles == frozenset({Role.EDITOR}) and actor.departments == frozenset({"IRYO"})
    with pytest.raises(LoginFailed):
        authenticate("editor2", "editor1-pass", db=demo_db)
