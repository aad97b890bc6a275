-- PostgreSQL text of migration 017 (warehouse/migrations.py applies it instead of translating the DuckDB file).
-- DuckDB rebuilds reminder_notices to change a CHECK and the UNIQUE key; PostgreSQL alters them in place.
ALTER TABLE reminder_notices ADD COLUMN audience TEXT NOT NULL DEFAULT 'editors'
    CHECK (audience IN ('editors', 'heads'));

ALTER TABLE reminder_notices DROP CONSTRAINT reminder_notices_kind_check;
ALTER TABLE reminder_notices ADD CONSTRAINT reminder_notices_kind_check
    CHECK (kind IN ('before', 'after', 'manual', 'confirm'));

ALTER TABLE reminder_notices DROP CONSTRAINT reminder_notices_cycle_id_department_code_notice_date_key;
ALTER TABLE reminder_notices ADD CONSTRAINT reminder_notices_cycle_id_department_code_notice_date_audience_key
    UNIQUE (cycle_id, department_code, notice_date, audience);
