-- PostgreSQL text of migration 009 (warehouse/migrations.py applies it instead of translating the DuckDB file).
-- PostgreSQL has no table macros: the three cycle-scoped reads are SQL functions of the same names and argument
-- (an INTEGER[] of cycle ids, NULL = every cycle) over the views of migrations 006/008, which already hold the
-- same definitions (valid_from_fy included). A STABLE one-SELECT SQL function is inlined by the planner, so the
-- cycle filter reaches the views' joins as in DuckDB. The queries call them unchanged:
-- SELECT * FROM cycle_approved_values(CAST(%s AS INTEGER[])).
CREATE OR REPLACE FUNCTION definitions_in_force(cids INTEGER[]) RETURNS SETOF v_definitions_in_force
LANGUAGE sql STABLE AS $$
    SELECT * FROM v_definitions_in_force WHERE cids IS NULL OR cycle_id = ANY(cids)
$$;

CREATE OR REPLACE FUNCTION cycle_indicator_values(cids INTEGER[]) RETURNS SETOF v_indicator_values
LANGUAGE sql STABLE AS $$
    SELECT * FROM v_indicator_values WHERE cids IS NULL OR cycle_id = ANY(cids)
$$;

CREATE OR REPLACE FUNCTION cycle_approved_values(cids INTEGER[]) RETURNS SETOF v_approved_values
LANGUAGE sql STABLE AS $$
    SELECT * FROM v_approved_values WHERE cids IS NULL OR cycle_id = ANY(cids)
$$;
