"""load_demo on a fresh file: what it lands, the audit trail of every value, idempotence, referential integrity."""
from __future__ import annotations

import pytest

import warehouse
from kpi.demo.seed import load_demo

ALL_TABLES = (
    "schema_migrations", "strategies", "pillars", "items", "departments", "reason_categories", "indicators",
    "indicator_parts", "indicator_milestones", "cycles", "users", "user_roles", "user_departments",
    "intake_batches", "indicator_values", "value_parts", "validation_findings", "audit_log",
)


def _rows(path, sql, params=None):
    with warehouse.connect(path) as con:
        return con.execute(sql, params or []).fetchall()


def _counts(path) -> dict[str, int]:
    with warehouse.connect(path) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ALL_TABLES}  # constant names


# --- what a fresh load lands ---------------------------------------------------------------------------------


def test_load_demo_on_a_fresh_file_reports_what_it_loaded(wh_demo_load):
    _path, result = wh_demo_load
    assert result == {"loaded": 1, "indicators": 68, "values": 67 + 2 * 68}  # FY2021 + illustrative FY2019–2020


def test_demo_has_one_strategy_three_pillars_and_nine_items(wh_demo_template):
    counts = _counts(wh_demo_template)
    assert (counts["strategies"], counts["pillars"], counts["items"]) == (1, 3, 9)
    assert counts["cycles"] == 4


def test_demo_has_history_the_finalized_fy2021_cycle_and_an_open_fy2022_cycle_without_values(wh_demo_template):
    with warehouse.connect(wh_demo_template) as con:
        cycles = con.execute("SELECT fiscal_year, state, (SELECT count(*) FROM indicator_values v"
                             " WHERE v.cycle_id = c.cycle_id) FROM cycles c ORDER BY fiscal_year").fetchall()
    assert cycles == [(2019, "finalized", 68), (2020, "finalized", 68), (2021, "finalized", 67), (2022, "open", 0)]
    illustrative = _rows(wh_demo_template, "SELECT fiscal_year FROM cycles WHERE illustrative ORDER BY 1")
    assert illustrative == [(2019,), (2020,), (2022,)]


def test_demo_has_68_indicators_split_12_48_8_across_the_pillars(wh_demo_template):
    per_pillar = _rows(wh_demo_template, "SELECT pillar_no, count(*) FROM indicators GROUP BY pillar_no ORDER BY 1")
    assert per_pillar == [(1, 12), (2, 48), (3, 8)]


def test_demo_has_203_values_all_approved_at_version_4(wh_demo_template):
    assert _rows(wh_demo_template, "SELECT state, version, count(*) FROM indicator_values GROUP BY ALL") == [
        ("approved", 4, 203)]
    assert _rows(wh_demo_template,
                 "SELECT count(*) FROM indicator_values WHERE approved_by IS NULL OR approved_at IS NULL") == [(0,)]


def test_demo_has_exactly_one_stopped_indicator_and_it_says_why(wh_demo_template):
    stopped = _rows(wh_demo_template,
                    "SELECT code, stop_reason, stopped_fy FROM indicators WHERE status = 'stopped'")
    assert len(stopped) == 1
    _code, reason, fy = stopped[0]
    assert reason is not None and reason.strip() != ""
    assert fy is not None


def test_the_demo_strategy_has_the_two_level_chain_and_a_head_per_department(wh_demo_template):
    assert _rows(wh_demo_template, "SELECT level_no, name, role FROM approval_levels ORDER BY level_no") == [
        (1, "担当", "editor"), (2, "所属長", "dept_head"), (3, "行政改革推進課", "reviewer")]
    assert _rows(wh_demo_template, """
        SELECT d.department_code FROM departments d WHERE NOT EXISTS (SELECT 1 FROM user_departments u
        JOIN user_roles r ON r.login = u.login AND r.role = 'dept_head' WHERE u.department_code = d.department_code)""") == []
    assert _rows(wh_demo_template, """
        SELECT u.login, list(u.department_code) FROM user_departments u JOIN user_roles r USING (login)
        WHERE r.role = 'dept_head' AND u.login IN ('head1', 'head2') GROUP BY u.login ORDER BY 1""") == [
        ("head1", ["GYOKAKU"]), ("head2", ["IRYO"])]


def test_every_demo_value_was_saved_submitted_and_approved_through_the_chain_in_that_order(wh_demo_template):
    trails = _rows(wh_demo_template, """
        SELECT v.value_id,
               list(a.action ORDER BY a.audit_id), list(a.from_state ORDER BY a.audit_id),
               list(a.to_state ORDER BY a.audit_id), list(a.actor ORDER BY a.audit_id),
               list(a.role ORDER BY a.audit_id), list(a.new_value ORDER BY a.audit_id),
               list(a.indicator_id = v.indicator_id AND a.cycle_id = v.cycle_id ORDER BY a.audit_id),
               v.entered_by, v.approved_by
        FROM indicator_values v
        LEFT JOIN audit_log a ON a.entity = 'value' AND a.entity_id = CAST(v.value_id AS VARCHAR)
        GROUP BY v.value_id, v.entered_by, v.approved_by ORDER BY v.value_id""")
    assert len(trails) == 203
    for value_id, actions, froms, tos, actors, roles, levels, same_target, entered_by, approved_by in trails:
        assert actions == ["save", "submit", "head_approve", "approve"], value_id
        assert froms == [None, "draft", "submitted", "head_approved"], value_id
        assert tos == ["draft", "submitted", "head_approved", "approved"], value_id
        assert roles == ["editor", "editor", "dept_head", "reviewer"], value_id
        assert actors[:2] == [entered_by, entered_by] and actors[3] == approved_by, value_id
        assert actors[2] not in (entered_by, approved_by) and actors[2].startswith("head"), value_id
        assert levels[1:] == [None, "承認段階: 所属長", "承認段階: 行政改革推進課"], value_id
        assert same_target == [True, True, True, True], value_id
    assert _rows(wh_demo_template, "SELECT count(*) FROM audit_log WHERE entity = 'value'") == [(4 * 203,)]


def test_no_demo_value_was_approved_by_the_person_who_entered_it(wh_demo_template):
    assert _rows(wh_demo_template, "SELECT count(*) FROM indicator_values WHERE entered_by IS NULL") == [(0,)]
    assert _rows(wh_demo_template, """
        SELECT value_id, entered_by, approved_by FROM indicator_values
        WHERE approved_by IS NULL OR approved_by = entered_by""") == []
    # and the approver holds the reviewer role
    assert _rows(wh_demo_template, """
        SELECT DISTINCT v.approved_by FROM indicator_values v
        WHERE NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.login = v.approved_by AND r.role = 'reviewer')""") == []


def test_loading_the_demo_again_loads_nothing_and_changes_no_counts(wh_demo_copy):
    before = _counts(wh_demo_copy)
    assert load_demo(wh_demo_copy) == {"loaded": 0}
    assert _counts(wh_demo_copy) == before


# --- referential integrity (the schema has no FOREIGN KEY clauses by design, see migrations/001) ---------------

ORPHANS = {
    "indicator_department": """
        SELECT i.code, i.department_code FROM indicators i
        WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.department_code = i.department_code)""",
    "indicator_item": """
        SELECT i.code, i.pillar_no, i.item_no FROM indicators i
        WHERE NOT EXISTS (SELECT 1 FROM items it WHERE it.strategy_id = i.strategy_id
                          AND it.pillar_no = i.pillar_no AND it.item_no = i.item_no)""",
    "indicator_strategy": """
        SELECT i.code FROM indicators i
        WHERE NOT EXISTS (SELECT 1 FROM strategies s WHERE s.strategy_id = i.strategy_id)""",
    "item_pillar": """
        SELECT it.pillar_no, it.item_no FROM items it
        WHERE NOT EXISTS (SELECT 1 FROM pillars p WHERE p.strategy_id = it.strategy_id AND p.pillar_no = it.pillar_no)""",
    "indicator_part_indicator": """
        SELECT ip.indicator_id, ip.part_no FROM indicator_parts ip
        WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.indicator_id = ip.indicator_id)""",
    "value_indicator": """
        SELECT v.value_id, v.indicator_id FROM indicator_values v
        WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.indicator_id = v.indicator_id)""",
    "value_cycle": """
        SELECT v.value_id, v.cycle_id FROM indicator_values v
        WHERE NOT EXISTS (SELECT 1 FROM cycles c WHERE c.cycle_id = v.cycle_id)""",
    "value_batch": """
        SELECT v.value_id, v.batch_id FROM indicator_values v
        WHERE v.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM intake_batches b WHERE b.batch_id = v.batch_id)""",
    "value_reason_category": """
        SELECT v.value_id, v.reason_category FROM indicator_values v
        WHERE v.reason_category IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM reason_categories rc WHERE rc.category_code = v.reason_category)""",
    "value_people": """
        SELECT v.value_id, v.entered_by, v.approved_by FROM indicator_values v
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.login = v.entered_by)
           OR (v.approved_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.login = v.approved_by))""",
    "value_part_value": """
        SELECT vp.value_id, vp.part_no FROM value_parts vp
        WHERE NOT EXISTS (SELECT 1 FROM indicator_values v WHERE v.value_id = vp.value_id)""",
    "value_part_defined_part": """
        SELECT vp.value_id, vp.part_no FROM value_parts vp JOIN indicator_values v USING (value_id)
        WHERE NOT EXISTS (SELECT 1 FROM indicator_parts ip
                          WHERE ip.indicator_id = v.indicator_id AND ip.part_no = vp.part_no)""",
    "user_role_user": """
        SELECT r.login, r.role FROM user_roles r
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.login = r.login)""",
    "user_department_user_and_department": """
        SELECT ud.login, ud.department_code FROM user_departments ud
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.login = ud.login)
           OR NOT EXISTS (SELECT 1 FROM departments d WHERE d.department_code = ud.department_code)""",
    "cycle_strategy": """
        SELECT c.cycle_id FROM cycles c
        WHERE NOT EXISTS (SELECT 1 FROM strategies s WHERE s.strategy_id = c.strategy_id)""",
    "batch_cycle": """
        SELECT b.batch_id FROM intake_batches b
        WHERE NOT EXISTS (SELECT 1 FROM cycles c WHERE c.cycle_id = b.cycle_id)""",
    "audit_value_and_actor": """
        SELECT a.audit_id FROM audit_log a
        WHERE (a.entity = 'value' AND NOT EXISTS (
                   SELECT 1 FROM indicator_values v WHERE CAST(v.value_id AS VARCHAR) = a.entity_id))
           OR NOT EXISTS (SELECT 1 FROM users u WHERE u.login = a.actor)""",
}


@pytest.mark.parametrize("relation", sorted(ORPHANS))
def test_demo_has_no_orphan_rows(wh_demo_template, relation):
    assert _rows(wh_demo_template, ORPHANS[relation]) == []


def test_the_integrity_checks_find_an_orphan_when_there_is_one(wh_demo_copy):
    # the anti-joins above are only worth something if they can fail
    with warehouse.connect(wh_demo_copy) as con:
        con.execute("UPDATE indicators SET department_code = 'NO_SUCH_DEPT' WHERE indicator_id = "
                    "(SELECT min(indicator_id) FROM indicators)")
        con.execute("INSERT INTO value_parts VALUES (999999, 1, 1)")
        con.execute("INSERT INTO user_roles VALUES ('ghost', 'editor')")
    assert len(_rows(wh_demo_copy, ORPHANS["indicator_department"])) == 1
    assert _rows(wh_demo_copy, ORPHANS["value_part_value"]) == [(999999, 1)]
    assert _rows(wh_demo_copy, ORPHANS["user_role_user"]) == [("ghost", "editor")]
