-- Issue 11, the registration lifecycle: waitlist offers (a waiting registration offered freed seats until
-- offer_expires_at; an offered seat is held), and the statuses later steps use (pending under moderation,
-- unconfirmed before a public registrant's double opt-in, rejected).
ALTER TABLE event_registration DROP CONSTRAINT event_registration_status_check;
ALTER TABLE event_registration ADD CONSTRAINT event_registration_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'offered', 'pending', 'unconfirmed', 'rejected'));
ALTER TABLE event_registration ADD COLUMN offer_expires_at TIMESTAMPTZ;
ALTER TABLE event_registration ADD CONSTRAINT event_registration_offer_check
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL));
CREATE INDEX event_registration_offers ON event_registration (offer_expires_at) WHERE status = 'offered';
