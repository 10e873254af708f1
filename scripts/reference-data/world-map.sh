#!/usr/bin/env bash
# Rebuild data/world/countries-110m.tsv (and data/world/LICENSE-world-atlas) from the
# npm packages pinned in scripts/reference-data/world-map/package-lock.json.
#
#   scripts/reference-data/world-map.sh
#
# Needs node (18+) and npm with access to the npm registry. The packages are installed
# into a temporary folder that is removed afterwards. A re-run gives byte-identical files.
# Environment: OUT (default <repo>/data/world).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$ROOT/data/world}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ldp-world-map.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/world-map/package.json" "$HERE/world-map/package-lock.json" "$WORK/"
(cd "$WORK" && npm ci --silent --no-audit --no-fund --ignore-scripts)

mkdir -p "$OUT"
node "$HERE/world-map.mjs" "$WORK/node_modules" "$OUT/countries-110m.tsv"
cp "$WORK/node_modules/world-atlas/LICENSE" "$OUT/LICENSE-world-atlas"
echo "world-map.sh: done; files in $OUT"
