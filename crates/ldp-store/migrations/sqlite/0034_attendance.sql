-- Attendance (issue 11): who was checked in for which session of an event. One row per attendee of a
-- registration (its position in the registration's attendee list) per session (its position in the event).
CREATE TABLE event_check_in (
    registration_id INTEGER NOT NULL REFERENCES event_registration (id),
    attendee        INTEGER NOT NULL CHECK (attendee >= 0),
    session         INTEGER NOT NULL CHECK (session >= 0),
    event_id        INTEGER NOT NULL REFERENCES event (id),
    checked_in_at   TEXT NOT NULL,
    PRIMARY KEY (registration_id, attendee, session)
);
CREATE INDEX event_check_in_by_event ON event_check_in (event_id, session);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER event_check_in_timestamps_insert BEFORE INSERT ON event_check_in
WHEN NEW.checked_in_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_check_in_timestamps_update BEFORE UPDATE ON event_check_in
WHEN NEW.checked_in_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
