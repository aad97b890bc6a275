-- Core schema: strategy structure, indicators, cycles, values, intake, findings, users, audit.
-- No FOREIGN KEY clauses: DuckDB refuses to UPDATE a row that another table references (an update is a
-- delete plus insert internally), and every parent here is updated (states, versions, renames, passwords).
-- Referential integrity is kept by the repositories and checked by tests/warehouse/test_demo_load.py.
CREATE SEQUENCE seq_strategy START 1;
CREATE TABLE strategies (
    strategy_id     INTEGER PRIMARY KEY DEFAULT nextval('seq_strategy'),
    code            VARCHAR NOT NULL,
    version         INTEGER NOT NULL,
    name            VARCHAR NOT NULL,
    established_text VARCHAR,
    publisher       VARCHAR,
    valid_from_fy   INTEGER NOT NULL,
    valid_to_fy     INTEGER,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (code, version)
);

CREATE TABLE pillars (
    strategy_id INTEGER NOT NULL,
    pillar_no   INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    PRIMARY KEY (strategy_id, pillar_no)
);

CREATE TABLE items (
    strategy_id INTEGER NOT NULL,
    pillar_no   INTEGER NOT NULL,
    item_no     INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    PRIMARY KEY (strategy_id, pillar_no, item_no)
);

CREATE TABLE departments (
    department_code VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    illustrative    BOOLEAN NOT NULL DEFAULT false,
    active          BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE reason_categories (
    category_code VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    sort_order    INTEGER NOT NULL DEFAULT 0
);

CREATE SEQUENCE seq_indicator START 1;
CREATE TABLE indicators (
    indicator_id          INTEGER PRIMARY KEY DEFAULT nextval('seq_indicator'),
    strategy_id           INTEGER NOT NULL,
    pillar_no             INTEGER NOT NULL,
    item_no               INTEGER NOT NULL,
    code                  VARCHAR NOT NULL,
    name                  VARCHAR NOT NULL,
    definition            VARCHAR,
    unit                  VARCHAR,
    department_code       VARCHAR NOT NULL,
    target_type           VARCHAR NOT NULL CHECK (target_type IN ('numeric', 'increase', 'decrease', 'qualitative', 'composite')),
    direction             VARCHAR NOT NULL CHECK (direction IN ('higher', 'lower')),
    baseline_value        DECIMAL(18, 4),
    baseline_text         VARCHAR,
    baseline_fy           INTEGER,
    baseline_fy_text      VARCHAR,
    baseline_illustrative BOOLEAN NOT NULL DEFAULT false,
    target_value          DECIMAL(18, 4),
    target_text           VARCHAR,
    target_fy             INTEGER,
    data_source           VARCHAR,
    status                VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped')),
    stop_reason           VARCHAR,
    stopped_fy            INTEGER,
    illustrative          BOOLEAN NOT NULL DEFAULT false,
    seed_section          VARCHAR,
    sort_order            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (strategy_id, code),
    CHECK (status = 'active' OR (stop_reason IS NOT NULL AND stopped_fy IS NOT NULL))
);

CREATE TABLE indicator_parts (
    indicator_id   INTEGER NOT NULL,
    part_no        INTEGER NOT NULL,
    label          VARCHAR NOT NULL,
    unit           VARCHAR,
    baseline_value DECIMAL(18, 4),
    target_value   DECIMAL(18, 4) NOT NULL,
    PRIMARY KEY (indicator_id, part_no)
);

CREATE TABLE indicator_milestones (
    indicator_id INTEGER NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    value        DECIMAL(18, 4) NOT NULL,
    PRIMARY KEY (indicator_id, fiscal_year)
);

CREATE SEQUENCE seq_cycle START 1;
CREATE TABLE cycles (
    cycle_id     INTEGER PRIMARY KEY DEFAULT nextval('seq_cycle'),
    strategy_id  INTEGER NOT NULL,
    fiscal_year  INTEGER NOT NULL,
    label        VARCHAR NOT NULL,
    as_of        DATE,
    as_of_text   VARCHAR,
    deadline     DATE,
    state        VARCHAR NOT NULL DEFAULT 'preparing' CHECK (state IN ('preparing', 'open', 'closed', 'finalized')),
    illustrative BOOLEAN NOT NULL DEFAULT false,
    UNIQUE (strategy_id, fiscal_year)
);

CREATE TABLE users (
    login         VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE user_roles (
    login VARCHAR NOT NULL,
    role  VARCHAR NOT NULL CHECK (role IN ('editor', 'reviewer', 'executive', 'admin')),
    PRIMARY KEY (login, role)
);

CREATE TABLE user_departments (
    login           VARCHAR NOT NULL,
    department_code VARCHAR NOT NULL,
    PRIMARY KEY (login, department_code)
);

CREATE SEQUENCE seq_batch START 1;
CREATE TABLE intake_batches (
    batch_id        INTEGER PRIMARY KEY DEFAULT nextval('seq_batch'),
    cycle_id        INTEGER NOT NULL,
    department_code VARCHAR,
    source          VARCHAR NOT NULL CHECK (source IN ('form', 'workbook', 'csv', 'cli', 'demo')),
    filename        VARCHAR,
    raw_bytes       BLOB,
    raw_json        VARCHAR,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status          VARCHAR NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'landed', 'refused')),
    processed_at    TIMESTAMP
);

CREATE SEQUENCE seq_value START 1;
CREATE TABLE indicator_values (
    value_id             INTEGER PRIMARY KEY DEFAULT nextval('seq_value'),
    indicator_id         INTEGER NOT NULL,
    cycle_id             INTEGER NOT NULL,
    value_number         DECIMAL(18, 4),
    value_text           VARCHAR,
    value_kind           VARCHAR NOT NULL CHECK (value_kind IN ('actual', 'projection')),
    value_label          VARCHAR,
    period_text          VARCHAR,
    value_fy             INTEGER,
    note                 VARCHAR,
    qualitative_achieved BOOLEAN,
    reason               VARCHAR,
    reason_category      VARCHAR,
    reason_illustrative  BOOLEAN NOT NULL DEFAULT false,
    remark               VARCHAR,
    state                VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned')),
    version              INTEGER NOT NULL DEFAULT 1,
    batch_id             INTEGER,
    entered_by           VARCHAR,
    approved_by          VARCHAR,
    approved_at          TIMESTAMP,
    review_comment       VARCHAR,
    updated_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (indicator_id, cycle_id)
);

CREATE TABLE value_parts (
    value_id     INTEGER NOT NULL,
    part_no      INTEGER NOT NULL,
    value_number DECIMAL(18, 4) NOT NULL,
    PRIMARY KEY (value_id, part_no)
);

CREATE SEQUENCE seq_finding START 1;
CREATE TABLE validation_findings (
    finding_id   INTEGER PRIMARY KEY DEFAULT nextval('seq_finding'),
    batch_id     INTEGER,
    value_id     INTEGER,
    indicator_id INTEGER,
    cycle_id     INTEGER,
    row_no       INTEGER,
    field        VARCHAR,
    rule         VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL CHECK (severity IN ('error', 'warning')),
    message      VARCHAR NOT NULL,
    acknowledged BOOLEAN NOT NULL DEFAULT false,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Append-only: the warehouse module exposes no update or delete for this table.
CREATE SEQUENCE seq_audit START 1;
CREATE TABLE audit_log (
    audit_id     BIGINT PRIMARY KEY DEFAULT nextval('seq_audit'),
    occurred_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor        VARCHAR NOT NULL,
    role         VARCHAR NOT NULL,
    action       VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,
    entity_id    VARCHAR,
    cycle_id     INTEGER,
    indicator_id INTEGER,
    from_state   VARCHAR,
    to_state     VARCHAR,
    old_value    VARCHAR,
    new_value    VARCHAR,
    comment      VARCHAR,
    batch_id     INTEGER
);
