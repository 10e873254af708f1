-- Certificates (issue 11): issued to an attendee of a training (or workshop) whose checked-in hours reach the
-- event's threshold of its total session hours (80% unless staff set another). A certificate keeps what it
-- certifies as it was when issued (name, title in TR and EN, topics, dates, minutes), so a later edit of the
-- event never changes a certificate already handed out. The 8-character code (the registration codes'
-- alphabet) is what the public verification page and the PDF name. Revoked certificates stay, with the date
-- and the reason (the reason is never shown publicly).
CREATE TABLE event_certificate_policy (
    event_id          INTEGER PRIMARY KEY REFERENCES event (id) ON DELETE CASCADE,
    threshold_percent INTEGER NOT NULL CHECK (threshold_percent BETWEEN 1 AND 100)
);

CREATE TABLE event_certificate (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE CHECK (length(code) = 8),
    event_id          INTEGER NOT NULL REFERENCES event (id),
    registration_id   INTEGER NOT NULL REFERENCES event_registration (id),
    attendee          INTEGER NOT NULL CHECK (attendee >= 0),
    name              TEXT NOT NULL CHECK (name <> ''),
    email             TEXT NOT NULL,
    -- The address folded (lower case, Turkish dotted I undone): how a signed-in person finds their own.
    email_key         TEXT NOT NULL,
    municipality_id   INTEGER REFERENCES municipality (id),
    title_tr          TEXT NOT NULL,
    title_en          TEXT NOT NULL,
    -- The event's topics as `,a,b,` text, like the events' lists.
    topics            TEXT NOT NULL,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    attended_minutes  INTEGER NOT NULL CHECK (attended_minutes > 0),
    total_minutes     INTEGER NOT NULL CHECK (total_minutes >= attended_minutes),
    threshold_percent INTEGER NOT NULL CHECK (threshold_percent BETWEEN 1 AND 100),
    issued_at         TEXT NOT NULL,
    revoked_at        TEXT,
    revocation_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (registration_id, attendee)
);
CREATE INDEX event_certificate_by_event ON event_certificate (event_id, id);
CREATE INDEX event_certificate_by_email ON event_certificate (email_key, issued_at);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER event_certificate_timestamps_insert BEFORE INSERT ON event_certificate
WHEN NEW.starts_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
  OR NEW.ends_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
  OR NEW.issued_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
  OR (NEW.revoked_at IS NOT NULL AND NEW.revoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z')
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER event_certificate_timestamps_update BEFORE UPDATE ON event_certificate
WHEN NEW.revoked_at IS NOT NULL AND NEW.revoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
