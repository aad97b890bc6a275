-- Cycle-scoped reads filter first (issue #5). The semantics of migrations 006 and 008 are unchanged and now live
-- in ONE place, three table macros taking a list of cycle ids (NULL = every cycle):
--   definitions_in_force(cids)    the revision in force per cycle and indicator (latest effective_fy <= the
--                                 cycle's fiscal year, then the newest revision_id);
--   cycle_indicator_values(cids)  every indicator in force in those cycles (valid_from_fy), its definition in
--                                 force, stopped_in_cycle and its value, in migration 002's columns and order;
--   cycle_approved_values(cids)   the same with the figures of unapproved values blanked.
-- The macros restrict cycles, revisions and values to the listed cycles BEFORE joining, so one cycle of a national
-- warehouse reads only that cycle's values (the views joined every cycle's values before filtering).
-- The views of 006/008 become the macros over every cycle, so they and the macros can never drift apart.
-- Call with a bound list: SELECT * FROM cycle_approved_values(?::INTEGER[]).

CREATE OR REPLACE MACRO definitions_in_force(cids) AS TABLE
SELECT c.cycle_id, r.*
FROM cycles c
JOIN indicators i ON i.strategy_id = c.strategy_id
JOIN indicator_revisions r ON r.indicator_id = i.indicator_id AND r.effective_fy <= c.fiscal_year
WHERE cids IS NULL OR list_contains(cids, c.cycle_id)
QUALIFY row_number() OVER (PARTITION BY c.cycle_id, r.indicator_id
                           ORDER BY r.effective_fy DESC, r.revision_id DESC) = 1;

CREATE OR REPLACE MACRO cycle_indicator_values(cids) AS TABLE
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
FROM (SELECT * FROM cycles WHERE cids IS NULL OR list_contains(cids, cycle_id)) c
JOIN strategies s ON s.strategy_id = c.strategy_id
JOIN indicators i ON i.strategy_id = s.strategy_id
JOIN pillars p ON p.strategy_id = i.strategy_id AND p.pillar_no = i.pillar_no
JOIN items it ON it.strategy_id = i.strategy_id AND it.pillar_no = i.pillar_no AND it.item_no = i.item_no
JOIN departments d ON d.department_code = i.department_code
LEFT JOIN definitions_in_force(cids) r ON r.cycle_id = c.cycle_id AND r.indicator_id = i.indicator_id
LEFT JOIN (SELECT * FROM indicator_values WHERE cids IS NULL OR list_contains(cids, cycle_id)) v
       ON v.indicator_id = i.indicator_id AND v.cycle_id = c.cycle_id
LEFT JOIN reason_categories rc ON rc.category_code = v.reason_category
WHERE i.valid_from_fy IS NULL OR i.valid_from_fy <= c.fiscal_year;

CREATE OR REPLACE MACRO cycle_approved_values(cids) AS TABLE
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
FROM cycle_indicator_values(cids);

-- The views keep their names, columns and order (every other reader uses them): the macros over every cycle.
CREATE OR REPLACE VIEW v_definitions_in_force AS SELECT * FROM definitions_in_force(NULL::INTEGER[]);
CREATE OR REPLACE VIEW v_indicator_values AS SELECT * FROM cycle_indicator_values(NULL::INTEGER[]);
CREATE OR REPLACE VIEW v_approved_values AS SELECT * FROM cycle_approved_values(NULL::INTEGER[]);
