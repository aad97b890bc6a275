-- Sessions that survive a reload, and revocation that takes effect on the next click (issues #15, #21).
-- users.version grows whenever an account's roles, departments, active flag or password change; a session
-- remembers the version it was opened with and ends when they differ.
-- login_sessions keeps only a keyed hash (HMAC-SHA256) of each browser's random token, never the token itself.
ALTER TABLE users ADD COLUMN version INTEGER DEFAULT 1;
UPDATE users SET version = 1 WHERE version IS NULL;

CREATE TABLE login_sessions (
    token_hash      VARCHAR PRIMARY KEY,
    login           VARCHAR NOT NULL,
    account_version INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    ended_at        TIMESTAMP,
    end_reason      VARCHAR
);
