-- Saved searches of funding calls (issue 16, "Watching and alerts"). A search's criteria never change (a
-- different search is a new one); its frequency and mail language do. What was mailed is kept as keys that
-- are unique in the database, so two nodes running the same sweep at the same moment queue each mail once:
--   saved_search_alert     (search, call): the call is known to the search; state 'seen' (it matched when
--                          the search was saved: no mail), 'sent' (announced at once), 'pending' (waits for
--                          the digest) or 'digested' (went out in the digest of `digest_period`);
--   saved_search_digest    (search, period): one digest per search and Istanbul day or ISO week;
--   call_deadline_reminder (user, call, deadline, days before): one reminder per user whatever their searches.
CREATE TABLE saved_search (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    theme           TEXT,
    sdg             INTEGER CHECK (sdg BETWEEN 1 AND 17),
    funder          TEXT,
    kind            TEXT CHECK (kind IN ('grant', 'competition', 'tender', 'partner_search')),
    municipality_id INTEGER REFERENCES municipality (id),
    frequency       TEXT NOT NULL CHECK (frequency IN ('immediately', 'daily', 'weekly')),
    lang            TEXT NOT NULL CHECK (lang IN ('tr', 'en')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX saved_search_by_user ON saved_search (user_id, id);

CREATE TABLE saved_search_alert (
    search_id     INTEGER NOT NULL REFERENCES saved_search (id) ON DELETE CASCADE,
    call_id       INTEGER NOT NULL REFERENCES funding_call (id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('seen', 'sent', 'pending', 'digested')),
    digest_period TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (search_id, call_id)
);

CREATE TABLE saved_search_digest (
    search_id  INTEGER NOT NULL REFERENCES saved_search (id) ON DELETE CASCADE,
    period     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (search_id, period)
);

CREATE TABLE call_deadline_reminder (
    user_id     INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    call_id     INTEGER NOT NULL REFERENCES funding_call (id) ON DELETE CASCADE,
    deadline_at TEXT NOT NULL,
    days_before INTEGER NOT NULL CHECK (days_before IN (30, 7, 1)),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, call_id, deadline_at, days_before)
);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order (and a deadline's
-- key is one text for one instant).
CREATE TRIGGER saved_search_timestamps_insert BEFORE INSERT ON saved_search
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER saved_search_timestamps_update BEFORE UPDATE ON saved_search
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER saved_search_alert_timestamps_insert BEFORE INSERT ON saved_search_alert
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER saved_search_digest_timestamps_insert BEFORE INSERT ON saved_search_digest
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER call_deadline_reminder_timestamps_insert BEFORE INSERT ON call_deadline_reminder
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.deadline_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
