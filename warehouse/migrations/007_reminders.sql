-- Reminders: per-cycle schedule settings (days before/after the deadline, automatic closing) and the notices
-- sent to departments (shown to their editors on the entry page, and e-mailed when SMTP is configured).
-- A cycle without a settings row uses the defaults below. One notice per cycle, department and day.
CREATE TABLE cycle_reminder_settings (
    cycle_id     INTEGER PRIMARY KEY,
    days_before  INTEGER NOT NULL DEFAULT 7 CHECK (days_before BETWEEN 0 AND 90),
    days_after   INTEGER NOT NULL DEFAULT 1 CHECK (days_after BETWEEN 1 AND 90),
    auto_close   BOOLEAN NOT NULL DEFAULT false,
    updated_by   VARCHAR,
    updated_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE seq_notice START 1;
CREATE TABLE reminder_notices (
    notice_id       INTEGER PRIMARY KEY DEFAULT nextval('seq_notice'),
    cycle_id        INTEGER NOT NULL,
    department_code VARCHAR NOT NULL,
    notice_date     DATE NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('before', 'after', 'manual')),
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
    UNIQUE (cycle_id, department_code, notice_date)
);
