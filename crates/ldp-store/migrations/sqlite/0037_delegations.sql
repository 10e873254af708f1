-- Delegations and protocol (issue 11): what an incoming or outgoing visit (or a study visit) holds besides its
-- event: the purpose, the programme and the outcome (TR and EN, public once the event is), protocol notes
-- (order of precedence, interpreter needs, the flags to set out; internal), the participants (name, title,
-- organisation, country, and contact details that never leave the workspace) and the gifts given and received
-- with their estimated value, as public officials' gift rules require them to be recorded. The value is exact
-- decimal text with a currency, never a float.
CREATE TABLE delegation (
    event_id      INTEGER PRIMARY KEY REFERENCES event (id) ON DELETE CASCADE,
    purpose_tr    TEXT NOT NULL,
    purpose_en    TEXT NOT NULL,
    programme_tr  TEXT NOT NULL,
    programme_en  TEXT NOT NULL,
    outcome_tr    TEXT NOT NULL,
    outcome_en    TEXT NOT NULL,
    precedence    TEXT NOT NULL,
    interpreters  TEXT NOT NULL,
    flags         TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE delegation_participant (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    side          TEXT NOT NULL CHECK (side IN ('guest', 'host')),
    precedence    INTEGER NOT NULL CHECK (precedence > 0),
    name          TEXT NOT NULL CHECK (name <> ''),
    title         TEXT NOT NULL,
    organisation  TEXT NOT NULL,
    country       TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL
);
CREATE INDEX delegation_participant_by_event ON delegation_participant (event_id, side, precedence, id);

CREATE TABLE delegation_gift (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    direction     TEXT NOT NULL CHECK (direction IN ('given', 'received')),
    given_on      TEXT NOT NULL,
    description   TEXT NOT NULL CHECK (description <> ''),
    counterpart   TEXT NOT NULL,
    value         TEXT,
    currency      TEXT NOT NULL
);
CREATE INDEX delegation_gift_by_event ON delegation_gift (event_id, given_on, id);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER delegation_timestamps_insert BEFORE INSERT ON delegation
WHEN NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER delegation_timestamps_update BEFORE UPDATE ON delegation
WHEN NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
