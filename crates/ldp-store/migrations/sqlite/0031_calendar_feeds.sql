-- Calendars (issue 11): a person's own calendar feed, `/calendar/{token}/events.ics`, behind a secret in its
-- address. The secret is 32 random bytes shown once; only its SHA-256 is kept. A user has at most one live
-- feed (rotating one ends it and starts another in one transaction); an ended feed keeps its row, so the
-- audit log's references stay meaningful. The events' calendar SEQUENCE is 0014's `event.sequence`.
CREATE TABLE calendar_feed (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES app_user (id),
    token_hash  TEXT NOT NULL UNIQUE,
    lang        TEXT NOT NULL CHECK (lang IN ('tr', 'en')),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
CREATE UNIQUE INDEX calendar_feed_live ON calendar_feed (user_id) WHERE revoked_at IS NULL;

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER calendar_feed_timestamps_insert BEFORE INSERT ON calendar_feed
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.revoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER calendar_feed_timestamps_update BEFORE UPDATE ON calendar_feed
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.revoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
