-- The change feed: one version per topic, bumped in the transaction of every write that changes what the
-- topic covers (see `ldp-store/src/feed.rs`). Nodes and in-memory readers compare versions to know what moved.
CREATE TABLE data_version (
    topic   TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0)
);
INSERT INTO data_version (topic, version) VALUES ('reference', 0), ('workspace', 0), ('partnerships', 0), ('accounts', 0);
