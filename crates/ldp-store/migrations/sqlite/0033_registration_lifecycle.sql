-- Issue 11, the registration lifecycle: waitlist offers (a waiting registration offered freed seats until
-- offer_expires_at; an offered seat is held), and the statuses later steps use (pending under moderation,
-- unconfirmed before a public registrant's double opt-in, rejected). SQLite cannot change a CHECK, so the
-- table is rebuilt: rows, ids, indexes and the timestamp triggers are kept.
CREATE TABLE event_registration_0033 (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES event (id),
    code             TEXT NOT NULL UNIQUE,
    registered_by    INTEGER REFERENCES app_user (id),
    municipality_id  INTEGER REFERENCES municipality (id),
    attendees        TEXT NOT NULL,
    seats            INTEGER NOT NULL CHECK (seats > 0),
    status           TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'offered', 'pending',
                                                     'unconfirmed', 'rejected')),
    created_at       TEXT NOT NULL,
    offer_expires_at TEXT,
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL))
);
INSERT INTO event_registration_0033 (id, event_id, code, registered_by, municipality_id, attendees, seats, status,
    created_at)
SELECT id, event_id, code, registered_by, municipality_id, attendees, seats, status, created_at
FROM event_registration;
DROP TABLE event_registration;
ALTER TABLE event_registration_0033 RENAME TO event_registration;
CREATE INDEX event_registration_line ON event_registration (event_id, status, id);
CREATE INDEX event_registration_by_user ON event_registration (registered_by, id);
CREATE INDEX event_registration_offers ON event_registration (offer_expires_at) WHERE status = 'offered';

CREATE TRIGGER event_registration_timestamps_insert BEFORE INSERT ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_registration_timestamps_update BEFORE UPDATE ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
