-- Sister-city and cooperation relations, their legal trail, joint activities and documents.

CREATE TABLE partnership (
    id                      INTEGER PRIMARY KEY,
    municipality_id         INTEGER NOT NULL REFERENCES municipality (id),
    partner_city_id         INTEGER REFERENCES city (id),
    partner_municipality_id INTEGER REFERENCES municipality (id),
    partner_sort_key        BLOB NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('sister_city', 'friendship', 'cooperation')),
    stage                   TEXT NOT NULL CHECK (stage IN ('proposed', 'council_approved', 'permitted',
                                'mfa_informed', 'signed', 'active', 'terminated')),
    foreign_missions        INTEGER NOT NULL DEFAULT 0,
    trail_incomplete        INTEGER NOT NULL DEFAULT 0,
    -- The latest joint activity, or activation when none is logged; drives dormancy.
    last_activity_on        TEXT,
    themes                  TEXT NOT NULL DEFAULT '',
    notes_tr                TEXT NOT NULL DEFAULT '',
    notes_en                TEXT NOT NULL DEFAULT '',
    source                  TEXT,
    created_at              TEXT NOT NULL,
    CHECK ((partner_city_id IS NULL) <> (partner_municipality_id IS NULL)),
    CHECK (partner_municipality_id IS NULL OR partner_municipality_id <> municipality_id)
);
CREATE UNIQUE INDEX partnership_city_pair ON partnership (municipality_id, partner_city_id)
    WHERE partner_city_id IS NOT NULL;
CREATE UNIQUE INDEX partnership_member_pair ON partnership (municipality_id, partner_municipality_id)
    WHERE partner_municipality_id IS NOT NULL;
CREATE INDEX partnership_stage ON partnership (stage, last_activity_on);

CREATE TABLE partnership_sdg (
    partnership_id INTEGER NOT NULL REFERENCES partnership (id),
    goal           INTEGER NOT NULL REFERENCES sdg_goal (number),
    PRIMARY KEY (partnership_id, goal)
);
CREATE INDEX partnership_sdg_goal ON partnership_sdg (goal);

-- Append-only: a step once recorded is never changed.
CREATE TABLE partnership_event (
    id              INTEGER PRIMARY KEY,
    partnership_id  INTEGER NOT NULL REFERENCES partnership (id),
    stage           TEXT NOT NULL,
    event_date      TEXT NOT NULL,
    decision_number TEXT,
    reference       TEXT,
    authority       TEXT,
    place           TEXT,
    signatories     TEXT,
    reason          TEXT,
    backfilled      INTEGER NOT NULL DEFAULT 0,
    actor           TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX partnership_event_by_partnership ON partnership_event (partnership_id, id);

CREATE TABLE partnership_activity (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnership (id),
    activity_date  TEXT NOT NULL,
    title_tr       TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    sdgs           TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX partnership_activity_by_partnership ON partnership_activity (partnership_id, activity_date);

CREATE TABLE partnership_document (
    id             INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnership (id),
    kind           TEXT NOT NULL,
    filename       TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    storage_key    TEXT NOT NULL UNIQUE,
    actor          TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL
);
CREATE INDEX partnership_document_by_partnership ON partnership_document (partnership_id, id);
