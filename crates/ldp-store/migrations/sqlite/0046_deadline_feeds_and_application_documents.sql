-- Deadline feeds and documents on applications (issue 16).
--
-- funding_call.deadline_sequence: the iCalendar SEQUENCE of a call's deadline entries in the deadline feeds.
-- The store raises it whenever a call's deadlines change (in the same UPDATE, comparing the stored JSON with
-- the new one) and never lowers it, so calendar programs replace an earlier copy of a moved deadline.
ALTER TABLE funding_call ADD COLUMN deadline_sequence INTEGER NOT NULL DEFAULT 0 CHECK (deadline_sequence >= 0);

-- An application's documents: the bytes live in the uploads store under storage_key (written before the
-- row, so a backup that names a document holds its bytes), as publication files do. A deleted document's
-- row goes (its record stays in the audit log); its bytes stay where backups find them.
CREATE TABLE funding_application_document (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER NOT NULL REFERENCES funding_application (id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL CHECK (size > 0),
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    uploaded_by     TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX funding_application_document_of ON funding_application_document (application_id, id);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER funding_application_document_timestamps_insert BEFORE INSERT ON funding_application_document
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_application_document_timestamps_update BEFORE UPDATE ON funding_application_document
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
