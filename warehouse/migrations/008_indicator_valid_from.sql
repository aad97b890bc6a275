-- An indicator added to a strategy after some of its cycles exist (imported, or created on the master data page)
-- belongs to the cycles from valid_from_fy on: finalized and closed years keep exactly the indicators they had.
-- NULL means "from the start of the strategy" (every indicator of the original plan).
ALTER TABLE indicators ADD COLUMN valid_from_fy INTEGER;

-- As in migration 006, restricted to the indicators in force for the cycle's fiscal year.
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
LEFT JOIN reason_categories rc ON rc.category_code = v.reason_category
WHERE i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year;

-- Unchanged, recreated over the base view.
CREATE OR REPLACE VIEW v_approved_values AS
SELECT * REPLACE (
    CASE WHEN state = 'approved' THEN value_number END AS value_number,
    CASE WHEN state = 'approved' THEN value_text END AS value_text,
    CASE WHEN state = 'approved' THEN value_kind END AS value_kind,
    CASE WHEN state = 'approved' THEN value_label END AS value_label,
    CASE WHEN state = 'approved' THEN period_text END AS period_text,
    CASE WHEN state = 'approved' THEN value_fy END AS value_fy,
    CASE WHEN state = 'approved' THEN note END AS note,
    CASE WHEN state = 'approved' THEN qualitative_achieved END AS qualitative_achieved,
    CASE WHEN state = 'approved' THEN reason END AS reason,
    CASE WHEN state = 'approved' THEN reason_category END AS reason_category,
    CASE WHEN state = 'approved' THEN reason_category_name END AS reason_category_name,
    CASE WHEN state = 'approved' THEN remark END AS remark
)
FROM v_indicator_values;
