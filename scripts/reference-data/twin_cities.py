#!/usr/bin/env python3
"""Extract the Türkiye rows of the Hekman/twincities data set for ldp.

    python3 scripts/reference-data/twin_cities.py --source /path/to/twin_cities.csv

Reads twin_cities.csv (header city1,country1,lat1,lng1,city2,country2,lat2,lng2,
scraped from Wikipedia's "List of twin towns and sister cities" pages by the
Hekman/twincities project) and writes, into --out (default <repo>/data/twin-cities):

  turkey.csv   every source row where either side's country is Türkiye, in source
               order, byte-exact (the header and the lines are copied, not re-quoted)
  sample.csv   the first 60 Türkiye rows plus 20 chosen non-Türkiye rows (for tests
               of unmatched handling), in source order

With --report it also prints how the Türkiye-side city names match the province
and district names of data/municipalities.csv (Turkish folding, see fold()).
Only the standard library is used; a re-run gives byte-identical files.
The licence files next to the outputs (LICENSE-code-MIT, LICENSE-data.md) are
kept by hand, not written here.
"""
import argparse
import csv
import io
import math
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2"
# Every spelling of Türkiye used in the source's country columns (checked against
# the 2025 file: only "Turkey" occurs; the others are here so a newer scrape that
# switched to the new name is still caught). "Northern Cyprus" is not Türkiye.
TURKEY_NAMES = {"Turkey", "Türkiye", "Turkiye", "Republic of Türkiye", "Republic of Turkey"}
SAMPLE_TURKEY_ROWS = 60
SAMPLE_OTHER_ROWS = 20

_TR_MAP = str.maketrans({"İ": "i", "I": "i", "ı": "i", "ç": "c", "Ç": "c", "ğ": "g",
                         "Ğ": "g", "ö": "o", "Ö": "o", "ş": "s", "Ş": "s", "ü": "u",
                         "Ü": "u"})


def fold(name):
    """Turkish folding: İ/I/ı→i, ç→c, ğ→g, ö→o, ş→s, ü→u, lowercase, strip diacritics."""
    s = name.strip().translate(_TR_MAP).lower()
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def read_rows(path):
    """Return (header_line, [(line, fields)]) with each line kept byte-exact (incl. '\n')."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.decode("utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    if header.rstrip("\r\n") != HEADER:
        sys.exit(f"twin_cities.py: unexpected header {header!r}")
    rows = []
    for n, line in enumerate(body, start=2):
        fields = next(csv.reader(io.StringIO(line)))
        if len(fields) != 8:
            sys.exit(f"twin_cities.py: line {n} has {len(fields)} fields (quoted newline?)")
        rows.append((line, fields))
    return header, rows


def is_turkey(fields):
    return fields[1] in TURKEY_NAMES or fields[5] in TURKEY_NAMES


def pick_others(rows):
    """20 non-Türkiye rows: edge cases first, then evenly spaced rows. Deterministic."""
    others = [i for i, (_, f) in enumerate(rows) if not is_turkey(f)]
    chosen = []

    def first(pred):
        for i in others:
            if i not in chosen and pred(rows[i]):
                chosen.append(i)
                return

    countries = lambda r: (r[1][1], r[1][5])
    first(lambda r: "Northern Cyprus" in countries(r))          # not Türkiye
    first(lambda r: "Cyprus" in countries(r))
    first(lambda r: "Turkmenistan" in countries(r))             # "Turk..." but not Türkiye
    first(lambda r: "Azerbaijan" in countries(r))
    first(lambda r: "Georgia (country)" in countries(r))
    first(lambda r: '"' in r[0])                                # quoted field with a comma
    first(lambda r: r[1][1] == r[1][5])                         # both sides in one country
    first(lambda r: r[1][0] == r[1][4])                         # same name on both sides
    first(lambda r: any(not v for v in r[1]))                   # an empty field
    first(lambda r: any(ord(ch) > 127 for ch in r[0]))          # non-ASCII names
    first(lambda r: "Gallipoli" in (r[1][0], r[1][4]))          # Gelibolu's coordinates, Italy
    rest = SAMPLE_OTHER_ROWS - len(chosen)
    pool = [i for i in others if i not in chosen]
    step = len(pool) / rest
    chosen += [pool[int(k * step + step / 2)] for k in range(rest)]
    return sorted(chosen)


def haversine_km(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def load_municipalities(path):
    """folded name -> list of (display name, province, kind, lat, lng)."""
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            name = r["province"] if r["name"] == "Merkez" else r["name"]
            out.setdefault(fold(name), []).append(
                (name, r["province"], r["kind"], float(r["lat"]), float(r["lng"])))
    return out


def report(rows, munis):
    tr = [f for _, f in rows]
    sides = []  # (row index, city, lat, lng, other side's country)
    for i, f in enumerate(tr):
        for c, co, la, ln, oco in ((0, 1, 2, 3, 5), (4, 5, 6, 7, 1)):
            if f[co] in TURKEY_NAMES:
                sides.append((i, f[c], f[la], f[ln]))
    matched_rows = {i for i, city, _, _ in sides if fold(city) in munis}
    any_side_rows = {i for i, f in enumerate(tr) if fold(f[0]) in munis or fold(f[4]) in munis}
    print(f"Türkiye rows: {len(tr)}")
    print(f"rows whose Türkiye side matches a Marmara province/district name: {len(matched_rows)}")
    print(f"rows where either side (any country) matches: {len(any_side_rows)}")
    extra = sorted({(f[0], f[1]) if fold(f[0]) in munis and f[1] not in TURKEY_NAMES else (f[4], f[5])
                    for i, f in enumerate(tr) if i in any_side_rows - matched_rows})
    if extra:
        print("  non-Türkiye sides that match a name:", extra)
    names = {}
    for i, city, la, ln in sides:
        d = names.setdefault((city, la, ln), [0, set()])
        d[0] += 1
        d[1].add(i)
    print(f"distinct Türkiye-side names: {len({k[0] for k in names})}")
    print("\nmatched names (rows; municipality; distance of the source point to ldp's point):")
    for (city, la, ln), (n, _) in sorted(names.items(), key=lambda kv: fold(kv[0][0])):
        m = munis.get(fold(city))
        if not m:
            continue
        name, prov, kind, mla, mln = m[0]
        dist = haversine_km(float(la), float(ln), mla, mln)
        flag = "  <-- far" if dist > 40 else ""
        print(f"  {city:20} {n:3}  {prov}/{name} ({kind})  {dist:6.0f} km{flag}")
    print("\nunmatched names whose point is within 30 km of a Marmara municipality point:")
    points = [v for vs in munis.values() for v in vs]
    for (city, la, ln), (n, _) in sorted(names.items(), key=lambda kv: fold(kv[0][0])):
        if fold(city) in munis:
            continue
        best = min(points, key=lambda p: haversine_km(float(la), float(ln), p[3], p[4]))
        dist = haversine_km(float(la), float(ln), best[3], best[4])
        if dist <= 30:
            print(f"  {city:24} {n:3}  nearest {best[1]}/{best[0]} {dist:5.1f} km")
    print("\nall unmatched names:")
    print("  " + "; ".join(sorted({c for (c, _, _) in names if fold(c) not in munis}, key=fold)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True, help="path to Hekman/twincities twin_cities.csv")
    ap.add_argument("--out", default=os.path.join(ROOT, "data", "twin-cities"))
    ap.add_argument("--municipalities", default=os.path.join(ROOT, "data", "municipalities.csv"))
    ap.add_argument("--report", action="store_true", help="print name-match statistics")
    a = ap.parse_args()

    header, rows = read_rows(a.source)
    turkey = [(l, f) for l, f in rows if is_turkey(f)]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "turkey.csv"), "wb") as f:
        f.write((header + "".join(l for l, _ in turkey)).encode("utf-8"))

    tr_idx = [i for i, (_, f) in enumerate(rows) if is_turkey(f)][:SAMPLE_TURKEY_ROWS]
    sample = sorted(tr_idx + pick_others(rows))
    with open(os.path.join(a.out, "sample.csv"), "wb") as f:
        f.write((header + "".join(rows[i][0] for i in sample)).encode("utf-8"))
    print(f"twin_cities.py: {len(rows)} source rows, {len(turkey)} Türkiye rows, "
          f"{len(sample)} sample rows -> {a.out}", file=sys.stderr)
    if a.report:
        report(turkey, load_municipalities(a.municipalities))


if __name__ == "__main__":
    main()
