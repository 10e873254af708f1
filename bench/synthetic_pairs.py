#!/usr/bin/env python3
"""Write synthetic sister-city pairs for the import and page benchmarks of ldp.

    python3 bench/synthetic_pairs.py -n 31800 [--seed 20261128] [-o pairs.csv]

The output has the format of the real twin-city list (`city1,country1,lat1,lng1,city2,country2,lat2,lng2`),
so that `ldp import partnerships` reads it like the real file:

  side 1  a member municipality from data/municipalities.csv, written the way the real list names it: the
          province name for the metropolitan and provincial municipalities, the district name for districts
          (the five `Merkez` districts are skipped: the provincial municipality stands for them), country
          `Turkey`, and the member's own lat/lng;
  side 2  a city outside Türkiye with more than 15,000 inhabitants from data/geonames-cities.tsv.gz, its own
          name, its country's English name from data/countries.csv (`name_en`, which the importer knows) and
          its own lat/lng.

Members are drawn uniformly at random; the partner cities are drawn without replacement, so each row names
a different city and every row should create one relation. When more pairs are asked for than there are
cities (33,532), distinct (member, city) pairs are drawn instead, which still creates one relation per row. The same seed and N give byte-identical output.
Only the Python standard library is used.
"""
import argparse
import csv
import gzip
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = ["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"]
MIN_POPULATION = 15000


def members(path):
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "district":
                if row["name"] == "Merkez":
                    continue
                name = row["name"]
            else:
                name = row["province"]
            out.append((name, row["lat"], row["lng"]))
    if not out:
        sys.exit(f"synthetic_pairs.py: no members in {path}")
    return out


def country_names(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["iso2"]: row["name_en"] for row in csv.DictReader(f)}


def cities(path, countries):
    """Non-Turkish cities above MIN_POPULATION, in file order, without same-name twins at the same point."""
    out, seen = [], set()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 10:
                continue
            _gid, name, _ascii, _alt, country, _admin1, lat, lng, population = cols[:9]
            if country == "TR" or country not in countries or not name:
                continue
            try:
                if int(population or 0) <= MIN_POPULATION:
                    continue
            except ValueError:
                continue
            # Two gazetteer rows with one name at one point cannot be told apart by the importer.
            key = (name.casefold(), country, lat, lng)
            if key in seen:
                continue
            seen.add(key)
            out.append((name, countries[country], lat, lng))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, required=True, help="number of pairs")
    p.add_argument("--seed", type=int, default=20261128, help="random seed (default: %(default)s)")
    p.add_argument("-o", "--out", help="output CSV (default: stdout)")
    p.add_argument("--municipalities", default=os.path.join(ROOT, "data", "municipalities.csv"))
    p.add_argument("--gazetteer", default=os.path.join(ROOT, "data", "geonames-cities.tsv.gz"))
    p.add_argument("--countries", default=os.path.join(ROOT, "data", "countries.csv"))
    args = p.parse_args()
    if args.n < 1:
        sys.exit("synthetic_pairs.py: -n must be at least 1")

    rng = random.Random(args.seed)
    m = members(args.municipalities)
    c = cities(args.gazetteer, country_names(args.countries))
    if args.n > len(m) * len(c):
        sys.exit(f"synthetic_pairs.py: asked for {args.n} pairs but only {len(m) * len(c)} member-city pairs exist")
    if args.n <= len(c):
        # Each row a different city, each with a member drawn at random.
        rows = [(rng.choice(m), city) for city in rng.sample(c, args.n)]
    else:
        # More pairs than cities: distinct (member, city) pairs, so that every row still creates a relation.
        rows = [(m[i // len(c)], c[i % len(c)]) for i in rng.sample(range(len(m) * len(c)), args.n)]

    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(HEADER)
        for (name, mlat, mlng), (city, country, lat, lng) in rows:
            w.writerow([name, "Turkey", mlat, mlng, city, country, lat, lng])
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"synthetic_pairs.py: {args.n} pairs, {len(m)} members, {len(c)} candidate cities, seed {args.seed}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
