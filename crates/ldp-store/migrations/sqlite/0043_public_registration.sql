-- Issue 11, anonymous registration and moderation. A public registrant's registration waits as 'unconfirmed'
-- (holding no seat) until the mailed link is used before confirm_by; it records the KVKK consent (when, and
-- which notice) and the folded contact address, unique per event among live registrations. 'line' is the
-- place in the event's queue, drawn under the event's lock when a registration enters the seat logic (at once
-- for signed-in registrants, at the double opt-in for public ones), so the waitlist is first in first out by
-- that moment. client_key is a keyed hash of the client address (never the address) for the rate limit.
-- An event with 'moderated' puts registrations that fit into 'pending', which holds its seats until staff
-- confirm or reject it.
ALTER TABLE event ADD COLUMN moderated INTEGER NOT NULL DEFAULT 0;

ALTER TABLE event_registration ADD COLUMN line INTEGER;
ALTER TABLE event_registration ADD COLUMN contact_email TEXT;
ALTER TABLE event_registration ADD COLUMN consent_at TEXT;
ALTER TABLE event_registration ADD COLUMN consent_version TEXT;
ALTER TABLE event_registration ADD COLUMN confirm_by TEXT;
ALTER TABLE event_registration ADD COLUMN client_key TEXT;
UPDATE event_registration SET line = id;
CREATE INDEX event_registration_queue ON event_registration (event_id, status, line);
CREATE UNIQUE INDEX event_registration_contact ON event_registration (event_id, contact_email)
    WHERE contact_email IS NOT NULL AND status NOT IN ('cancelled', 'rejected');
CREATE INDEX event_registration_unconfirmed ON event_registration (confirm_by) WHERE status = 'unconfirmed';
CREATE INDEX event_registration_by_client ON event_registration (client_key, created_at) WHERE client_key IS NOT NULL;

DROP TRIGGER event_registration_timestamps_insert;
DROP TRIGGER event_registration_timestamps_update;
CREATE TRIGGER event_registration_timestamps_insert BEFORE INSERT ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.consent_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.confirm_by NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
CREATE TRIGGER event_registration_timestamps_update BEFORE UPDATE ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.consent_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.confirm_by NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

-- A second purpose of mailed links: the double opt-in. SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE event_registration_link_0043 (
    token_hash      TEXT PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES event_registration (id) ON DELETE CASCADE,
    purpose         TEXT NOT NULL CHECK (purpose IN ('offer', 'opt_in')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
INSERT INTO event_registration_link_0043 (token_hash, registration_id, purpose, created_at, expires_at)
SELECT token_hash, registration_id, purpose, created_at, expires_at FROM event_registration_link;
DROP TABLE event_registration_link;
ALTER TABLE event_registration_link_0043 RENAME TO event_registration_link;
CREATE INDEX event_registration_link_by_registration ON event_registration_link (registration_id);
CREATE INDEX event_registration_link_expiry ON event_registration_link (expires_at);
CREATE TRIGGER event_registration_link_timestamps_insert BEFORE INSERT ON event_registration_link
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
