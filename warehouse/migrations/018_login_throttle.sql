-- Login throttling counters in the warehouse (issue #19): every app process and machine shares them, so a guesser
-- whose requests are spread over N processes gets no more free tries than against one. One row per counter
-- ('source_login': one source guessing one login; 'login': everyone guessing one login) and key.
CREATE TABLE login_throttle (
    counter      VARCHAR NOT NULL,
    throttle_key VARCHAR NOT NULL,
    failures     INTEGER NOT NULL,
    last_at      DOUBLE NOT NULL,  -- seconds since 1970-01-01 UTC of the last failure (the app's wall clock)
    version      INTEGER,          -- the account's version when counted (NULL: no such login)
    PRIMARY KEY (counter, throttle_key)
);
