-- The change feed: one version per topic, bumped in the transaction of every write that changes what the
-- topic covers (see `ldp-store/src/feed.rs`). Nodes and in-memory readers compare versions to know what moved.
CREATE TABLE data_version (
    topic   TEXT PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0 CHECK (version >= 0)
);
INSERT INTO data_version (topic, version) VALUES ('reference', 0), ('workspace', 0), ('partnerships', 0), ('accounts', 0);

-- Every bump tells the listening nodes at commit (`topic:version`); a rolled-back bump tells nobody.
CREATE FUNCTION data_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ldp_data_version', NEW.topic || ':' || NEW.version);
    RETURN NULL;
END $$;
CREATE TRIGGER data_version_changed AFTER UPDATE ON data_version
    FOR EACH ROW EXECUTE FUNCTION data_version_notify();
