-- The approval chain per strategy (issue #22): the levels a value passes, named as the body names them, each with
-- the role that acts at it. Level 1 is the one who enters (担当, editor); the last is the division (行政改革推進課,
-- reviewer); a 'dept_head' level between them (所属長) approves for the department before the division reviews.
-- A strategy without rows here has the one-level chain 担当 → 行政改革推進課 (the behaviour before this
-- migration), so existing warehouses keep working unchanged until the strategy is given a chain.
CREATE TABLE approval_levels (
    strategy_id INTEGER NOT NULL,
    level_no    INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    role        VARCHAR NOT NULL CHECK (role IN ('editor', 'dept_head', 'reviewer')),
    PRIMARY KEY (strategy_id, level_no)
);

-- A value approved by its department's head waits in 'head_approved' (所属長承認済) for the division.
-- DuckDB cannot alter a CHECK constraint: the table is rebuilt with the same columns, keys and defaults.
CREATE TABLE indicator_values_015 (
    value_id             INTEGER PRIMARY KEY DEFAULT nextval('seq_value'),
    indicator_id         INTEGER NOT NULL,
    cycle_id             INTEGER NOT NULL,
    value_number         DECIMAL(18, 4),
    value_text           VARCHAR,
    value_kind           VARCHAR CHECK (value_kind IN ('actual', 'projection')),
    value_label          VARCHAR,
    period_text          VARCHAR,
    value_fy             INTEGER,
    note                 VARCHAR,
    qualitative_achieved BOOLEAN,
    reason               VARCHAR,
    reason_category      VARCHAR,
    reason_illustrative  BOOLEAN NOT NULL DEFAULT false,
    remark               VARCHAR,
    state                VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'head_approved', 'approved',
                                                           'returned')),
    version              INTEGER NOT NULL DEFAULT 1,
    batch_id             INTEGER,
    entered_by           VARCHAR,
    approved_by          VARCHAR,
    approved_at          TIMESTAMP,
    review_comment       VARCHAR,
    updated_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (indicator_id, cycle_id)
);
INSERT INTO indicator_values_015 SELECT * FROM indicator_values;
DROP TABLE indicator_values;
ALTER TABLE indicator_values_015 RENAME TO indicator_values;

-- The department head's role (所属長承認者), bound to departments through user_departments like an editor's.
CREATE TABLE user_roles_015 (
    login VARCHAR NOT NULL,
    role  VARCHAR NOT NULL CHECK (role IN ('editor', 'dept_head', 'reviewer', 'executive', 'admin')),
    PRIMARY KEY (login, role)
);
INSERT INTO user_roles_015 SELECT * FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_015 RENAME TO user_roles;
