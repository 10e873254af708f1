-- Issue 11, anonymous registration and moderation. A public registrant's registration waits as 'unconfirmed'
-- (holding no seat) until the mailed link is used before confirm_by; it records the KVKK consent (when, and
-- which notice) and the folded contact address, unique per event among live registrations. 'line' is the
-- place in the event's queue, drawn under the event's lock when a registration enters the seat logic (at once
-- for signed-in registrants, at the double opt-in for public ones), so the waitlist is first in first out by
-- that moment. client_key is a keyed hash of the client address (never the address) for the rate limit.
-- An event with 'moderated' puts registrations that fit into 'pending', which holds its seats until staff
-- confirm or reject it.
ALTER TABLE event ADD COLUMN moderated BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE event_registration ADD COLUMN line BIGINT;
ALTER TABLE event_registration ADD COLUMN contact_email TEXT;
ALTER TABLE event_registration ADD COLUMN consent_at TIMESTAMPTZ;
ALTER TABLE event_registration ADD COLUMN consent_version TEXT;
ALTER TABLE event_registration ADD COLUMN confirm_by TIMESTAMPTZ;
ALTER TABLE event_registration ADD COLUMN client_key TEXT;
UPDATE event_registration SET line = id;
CREATE INDEX event_registration_queue ON event_registration (event_id, status, line);
CREATE UNIQUE INDEX event_registration_contact ON event_registration (event_id, contact_email)
    WHERE contact_email IS NOT NULL AND status NOT IN ('cancelled', 'rejected');
CREATE INDEX event_registration_unconfirmed ON event_registration (confirm_by) WHERE status = 'unconfirmed';
CREATE INDEX event_registration_by_client ON event_registration (client_key, created_at) WHERE client_key IS NOT NULL;

-- A second purpose of mailed links: the double opt-in.
ALTER TABLE event_registration_link DROP CONSTRAINT event_registration_link_purpose_check;
ALTER TABLE event_registration_link ADD CONSTRAINT event_registration_link_purpose_check
    CHECK (purpose IN ('offer', 'opt_in'));
