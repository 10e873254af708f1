-- One row per folded name of each city (its GeoNames name, ASCII name, alternate names and Turkish exonym,
-- as `city.names_folded` lists them between bars), so that the city look-up is a range scan of this table's
-- primary key (`folded >= q AND folded < q || U+10FFFF`) instead of a LIKE over every city. The reference
-- loader rebuilds the rows of GeoNames cities after each load; a place made from an import's row adds its own,
-- and loses them with the place (ON DELETE CASCADE).
CREATE TABLE city_name (
    folded  TEXT NOT NULL,
    city_id INTEGER NOT NULL REFERENCES city (id) ON DELETE CASCADE,
    PRIMARY KEY (folded, city_id)
) WITHOUT ROWID;
CREATE INDEX city_name_by_city ON city_name (city_id);

WITH RECURSIVE split (city_id, rest, name) AS (
    SELECT id, substr(names_folded, 2), '' FROM city
    UNION ALL
    SELECT city_id, substr(rest, instr(rest, '|') + 1), substr(rest, 1, instr(rest, '|') - 1)
    FROM split WHERE instr(rest, '|') > 0
)
INSERT OR IGNORE INTO city_name (folded, city_id) SELECT name, city_id FROM split WHERE name <> '';
