-- Issue 11: a session keeps its identity when its event is edited, and check-ins follow it. Check-ins were
-- keyed by the session's position (0034), so reordering, inserting a day before or removing one moved or
-- orphaned them. Sessions now have an id (AUTOINCREMENT: never reused, so an audit entry's session stays
-- its own) and check-ins name it; the position only orders an event's sessions. SQLite cannot add a primary
-- key, so both tables are rebuilt: rows (check-ins matched to their session by position), indexes and the
-- timestamp triggers are kept (a check-in whose position no session had any more, orphaned by an earlier
-- edit and counted nowhere, is left behind). No other table refers to either.
CREATE TABLE event_session_0049 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    UNIQUE (event_id, position),
    CHECK (ends_at > starts_at)
);
INSERT INTO event_session_0049 (event_id, position, starts_at, ends_at)
SELECT event_id, position, starts_at, ends_at FROM event_session ORDER BY event_id, position;

CREATE TABLE event_check_in_0049 (
    registration_id INTEGER NOT NULL REFERENCES event_registration (id),
    attendee        INTEGER NOT NULL CHECK (attendee >= 0),
    session_id      INTEGER NOT NULL REFERENCES event_session_0049 (id),
    event_id        INTEGER NOT NULL REFERENCES event (id),
    checked_in_at   TEXT NOT NULL,
    PRIMARY KEY (registration_id, attendee, session_id)
);
INSERT INTO event_check_in_0049 (registration_id, attendee, session_id, event_id, checked_in_at)
SELECT c.registration_id, c.attendee, s.id, c.event_id, c.checked_in_at
FROM event_check_in c JOIN event_session_0049 s ON s.event_id = c.event_id AND s.position = c.session;

DROP TABLE event_check_in;
DROP TABLE event_session;
-- Renaming the new session table carries the check-ins' reference along.
ALTER TABLE event_session_0049 RENAME TO event_session;
ALTER TABLE event_check_in_0049 RENAME TO event_check_in;
CREATE INDEX event_check_in_by_event ON event_check_in (event_id);
CREATE INDEX event_check_in_by_session ON event_check_in (session_id);

CREATE TRIGGER event_session_timestamps_insert BEFORE INSERT ON event_session
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
CREATE TRIGGER event_session_timestamps_update BEFORE UPDATE ON event_session
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
CREATE TRIGGER event_check_in_timestamps_insert BEFORE INSERT ON event_check_in
WHEN NEW.checked_in_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
CREATE TRIGGER event_check_in_timestamps_update BEFORE UPDATE ON event_check_in
WHEN NEW.checked_in_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
