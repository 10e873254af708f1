-- Issue 11, the registration lifecycle answered from e-mail: links mailed to a registrant (a waitlist offer to
-- take or decline) carry a random secret; only its SHA-256 is kept, like password-reset links. A link belongs to
-- one registration and one purpose and dies at its expiry (an offer's link with the offer).
CREATE TABLE event_registration_link (
    token_hash      TEXT PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES event_registration (id) ON DELETE CASCADE,
    purpose         TEXT NOT NULL CHECK (purpose IN ('offer')),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX event_registration_link_by_registration ON event_registration_link (registration_id);
CREATE INDEX event_registration_link_expiry ON event_registration_link (expires_at);

CREATE TRIGGER event_registration_link_timestamps_insert BEFORE INSERT ON event_registration_link
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
