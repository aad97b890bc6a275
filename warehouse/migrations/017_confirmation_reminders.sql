-- Reminders cover owed confirmations (見込 → 確定, issue #22): a notice of kind 'confirm' lists the 確定値 a
-- department owes for the year that accepts them, stored under that year's cycle like a value reminder. The 未入力
-- and 差戻し ones go to the department's editors (audience 'editors'), the submitted ones awaiting the 所属長 to its
-- head(s) (audience 'heads'). Still one notice per cycle, department and day — per audience.
-- DuckDB cannot alter a CHECK or a UNIQUE constraint: the table is rebuilt with the same columns, keys and defaults.
CREATE TABLE reminder_notices_017 (
    notice_id       INTEGER PRIMARY KEY DEFAULT nextval('seq_notice'),
    cycle_id        INTEGER NOT NULL,
    department_code VARCHAR NOT NULL,
    notice_date     DATE NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('before', 'after', 'manual', 'confirm')),
    subject         VARCHAR NOT NULL,
    body            VARCHAR NOT NULL,
    missing_count   INTEGER NOT NULL,
    returned_count  INTEGER NOT NULL,
    items_json      VARCHAR NOT NULL,
    recipients      VARCHAR,
    mail_status     VARCHAR NOT NULL DEFAULT 'pending'
                    CHECK (mail_status IN ('pending', 'sent', 'no_smtp', 'no_address', 'failed')),
    mail_error      VARCHAR,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    audience        VARCHAR NOT NULL DEFAULT 'editors' CHECK (audience IN ('editors', 'heads')),
    UNIQUE (cycle_id, department_code, notice_date, audience)
);
INSERT INTO reminder_notices_017 SELECT *, 'editors' FROM reminder_notices;
DROP TABLE reminder_notices;
ALTER TABLE reminder_notices_017 RENAME TO reminder_notices;
