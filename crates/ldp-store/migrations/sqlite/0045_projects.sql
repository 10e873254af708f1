-- The project portfolio (issue 16): funded projects, created when an application of 0035 is awarded (in the
-- same transaction as the stage move; application_id links them, one project per application) or entered by
-- staff. The status is derived from start_on and end_on when read, never stored. Amounts are exact decimals
-- kept as text in one currency; partners, SDGs, targets, outputs and results, related relations and events
-- are JSON lists (read whole with the project; the portfolio is filtered and summed in Rust).
CREATE TABLE project (
    id                   INTEGER PRIMARY KEY,
    application_id       INTEGER UNIQUE REFERENCES funding_application (id),
    acronym              TEXT NOT NULL,
    title_tr             TEXT NOT NULL,
    title_en             TEXT NOT NULL,
    summary_tr           TEXT NOT NULL DEFAULT '',
    summary_en           TEXT NOT NULL DEFAULT '',
    programme_id         INTEGER REFERENCES funding_programme (id),
    funder_id            INTEGER REFERENCES funder (id),
    lead_municipality_id INTEGER NOT NULL REFERENCES municipality (id),
    partners             TEXT NOT NULL DEFAULT '[]',
    budget               TEXT,
    grant_amount         TEXT,
    currency             TEXT,
    start_on             DATE,
    end_on               DATE,
    sdgs                 TEXT NOT NULL DEFAULT '[]',
    targets              TEXT NOT NULL DEFAULT '[]',
    outputs              TEXT NOT NULL DEFAULT '[]',
    relations            TEXT NOT NULL DEFAULT '[]',
    events               TEXT NOT NULL DEFAULT '[]',
    published            INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    CHECK ((budget IS NULL AND grant_amount IS NULL) OR currency IS NOT NULL),
    CHECK (start_on IS NULL OR end_on IS NULL OR end_on >= start_on)
);
CREATE INDEX project_lead ON project (lead_municipality_id);
CREATE INDEX project_published ON project (published, start_on);

INSERT INTO data_version (topic, version) VALUES ('projects', 0);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER project_timestamps_insert BEFORE INSERT ON project
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER project_timestamps_update BEFORE UPDATE ON project
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
