-- PostgreSQL text of migration 006 (warehouse/migrations.py applies it instead of translating the DuckDB file):
-- the same table and views; QUALIFY over `r.*` becomes a subquery with row_number(), `* REPLACE` explicit columns.

CREATE SEQUENCE seq_revision START 1;
CREATE TABLE indicator_revisions (
    revision_id      INTEGER PRIMARY KEY DEFAULT nextval('seq_revision'),
    indicator_id     INTEGER NOT NULL,
    effective_fy     INTEGER NOT NULL,
    unit             TEXT,
    target_type      TEXT    NOT NULL CHECK (target_type IN ('numeric', 'increase', 'decrease', 'qualitative', 'composite')),
    direction        TEXT    NOT NULL CHECK (direction IN ('higher', 'lower')),
    baseline_value   DECIMAL(18, 4),
    baseline_text    TEXT,
    baseline_fy      INTEGER,
    baseline_fy_text TEXT,
    target_value     DECIMAL(18, 4),
    target_text      TEXT,
    target_fy        INTEGER,
    reason           TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
    changed_by       TEXT    NOT NULL,
    changed_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Per cycle and indicator, the revision in force (only pairs that have one).
CREATE OR REPLACE VIEW v_definitions_in_force AS
SELECT cycle_id, revision_id, indicator_id, effective_fy, unit, target_type, direction, baseline_value, baseline_text,
       baseline_fy, baseline_fy_text, target_value, target_text, target_fy, reason, changed_by, changed_at
FROM (
    SELECT c.cycle_id, r.*, row_number() OVER (PARTITION BY c.cycle_id, r.indicator_id
                                               ORDER BY r.effective_fy DESC, r.revision_id DESC) AS kpi_rank
    FROM cycles c
    JOIN indicators i ON i.strategy_id = c.strategy_id
    JOIN indicator_revisions r ON r.indicator_id = i.indicator_id AND r.effective_fy <= c.fiscal_year
) ranked
WHERE kpi_rank = 1;

-- Same columns, same order as migration 002; the definition columns now come from the revision in force.
CREATE OR REPLACE VIEW v_indicator_values AS
SELECT
    c.cycle_id, c.fiscal_year, c.label AS cycle_label, c.state AS cycle_state,
    s.strategy_id, s.code AS strategy_code, s.version AS strategy_version,
    i.indicator_id, i.code, i.name,
    CASE WHEN r.revision_id IS NULL THEN i.unit ELSE r.unit END AS unit,
    i.pillar_no, p.name AS pillar_name,
    i.item_no, it.name AS item_name, i.department_code, d.name AS department_name,
    CASE WHEN r.revision_id IS NULL THEN i.target_type ELSE r.target_type END AS target_type,
    CASE WHEN r.revision_id IS NULL THEN i.direction ELSE r.direction END AS direction,
    CASE WHEN r.revision_id IS NULL THEN i.baseline_value ELSE r.baseline_value END AS baseline_value,
    CASE WHEN r.revision_id IS NULL THEN i.baseline_text ELSE r.baseline_text END AS baseline_text,
    CASE WHEN r.revision_id IS NULL THEN i.baseline_fy ELSE r.baseline_fy END AS baseline_fy,
    CASE WHEN r.revision_id IS NULL THEN i.baseline_fy_text ELSE r.baseline_fy_text END AS baseline_fy_text,
    i.baseline_illustrative,
    CASE WHEN r.revision_id IS NULL THEN i.target_value ELSE r.target_value END AS target_value,
    CASE WHEN r.revision_id IS NULL THEN i.target_text ELSE r.target_text END AS target_text,
    CASE WHEN r.revision_id IS NULL THEN i.target_fy ELSE r.target_fy END AS target_fy,
    i.status AS indicator_status, i.stop_reason, i.stopped_fy, i.illustrative, i.seed_section,
    i.sort_order,
    (i.status = 'stopped' AND i.stopped_fy <= c.fiscal_year) AS stopped_in_cycle,
    v.value_id, v.value_number, v.value_text, v.value_kind, v.value_label, v.period_text,
    v.value_fy, v.note, v.qualitative_achieved, v.reason, v.reason_category,
    rc.name AS reason_category_name, v.reason_illustrative, v.remark,
    v.state, v.version, v.entered_by, v.approved_by, v.approved_at, v.review_comment
FROM cycles c
JOIN strategies s ON s.strategy_id = c.strategy_id
JOIN indicators i ON i.strategy_id = s.strategy_id
JOIN pillars p ON p.strategy_id = i.strategy_id AND p.pillar_no = i.pillar_no
JOIN items it ON it.strategy_id = i.strategy_id AND it.pillar_no = i.pillar_no AND it.item_no = i.item_no
JOIN departments d ON d.department_code = i.department_code
LEFT JOIN v_definitions_in_force r ON r.cycle_id = c.cycle_id AND r.indicator_id = i.indicator_id
LEFT JOIN indicator_values v ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
LEFT JOIN reason_categories rc ON rc.category_code = v.reason_category;

