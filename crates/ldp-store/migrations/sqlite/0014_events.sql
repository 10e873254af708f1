-- Capacity building (issue 11): events (trainings, workshops, platform meetings, international meetings, study
-- visits, delegations), their sessions and registrations. Lists of a fixed vocabulary (topics, SDGs, networks,
-- languages) are kept as ',a,b,' text so one LIKE '%,x,%' filters them on both engines.
CREATE TABLE event (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('training', 'workshop', 'platform_meeting',
                             'international_meeting', 'study_visit', 'incoming_delegation', 'outgoing_delegation')),
    status               TEXT NOT NULL CHECK (status IN ('draft', 'published', 'postponed', 'cancelled')),
    title_tr             TEXT NOT NULL,
    title_en             TEXT NOT NULL,
    summary_tr           TEXT NOT NULL,
    summary_en           TEXT NOT NULL,
    body_tr              TEXT NOT NULL,
    body_en              TEXT NOT NULL,
    topics               TEXT NOT NULL,
    sdgs                 TEXT NOT NULL,
    networks             TEXT NOT NULL,
    languages            TEXT NOT NULL,
    host_municipality_id INTEGER REFERENCES municipality (id),
    partnership_id       INTEGER REFERENCES partnership (id),
    venue                TEXT NOT NULL,
    city_id              INTEGER REFERENCES city (id),
    online_url           TEXT NOT NULL,
    speakers             TEXT NOT NULL,
    organiser            TEXT NOT NULL,
    audience             TEXT NOT NULL CHECK (audience IN ('representatives', 'member_staff', 'public')),
    capacity             INTEGER CHECK (capacity > 0),
    quota                INTEGER CHECK (quota > 0),
    registration_opens   TEXT,
    registration_closes  TEXT,
    starts_at            TEXT NOT NULL,
    ends_at              TEXT NOT NULL,
    sequence             INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    proposed_by          INTEGER REFERENCES app_user (id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX event_by_start ON event (status, starts_at, id);
CREATE INDEX event_by_end ON event (status, ends_at, id);
CREATE INDEX event_by_host ON event (host_municipality_id);

-- One or more sessions per event, in UTC; their lengths are the training hours.
CREATE TABLE event_session (
    event_id   INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    PRIMARY KEY (event_id, position),
    CHECK (ends_at > starts_at)
);

-- Registrations: one row holds one or more attendees (a JSON list), each a seat. The waitlist is id order.
CREATE TABLE event_registration (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES event (id),
    code            TEXT NOT NULL UNIQUE,
    registered_by   INTEGER REFERENCES app_user (id),
    municipality_id INTEGER REFERENCES municipality (id),
    attendees       TEXT NOT NULL,
    seats           INTEGER NOT NULL CHECK (seats > 0),
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    created_at      TEXT NOT NULL
);
CREATE INDEX event_registration_line ON event_registration (event_id, status, id);
CREATE INDEX event_registration_by_user ON event_registration (registered_by, id);

INSERT INTO data_version (topic, version) VALUES ('events', 0);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER event_timestamps_insert BEFORE INSERT ON event
WHEN NEW.registration_opens NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.registration_closes NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_timestamps_update BEFORE UPDATE ON event
WHEN NEW.registration_opens NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.registration_closes NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_session_timestamps_insert BEFORE INSERT ON event_session
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_session_timestamps_update BEFORE UPDATE ON event_session
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_registration_timestamps_insert BEFORE INSERT ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_registration_timestamps_update BEFORE UPDATE ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
