-- Reference data: the union, networks, provinces, municipalities, countries, the gazetteer and the SDGs.
-- Folded names and binary sort keys are made in Rust (ldp_core::text) so that both backends match and order alike.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE union_info (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name_tr    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    acronym_tr TEXT NOT NULL,
    acronym_en TEXT NOT NULL,
    founded    TEXT NOT NULL,
    seat       TEXT NOT NULL,
    website    TEXT NOT NULL,
    source     TEXT NOT NULL
);

CREATE TABLE network (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    acronym          TEXT NOT NULL,
    name_tr          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    founded          INTEGER NOT NULL,
    founded_place_tr TEXT,
    founded_place_en TEXT,
    founded_note_tr  TEXT,
    founded_note_en  TEXT,
    hq_tr            TEXT NOT NULL,
    hq_en            TEXT NOT NULL,
    hq_note_tr       TEXT,
    hq_note_en       TEXT,
    hq_country       TEXT NOT NULL,
    website          TEXT NOT NULL,
    aims_tr          TEXT NOT NULL,
    aims_en          TEXT NOT NULL,
    source           TEXT NOT NULL
);

CREATE TABLE network_fact (
    network_id INTEGER NOT NULL REFERENCES network (id),
    position   INTEGER NOT NULL,
    label_tr   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    value_tr   TEXT NOT NULL,
    value_en   TEXT NOT NULL,
    as_of      TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (network_id, position)
);

CREATE TABLE province (
    plate    INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    slug     TEXT NOT NULL UNIQUE,
    sort_key BLOB NOT NULL
);

CREATE TABLE municipality (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    name_folded     TEXT NOT NULL,
    sort_key        BLOB NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('metropolitan', 'provincial', 'district')),
    plate           INTEGER NOT NULL REFERENCES province (plate),
    population      INTEGER,
    population_year INTEGER,
    lat             REAL NOT NULL,
    lng             REAL NOT NULL,
    location_basis  TEXT NOT NULL CHECK (location_basis IN ('seat', 'inside', 'approximate'))
);
CREATE INDEX municipality_order ON municipality (sort_key, id);
CREATE INDEX municipality_province ON municipality (plate, sort_key);

-- A member of a network: the union itself (municipality_id IS NULL) or one of its municipalities.
CREATE TABLE membership (
    id              INTEGER PRIMARY KEY,
    network_id      INTEGER NOT NULL REFERENCES network (id),
    municipality_id INTEGER REFERENCES municipality (id),
    since_year      INTEGER NOT NULL,
    note_tr         TEXT,
    note_en         TEXT
);
CREATE UNIQUE INDEX membership_of_union ON membership (network_id) WHERE municipality_id IS NULL;
CREATE UNIQUE INDEX membership_of_municipality ON membership (network_id, municipality_id)
    WHERE municipality_id IS NOT NULL;

CREATE TABLE country (
    iso2         TEXT PRIMARY KEY,
    iso3         TEXT NOT NULL,
    numeric_code TEXT NOT NULL,
    name_tr      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    sort_key     BLOB NOT NULL,
    names_folded TEXT NOT NULL
);
CREATE INDEX country_order ON country (sort_key);

CREATE TABLE city (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    ascii_name   TEXT NOT NULL,
    names_folded TEXT NOT NULL,
    country      TEXT NOT NULL,
    admin1       TEXT NOT NULL,
    lat          REAL NOT NULL,
    lng          REAL NOT NULL,
    population   INTEGER NOT NULL,
    feature_code TEXT NOT NULL
);
CREATE INDEX city_by_population ON city (population DESC, id);
CREATE INDEX city_by_country ON city (country, population DESC);

CREATE TABLE sdg_goal (
    number   INTEGER PRIMARY KEY CHECK (number BETWEEN 1 AND 17),
    color    TEXT NOT NULL,
    short_tr TEXT NOT NULL,
    short_en TEXT NOT NULL,
    title_tr TEXT NOT NULL,
    title_en TEXT NOT NULL
);

CREATE TABLE sdg_target (
    code     TEXT PRIMARY KEY,
    goal     INTEGER NOT NULL REFERENCES sdg_goal (number),
    position INTEGER NOT NULL,
    text_tr  TEXT NOT NULL,
    text_en  TEXT NOT NULL
);
CREATE INDEX sdg_target_order ON sdg_target (goal, position);
