-- News posts (issue 12). Title, summary and Markdown body in Turkish and English (one language may be
-- empty); a publish time in UTC: a post is public when its status is 'published' and publish_at has passed,
-- compared in the query with the clock's now, so a scheduled post needs no job. Related records are kept as
-- ',a,b,' text of ids (networks, municipalities, events, sister-city relations) like events' lists. The image's
-- bytes are in the uploads store under image_key; its alt text per language beside it.
CREATE TABLE news_post (
    id               INTEGER PRIMARY KEY,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    title_tr         TEXT NOT NULL,
    title_en         TEXT NOT NULL,
    summary_tr       TEXT NOT NULL,
    summary_en       TEXT NOT NULL,
    body_tr          TEXT NOT NULL,
    body_en          TEXT NOT NULL,
    publish_at       TEXT NOT NULL,
    networks         TEXT NOT NULL,
    municipalities   TEXT NOT NULL,
    events           TEXT NOT NULL,
    partnerships     TEXT NOT NULL,
    image_key        TEXT,
    image_type       TEXT CHECK (image_type IN ('image/jpeg', 'image/png', 'image/webp')),
    image_size       INTEGER CHECK (image_size > 0),
    image_sha256     TEXT,
    image_alt_tr     TEXT NOT NULL DEFAULT '',
    image_alt_en     TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK (title_tr <> '' OR title_en <> ''),
    CHECK ((image_key IS NULL) = (image_type IS NULL) AND (image_key IS NULL) = (image_sha256 IS NULL))
);
CREATE INDEX news_post_public ON news_post (status, publish_at, id);

INSERT INTO data_version (topic, version) VALUES ('news', 0);

-- Timestamps in the one fixed-width form of migration 0010, so text order is time order.
CREATE TRIGGER news_post_timestamps_insert BEFORE INSERT ON news_post
WHEN NEW.publish_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;

CREATE TRIGGER news_post_timestamps_update BEFORE UPDATE ON news_post
WHEN NEW.publish_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.created_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z' OR NEW.updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'
BEGIN SELECT RAISE(ABORT, 'timestamp not in the fixed-width form'); END;
