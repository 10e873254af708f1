-- The disposal log of the contact capability (KVKK and its regulation on the deletion, destruction or
-- anonymisation of personal data): one row per message anonymised by the retention job or erased on a
-- person's request. It names the message by its reference and holds no personal data, so it can be kept
-- for the regulation's three years and beyond; ldp never deletes from it.
CREATE TABLE contact_disposal (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    reference   TEXT NOT NULL,
    -- 'anonymised': the retention period after closing ran out; 'erased': a person asked.
    action      TEXT NOT NULL CHECK (action IN ('anonymised', 'erased')),
    -- Who did it: `system:retention` or the staff member's label.
    actor       TEXT NOT NULL,
    -- When the message arrived and (if it had) closed: what the period was measured from.
    received_at TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX contact_disposal_at ON contact_disposal (at);
CREATE INDEX contact_message_retention ON contact_message (closed_at) WHERE anonymised_at IS NULL;

CREATE TRIGGER contact_disposal_timestamps_insert BEFORE INSERT ON contact_disposal
WHEN NEW.at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.received_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.closed_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER contact_disposal_no_update BEFORE UPDATE ON contact_disposal
BEGIN SELECT RAISE(ABORT, 'the disposal log is append-only'); END;
CREATE TRIGGER contact_disposal_no_delete BEFORE DELETE ON contact_disposal
BEGIN SELECT RAISE(ABORT, 'the disposal log is append-only'); END;
