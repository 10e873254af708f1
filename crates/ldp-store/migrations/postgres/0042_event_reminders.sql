-- Issue 11, reminders: one row per confirmed registration reminded of an event starting at `starts_at`. The
-- primary key makes the reminder sweep queue each reminder once, however many nodes run it at the same time; an
-- event moved to another start gets reminders again.
CREATE TABLE event_reminder (
    registration_id BIGINT NOT NULL REFERENCES event_registration (id),
    starts_at       TIMESTAMPTZ NOT NULL,
    queued_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (registration_id, starts_at)
);
