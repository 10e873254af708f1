-- Issue 11, reminders: one row per confirmed registration reminded of an event starting at `starts_at`. The
-- primary key makes the reminder sweep queue each reminder once, however many nodes run it at the same time; an
-- event moved to another start gets reminders again.
CREATE TABLE event_reminder (
    registration_id INTEGER NOT NULL REFERENCES event_registration (id),
    starts_at       TEXT NOT NULL,
    queued_at       TEXT NOT NULL,
    PRIMARY KEY (registration_id, starts_at)
);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER event_reminder_timestamps_insert BEFORE INSERT ON event_reminder
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
  OR NEW.queued_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
