-- Applications for funding (issue 16): a municipality's intended and submitted applications, optionally for a
-- call of 0021. The stage moves only along idea → partner_search → drafting → submitted → awarded | rejected |
-- withdrawn (checked by the service); every move is a row of funding_application_move, never rewritten.
-- Amounts are exact decimals kept as text; partners a JSON list (member municipalities by id, foreign
-- organisations with country and type).
CREATE TABLE funding_application (
    id              INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES municipality (id),
    call_id         INTEGER REFERENCES funding_call (id),
    title           TEXT NOT NULL,
    partners        TEXT NOT NULL DEFAULT '[]',
    requested       TEXT,
    currency        TEXT,
    responsible     TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    stage           TEXT NOT NULL CHECK (stage IN ('idea', 'partner_search', 'drafting', 'submitted', 'awarded', 'rejected', 'withdrawn')),
    stage_on        DATE NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((requested IS NULL) = (currency IS NULL))
);
CREATE INDEX funding_application_municipality ON funding_application (municipality_id, updated_at);

CREATE TABLE funding_application_move (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES funding_application (id),
    from_stage      TEXT,
    to_stage        TEXT NOT NULL,
    moved_on        DATE NOT NULL,
    actor           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (application_id, to_stage)
);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER funding_application_timestamps_insert BEFORE INSERT ON funding_application
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_application_timestamps_update BEFORE UPDATE ON funding_application
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_application_move_timestamps_insert BEFORE INSERT ON funding_application_move
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_application_move_no_update BEFORE UPDATE ON funding_application_move
BEGIN SELECT RAISE(ABORT, 'stage moves are never rewritten'); END;
