-- Published editions: the exact approved rows an edition used (Arrow IPC snapshots) and the files it produced.
CREATE SEQUENCE seq_edition START 1;
CREATE TABLE editions (
    edition_id   INTEGER PRIMARY KEY DEFAULT nextval('seq_edition'),
    cycle_id     INTEGER NOT NULL,
    edition_no   INTEGER NOT NULL,
    title        VARCHAR NOT NULL,
    note         VARCHAR,
    published_by VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    rows_ipc     BLOB NOT NULL,   -- v_approved_values of the cycle at publication
    parts_ipc    BLOB NOT NULL,   -- composite parts at publication
    pillars_json VARCHAR NOT NULL,
    UNIQUE (cycle_id, edition_no)
);

CREATE TABLE edition_files (
    edition_id INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    mime       VARCHAR NOT NULL,
    content    BLOB NOT NULL,
    PRIMARY KEY (edition_id, name)
);
