-- Cities get their Turkish display name (GeoNames' Turkish-tagged name; empty when it is the same as `name`),
-- and partner places can come from a source list instead of the gazetteer: a relation in an imported list
-- whose partner GeoNames does not have gets a place made from the list's own name, country and point,
-- marked with the list it came from, until staff merge it into a gazetteer city. Such places have negative
-- ids, so they never collide with a GeoNames id.
ALTER TABLE city ADD COLUMN name_tr TEXT NOT NULL DEFAULT '';
ALTER TABLE city ADD COLUMN source_list TEXT;
CREATE INDEX city_from_source_list ON city (source_list) WHERE source_list IS NOT NULL;
