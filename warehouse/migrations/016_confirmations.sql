-- 見込 → 確定 (issue #22): after a fiscal year ends, the confirmed actual (確定値) of a value that was published as
-- a projection (見込値) or a 速報, with its date and source, approved through the strategy's chain like a value.
-- indicator_values is never changed: the projection stays as published; the confirmation sits beside it (one per
-- value) and reads on the 'confirmed' basis replace the approved figure with the approved confirmed one.
CREATE SEQUENCE seq_confirmation START 1;
CREATE TABLE value_confirmations (
    confirmation_id      INTEGER PRIMARY KEY DEFAULT nextval('seq_confirmation'),
    value_id             INTEGER NOT NULL,  -- the approved projection (or 速報) it confirms
    indicator_id         INTEGER NOT NULL,
    cycle_id             INTEGER NOT NULL,
    value_number         DECIMAL(18, 4),
    value_text           VARCHAR,
    qualitative_achieved BOOLEAN,
    confirmed_on         DATE,              -- the date of the confirmed figure (確定日)
    source               VARCHAR,           -- where it comes from (出典)
    state                VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'head_approved', 'approved',
                                                           'returned')),
    version              INTEGER NOT NULL DEFAULT 1,
    entered_by           VARCHAR,
    approved_by          VARCHAR,
    approved_at          TIMESTAMP,
    review_comment       VARCHAR,
    updated_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (value_id),
    UNIQUE (indicator_id, cycle_id)
);
