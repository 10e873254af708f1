-- Accounts, sessions, one-time links, sign-in attempts, the audit trail, and what the workspace edits.

CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    email_folded  TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'representative', 'auditor')),
    -- NULL until an invited user chooses a password.
    password_hash TEXT,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
);

-- The municipalities a representative speaks for.
CREATE TABLE user_municipality (
    user_id         INTEGER NOT NULL REFERENCES app_user (id),
    municipality_id INTEGER NOT NULL REFERENCES municipality (id),
    PRIMARY KEY (user_id, municipality_id)
);

-- Sessions live in the database so that any node can serve them; only a hash of the cookie is kept.
CREATE TABLE user_session (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES app_user (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    client       TEXT
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Password-reset and invitation links: single-use, expiring, stored hashed.
CREATE TABLE one_time_link (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES app_user (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'invite')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE TABLE sign_in_attempt (
    id           INTEGER PRIMARY KEY,
    email_folded TEXT NOT NULL,
    client       TEXT,
    succeeded    BOOLEAN NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX sign_in_attempt_email ON sign_in_attempt (email_folded, at);
CREATE INDEX sign_in_attempt_client ON sign_in_attempt (client, at);

-- Append-only: who changed which record, when, from where, and the fields before and after (JSON).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER REFERENCES app_user (id),
    actor       TEXT NOT NULL,
    client      TEXT,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    -- The municipality the record belongs to, so that representatives see their own history.
    municipality_id INTEGER,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, id);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_municipality ON audit_log (municipality_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- A token acts with its owner's role; `scope` narrows it to reading.
ALTER TABLE api_token ADD COLUMN user_id INTEGER REFERENCES app_user (id);
ALTER TABLE api_token ADD COLUMN scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read', 'write'));

-- The municipality's own profile, edited in the workspace.
ALTER TABLE municipality ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE municipality ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE municipality ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE municipality ADD COLUMN about_tr TEXT NOT NULL DEFAULT '';
ALTER TABLE municipality ADD COLUMN about_en TEXT NOT NULL DEFAULT '';

-- The people who handle a municipality's foreign relations.
CREATE TABLE representative (
    id              INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality (id),
    name            TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    languages       TEXT NOT NULL DEFAULT '',
    sort_key        BLOB NOT NULL
);
CREATE INDEX representative_municipality ON representative (municipality_id, sort_key);

-- A member municipality's own network memberships.
ALTER TABLE membership ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('applied', 'active', 'suspended', 'ended'));
ALTER TABLE membership ADD COLUMN decision_number TEXT;
ALTER TABLE membership ADD COLUMN decision_date TEXT;
ALTER TABLE membership ADD COLUMN representative_id INTEGER REFERENCES representative (id);
ALTER TABLE membership ADD COLUMN working_groups TEXT NOT NULL DEFAULT '';
