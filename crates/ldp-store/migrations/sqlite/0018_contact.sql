-- The contact form and its routed inbox (issue 12). A message keeps what the visitor sent, the version of
-- the clarification text (KVKK aydınlatma metni) they consented to, the team its topic was routed to, and
-- where staff are with it. `client_key` is a keyed hash of the client address (for the per-client rate limit;
-- the address itself is not stored). Audit entries of this capability carry no personal data (the log is
-- append-only and outlives a message's anonymisation).
CREATE TABLE contact_rule (
    topic TEXT PRIMARY KEY CHECK (topic IN ('local_diplomacy', 'projects_funding', 'membership', 'press', 'other')),
    team  TEXT NOT NULL CHECK (length(team) BETWEEN 1 AND 100)
);
-- Until staff edit the rules, every topic goes to the secretariat.
INSERT INTO contact_rule (topic, team) VALUES
    ('local_diplomacy', 'secretariat'), ('projects_funding', 'secretariat'), ('membership', 'secretariat'),
    ('press', 'secretariat'), ('other', 'secretariat');

CREATE TABLE contact_message (
    id              INTEGER PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    lang            TEXT NOT NULL CHECK (lang IN ('tr', 'en')),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    -- The folded address, for export and erasure on request.
    email_key       TEXT NOT NULL,
    organisation    TEXT NOT NULL,
    -- No foreign key: a retired municipality merged into its successor must not be held back by a message.
    municipality_id INTEGER,
    topic           TEXT NOT NULL CHECK (topic IN ('local_diplomacy', 'projects_funding', 'membership', 'press', 'other')),
    team            TEXT NOT NULL,
    body            TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    client_key      TEXT,
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'assigned', 'answered', 'closed')),
    assignee_id     INTEGER REFERENCES app_user (id),
    closed_at       TEXT,
    anonymised_at   TEXT
);
CREATE INDEX contact_message_inbox ON contact_message (status, created_at);
CREATE INDEX contact_message_email ON contact_message (email_key);
CREATE INDEX contact_message_client ON contact_message (client_key, created_at);

CREATE TRIGGER contact_message_timestamps_insert BEFORE INSERT ON contact_message
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.closed_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.anonymised_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER contact_message_timestamps_update BEFORE UPDATE ON contact_message
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.closed_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.anonymised_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

INSERT INTO data_version (topic, version) VALUES ('contact', 0);
