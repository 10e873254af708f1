-- Publications (issue 12): the union's reports, guides, bulletins, presentations and studies, and their files.
-- Lists of ids and of a fixed vocabulary (topics, SDGs, networks, municipalities, events, relations) are kept
-- as ',a,b,' text, as for events (0014), so one LIKE '%,x,%' filters them on both engines. Authors are a JSON
-- list of names (a name may hold a comma).
CREATE TABLE publication (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('report', 'guide', 'bulletin', 'presentation', 'study')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    title_tr        TEXT NOT NULL,
    title_en        TEXT NOT NULL,
    summary_tr      TEXT NOT NULL,
    summary_en      TEXT NOT NULL,
    authors         TEXT NOT NULL,
    published_on    TEXT NOT NULL CHECK (published_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    language        TEXT NOT NULL CHECK (length(language) = 2),
    topics          TEXT NOT NULL,
    sdgs            TEXT NOT NULL,
    networks        TEXT NOT NULL,
    municipalities  TEXT NOT NULL,
    events          TEXT NOT NULL,
    partnerships    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (title_tr <> '' OR title_en <> '')
);
CREATE INDEX publication_by_date ON publication (status, published_on, id);

-- A publication's documents: the bytes live in the uploads store under storage_key, as relation documents do.
CREATE TABLE publication_file (
    id              INTEGER PRIMARY KEY,
    publication_id  INTEGER NOT NULL REFERENCES publication (id),
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL CHECK (size > 0),
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL
);
CREATE INDEX publication_file_of ON publication_file (publication_id, id);

INSERT INTO data_version (topic, version) VALUES ('publications', 0);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER publication_timestamps_insert BEFORE INSERT ON publication
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER publication_timestamps_update BEFORE UPDATE ON publication
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER publication_file_timestamps_insert BEFORE INSERT ON publication_file
WHEN NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
