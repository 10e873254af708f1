-- Documents of projects beside those of applications (issue 16): one table for both owners.
--
-- funding_application_document becomes funding_document: a row belongs to an application or to a project,
-- never both. A project's document may be public (listed and served on the published project's public page);
-- an application's never is. The bytes stay in the uploads store under storage_key, written before the row.
ALTER TABLE funding_application_document RENAME TO funding_document;
ALTER INDEX funding_application_document_of RENAME TO funding_document_of_application;
ALTER TABLE funding_document ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE funding_document ADD COLUMN project_id BIGINT REFERENCES project (id);
ALTER TABLE funding_document ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE funding_document ADD CONSTRAINT funding_document_one_owner
    CHECK ((application_id IS NULL) <> (project_id IS NULL));
ALTER TABLE funding_document ADD CONSTRAINT funding_document_public_of_project
    CHECK (NOT public OR project_id IS NOT NULL);
CREATE INDEX funding_document_of_project ON funding_document (project_id, id);
