#!/usr/bin/env bash
# Instructions per cached request, counted by callgrind: repeatable on a busy machine, where req/s is not.
#
#   LDP_BIN=target/release/ldp bench/callgrind.sh [PATH ...]      (default: /tr/municipalities)
#
# Build the binary with line tables to read the profile by function:
#   CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=false cargo build --release -p ldp
# It starts ldp on a fresh SQLite data folder (the real reference data), warms each PATH twice, counts the
# instructions of every thread while `wrk -t1 -c1` asks for PATH for SECONDS (default 20), and prints
# instructions per request. The profiles stay in OUT_DIR (callgrind_annotate FILE shows them).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
missing=()
for tool in valgrind:valgrind wrk:wrk curl:curl; do command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}"); done
install_pkgs "${missing[@]}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"
resolve_ldp_bin
SECONDS_PER_PATH="${SECONDS_PER_PATH:-20}"
OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
mkdir -p "$OUT_DIR"
PORT="${PORT:-18711}"
data="$(mktemp -d)"
trap 'pkill -f -- "--listen 127.0.0.1:$PORT" || true; rm -rf "$data"' EXIT
paths=("$@")
((${#paths[@]})) || paths=(/tr/municipalities)

# A first plain start creates the database and loads the reference data (slow under valgrind).
"$LDP_BIN" serve --data-dir "$data" --listen "127.0.0.1:$PORT" >"$OUT_DIR/first.log" 2>&1 &
wait_ready() { for _ in $(seq 1 180); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && return 0; sleep 1; done; die "ldp did not start on port $PORT"; }
wait_ready
pkill -f -- "--listen 127.0.0.1:$PORT"; sleep 1

for path in "${paths[@]}"; do
  name="cg$(echo "$path" | tr '/?=&' '____')"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT_DIR/$name.out" \
    "$LDP_BIN" serve --data-dir "$data" --listen "127.0.0.1:$PORT" >"$OUT_DIR/$name.log" 2>&1 &
  wait_ready
  callgrind_control -i on >/dev/null 2>&1
  curl -fs -o /dev/null "http://127.0.0.1:$PORT$path"; curl -fs -o /dev/null "http://127.0.0.1:$PORT$path"
  callgrind_control -z >/dev/null 2>&1
  requests=$(wrk -t1 -c1 -d"${SECONDS_PER_PATH}s" "http://127.0.0.1:$PORT$path" | awk '/requests in/ {print $1}')
  callgrind_control -d >/dev/null 2>&1
  sleep 2
  pkill -f -- "--listen 127.0.0.1:$PORT"; sleep 2
  total=$(callgrind_annotate "$OUT_DIR/$name.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  printf '%s\trequests %s\tinstructions per request %s\n' "$path" "$requests" "$((total / requests))"
done
log "profiles in $OUT_DIR"
