-- no-transaction
-- Issue 11: a registration's id is never handed out twice. The hourly sweep deletes public registrations
-- left unconfirmed past their 24 hours (the KVKK notice promises their personal data is gone then), and
-- without AUTOINCREMENT SQLite may give a deleted row's id to the next registration, so the audit entries of
-- the pruned one would name someone else's. The table is rebuilt with AUTOINCREMENT, keeping its rows, ids,
-- indexes and triggers; the sequence starts above every id the audit log has named, pruned ones included.
-- PostgreSQL's identity column never reuses a value (its 0050 is empty).
--
-- Other tables refer to this one (check-ins, certificates, reminders, mailed links with ON DELETE CASCADE),
-- so foreign keys are off while it is rebuilt: with them on, dropping the old table would delete those
-- links. That pragma has no effect inside a transaction, hence no-transaction and the explicit one here,
-- which checks every foreign key before it commits.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE event_registration_0050 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         INTEGER NOT NULL REFERENCES event (id),
    code             TEXT NOT NULL UNIQUE,
    registered_by    INTEGER REFERENCES app_user (id),
    municipality_id  INTEGER REFERENCES municipality (id),
    attendees        TEXT NOT NULL,
    seats            INTEGER NOT NULL CHECK (seats > 0),
    status           TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'offered', 'pending',
                                                     'unconfirmed', 'rejected')),
    created_at       TEXT NOT NULL,
    offer_expires_at TEXT,
    line             INTEGER,
    contact_email    TEXT,
    consent_at       TEXT,
    consent_version  TEXT,
    confirm_by       TEXT,
    client_key       TEXT,
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL))
);
INSERT INTO event_registration_0050 (id, event_id, code, registered_by, municipality_id, attendees, seats, status,
    created_at, offer_expires_at, line, contact_email, consent_at, consent_version, confirm_by, client_key)
SELECT id, event_id, code, registered_by, municipality_id, attendees, seats, status,
    created_at, offer_expires_at, line, contact_email, consent_at, consent_version, confirm_by, client_key
FROM event_registration;
-- The copy set the sequence to the highest id kept; ids already pruned may lie above it.
INSERT INTO sqlite_sequence (name, seq)
SELECT 'event_registration_0050', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'event_registration_0050');
UPDATE sqlite_sequence SET seq = max(seq, (
    SELECT coalesce(max(CAST(record_id AS INTEGER)), 0) FROM audit_log
    WHERE record_type = 'event_registration' AND record_id GLOB '[0-9]*'
)) WHERE name = 'event_registration_0050';

DROP TABLE event_registration;
ALTER TABLE event_registration_0050 RENAME TO event_registration;

CREATE INDEX event_registration_line ON event_registration (event_id, status, id);
CREATE INDEX event_registration_by_user ON event_registration (registered_by, id);
CREATE INDEX event_registration_offers ON event_registration (offer_expires_at) WHERE status = 'offered';
CREATE INDEX event_registration_queue ON event_registration (event_id, status, line);
CREATE UNIQUE INDEX event_registration_contact ON event_registration (event_id, contact_email)
    WHERE contact_email IS NOT NULL AND status NOT IN ('cancelled', 'rejected');
CREATE INDEX event_registration_unconfirmed ON event_registration (confirm_by) WHERE status = 'unconfirmed';
CREATE INDEX event_registration_by_client ON event_registration (client_key, created_at) WHERE client_key IS NOT NULL;

CREATE TRIGGER event_registration_timestamps_insert BEFORE INSERT ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.consent_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.confirm_by NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
CREATE TRIGGER event_registration_timestamps_update BEFORE UPDATE ON event_registration
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.offer_expires_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.consent_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.confirm_by NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

-- Fails (and so rolls back) unless every foreign key in the database holds.
CREATE TEMP TABLE foreign_keys_hold_0050 (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO foreign_keys_hold_0050 SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE foreign_keys_hold_0050;

COMMIT;
PRAGMA foreign_keys = ON;
