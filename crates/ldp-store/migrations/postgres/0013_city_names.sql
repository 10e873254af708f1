-- One row per folded name of each city (its GeoNames name, ASCII name, alternate names and Turkish exonym,
-- as `city.names_folded` lists them between bars), so that the city look-up is a range scan of this table's
-- primary key (`folded >= q AND folded < q || U+10FFFF`) instead of a LIKE over every city. Byte order
-- (COLLATE "C"), as on SQLite, so the range is a prefix whatever the database's locale. The reference loader
-- rebuilds the rows of GeoNames cities after each load; a place made from an import's row adds its own, and
-- loses them with the place (ON DELETE CASCADE).
CREATE TABLE city_name (
    folded  TEXT COLLATE "C" NOT NULL,
    city_id BIGINT NOT NULL REFERENCES city (id) ON DELETE CASCADE,
    PRIMARY KEY (folded, city_id)
);
CREATE INDEX city_name_by_city ON city_name (city_id);

INSERT INTO city_name (folded, city_id)
SELECT DISTINCT n, c.id FROM city c CROSS JOIN LATERAL unnest(string_to_array(c.names_folded, '|')) AS n
WHERE n <> ''
ON CONFLICT DO NOTHING;
ANALYZE city_name;
