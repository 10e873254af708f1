-- The networks registry: networks beyond the union's own eight, in which members record their memberships.
-- Representatives propose a network; the union's staff edit and approve it. The union's reference networks keep
-- registry_status NULL (the reference loader owns them); a registry network is 'proposed' until approved, and
-- only an approved one is public or can carry memberships.
ALTER TABLE network ADD COLUMN registry_status TEXT CHECK (registry_status IN ('proposed', 'approved'));
ALTER TABLE network ADD COLUMN proposed_by BIGINT REFERENCES app_user (id);
ALTER TABLE network ADD COLUMN sort_key BYTEA;
CREATE INDEX network_registry ON network (registry_status, sort_key);
