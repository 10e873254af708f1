-- Lists of relations are ordered by member (Turkish collation), then partner, and filtered by the member's
-- province and the partner's country. Keeping those facts on the relation (they never change for a given
-- pair) lets one index give the order and lets counts and summaries read this table alone.
ALTER TABLE partnership ADD COLUMN member_sort_key BYTEA;
ALTER TABLE partnership ADD COLUMN member_plate BIGINT;
ALTER TABLE partnership ADD COLUMN partner_country TEXT;
UPDATE partnership SET
    member_sort_key = (SELECT sort_key FROM municipality WHERE municipality.id = partnership.municipality_id),
    member_plate = (SELECT plate FROM municipality WHERE municipality.id = partnership.municipality_id),
    partner_country = COALESCE((SELECT country FROM city WHERE city.id = partnership.partner_city_id), 'TR');
CREATE INDEX partnership_order ON partnership (member_sort_key, partner_sort_key, id);
CREATE INDEX partnership_by_member ON partnership (municipality_id, partner_sort_key);
CREATE INDEX partnership_by_country ON partnership (partner_country, municipality_id);
CREATE INDEX partnership_by_plate ON partnership (member_plate);
