-- Documents of projects beside those of applications (issue 16): one table for both owners.
--
-- funding_application_document becomes funding_document: a row belongs to an application or to a project,
-- never both. A project's document may be public (listed and served on the published project's public page);
-- an application's never is. The bytes stay in the uploads store under storage_key, written before the row.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt with its rows and ids.
CREATE TABLE funding_document (
    id              INTEGER PRIMARY KEY,
    application_id  INTEGER REFERENCES funding_application (id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL CHECK (size > 0),
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    uploaded_by     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    project_id      INTEGER REFERENCES project (id),
    public          INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    CONSTRAINT funding_document_one_owner CHECK ((application_id IS NULL) <> (project_id IS NULL)),
    CONSTRAINT funding_document_public_of_project CHECK (public = 0 OR project_id IS NOT NULL)
);
INSERT INTO funding_document (id, application_id, filename, content_type, size, sha256, storage_key, uploaded_by,
    created_at)
SELECT id, application_id, filename, content_type, size, sha256, storage_key, uploaded_by, created_at
FROM funding_application_document;
DROP TABLE funding_application_document;
CREATE INDEX funding_document_of_application ON funding_document (application_id, id);
CREATE INDEX funding_document_of_project ON funding_document (project_id, id);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER funding_document_timestamps_insert BEFORE INSERT ON funding_document
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER funding_document_timestamps_update BEFORE UPDATE ON funding_document
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
