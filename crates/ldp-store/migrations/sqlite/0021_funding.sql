-- Funding (issue 16): funders, their programmes with the eligibility they carry once, and calls that inherit
-- it and may narrow it. Lists of codes are stored as `|a|b|` text (empty: no restriction); amounts as exact
-- decimal text with a currency code, never floats. Deadlines keep their own local time and IANA zone (JSON);
-- `last_deadline_at` is the latest of them in UTC, so the status (forthcoming, open, closed) is a comparison.
CREATE TABLE funder (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL,
    name_tr  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    website  TEXT NOT NULL,
    sort_key BLOB NOT NULL
);

CREATE TABLE funding_programme (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    funder_id       INTEGER NOT NULL REFERENCES funder (id),
    name_tr         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    summary_tr      TEXT NOT NULL,
    summary_en      TEXT NOT NULL,
    countries       TEXT NOT NULL,
    provinces       TEXT NOT NULL,
    nuts            TEXT NOT NULL,
    applicant_types TEXT NOT NULL,
    recurrence      TEXT,
    website         TEXT NOT NULL,
    source_url      TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    sort_key        BLOB NOT NULL
);
CREATE INDEX funding_programme_by_funder ON funding_programme (funder_id);

CREATE TABLE funding_call (
    id               INTEGER PRIMARY KEY,
    identifier       TEXT NOT NULL UNIQUE,
    programme_id     INTEGER REFERENCES funding_programme (id),
    kind             TEXT NOT NULL CHECK (kind IN ('grant', 'competition', 'tender', 'partner_search')),
    title_tr         TEXT NOT NULL,
    title_en         TEXT NOT NULL,
    summary_tr       TEXT NOT NULL,
    summary_en       TEXT NOT NULL,
    title_folded     TEXT NOT NULL,
    opens_on         TEXT,
    deadline_model   TEXT NOT NULL CHECK (deadline_model IN ('single', 'two_stage', 'multiple_cut_off')),
    deadlines        TEXT NOT NULL,
    last_deadline_at TEXT,
    currency         TEXT NOT NULL,
    budget_total     TEXT,
    budget_min       TEXT,
    budget_max       TEXT,
    cofinancing_rate TEXT,
    themes           TEXT NOT NULL,
    sdgs             TEXT NOT NULL,
    link             TEXT NOT NULL,
    countries        TEXT NOT NULL,
    provinces        TEXT NOT NULL,
    nuts             TEXT NOT NULL,
    applicant_types  TEXT NOT NULL,
    published        INTEGER NOT NULL,
    suggested_by     INTEGER,
    source           TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX funding_call_by_deadline ON funding_call (published, last_deadline_at, id);
CREATE INDEX funding_call_by_programme ON funding_call (programme_id);

INSERT INTO data_version (topic, version) VALUES ('funding', 0);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER funding_call_timestamps_insert BEFORE INSERT ON funding_call
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.last_deadline_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_call_timestamps_update BEFORE UPDATE ON funding_call
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.last_deadline_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
