-- PostgreSQL text of migration 015 (warehouse/migrations.py applies it instead of translating the DuckDB file).
-- DuckDB rebuilds two tables to change a CHECK; PostgreSQL alters the constraint in place (the views over
-- indicator_values stay as they are).
CREATE TABLE approval_levels (
    strategy_id INTEGER NOT NULL,
    level_no    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('editor', 'dept_head', 'reviewer')),
    PRIMARY KEY (strategy_id, level_no)
);

ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_state_check;
ALTER TABLE indicator_values ADD CONSTRAINT indicator_values_state_check
    CHECK (state IN ('draft', 'submitted', 'head_approved', 'approved', 'returned'));

ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
    CHECK (role IN ('editor', 'dept_head', 'reviewer', 'executive', 'admin'));
