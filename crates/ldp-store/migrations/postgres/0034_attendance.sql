-- Attendance (issue 11): who was checked in for which session of an event. One row per attendee of a
-- registration (its position in the registration's attendee list) per session (its position in the event).
CREATE TABLE event_check_in (
    registration_id BIGINT NOT NULL REFERENCES event_registration (id),
    attendee        BIGINT NOT NULL CHECK (attendee >= 0),
    session         BIGINT NOT NULL CHECK (session >= 0),
    event_id        BIGINT NOT NULL REFERENCES event (id),
    checked_in_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (registration_id, attendee, session)
);
CREATE INDEX event_check_in_by_event ON event_check_in (event_id, session);
