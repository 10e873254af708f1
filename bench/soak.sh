#!/usr/bin/env bash
# Soak: DURATION seconds (10 minutes by default) of steady mixed load on one ldp: public pages, the JSON API,
# sign-ins through the form and API writes, all at once. Reports per route the requests, req/s, p50, p99 and
# errors (any status but the expected one, and socket errors), and the server's RSS sampled every 10 s: at the
# start of the load, at its end, and the highest. Exits 1 when any request failed or the server died.
#
# Usage: bench/soak.sh
# Environment knobs (defaults in brackets):
#   DURATION [600]       seconds of load (every route runs for all of it, at the same time)
#   WRK_TIMEOUT [10]     wrk --timeout in seconds: a slower answer counts as an error
#   LDP_BIN [target/release/ldp]  binary under test; the default one is built with cargo when missing
#   PORT [18090]         127.0.0.1 port for ldp
#   START_TIMEOUT [180]  seconds to wait for the first page
#   OUT_DIR [bench/out]  where soak.md, soak-rss.tsv and the raw wrk outputs go
# Each route is one wrk process (-t1) with a fixed number of connections (ROUTES below), so the mix stays
# the same for the whole run and each route has its own latency distribution. All traffic goes to 127.0.0.1.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
    -h | --help)
        sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    "") ;;
    *)
        echo "soak.sh: unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
esac

DURATION="${DURATION:-600}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10}"
PORT="${PORT:-18090}"
START_TIMEOUT="${START_TIMEOUT:-180}"
OUT_DIR="${OUT_DIR:-$REPO_ROOT/bench/out}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"
HOST=127.0.0.1
check_positive_ints soak.sh DURATION WRK_TIMEOUT PORT START_TIMEOUT

# "name|connections|expected status|kind|path": kind is get, sign-in or write.
ROUTES=(
    "home|2|200|get|/tr/"
    "municipalities|2|200|get|/tr/municipalities?province=16"
    "partnerships|2|200|get|/tr/partnerships"
    "partnership|1|200|get|/tr/partnerships/1"
    "map|1|200|get|/tr/map"
    "api-partnerships|2|200|get|/api/v1/partnerships"
    "sign-in|1|303|sign-in|/tr/sign-in"
    "api-write|1|201|write|/api/v1/municipalities/bursa-nilufer/representatives"
)
PW="soak-Parola-2026"
ADMIN=admin@example.org

SAMPLER_PID=""
WRK_PIDS=()
stop_others() {
    local p
    for p in "${WRK_PIDS[@]}"; do stop_pid "$p"; done
    WRK_PIDS=()
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=""
}
keep_failed_logs() { keep_log_tails failed-soak- "log tails" "$TMP"/*.log; }
trap_cleanup

need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
install_pkgs "${need_pkgs[@]}"
resolve_ldp_bin
lock_port
mkdir -p "$OUT_DIR"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-soak.XXXXXX")"
DATA="$TMP/data"
BASE="http://$HOST:$PORT"

log "starting $LDP_BIN on $BASE (fresh data folder)"
serve_ldp "$TMP/serve.log" "ldp did not start" "$DATA" env -u LDP_CONFIG -u LDP_DATABASE_URL
printf '%s\n' "$PW" | ldp user add --data-dir "$DATA" --email "$ADMIN" --role admin --password-stdin >/dev/null
TOKEN="$(ldp token create "soak writes" --user "$ADMIN" --data-dir "$DATA" | tail -n 1)"

# The sign-in form's CSRF cookie and field (double submit: the same value in both).
curl -s -D "$TMP/csrf-headers.txt" -o "$TMP/csrf-body.html" "$BASE/tr/sign-in"
CSRF="$(tr -d '\r' <"$TMP/csrf-headers.txt" | sed -nE 's/^[Ss]et-[Cc]ookie: ldp_csrf=([0-9a-f]{64});.*/\1/p' | tail -n 1)"
[[ -n "$CSRF" ]] || die "GET /tr/sign-in set no ldp_csrf cookie"

# lua FILE KIND EXPECTED: the wrk script of one route; it counts every status but EXPECTED.
lua() {
    local file="$1" kind="$2" expected="$3"
    {
        case "$kind" in
            sign-in)
                echo 'wrk.method = "POST"'
                printf 'wrk.body = "csrf=%s&email=admin%%40example.org&password=%s"\n' "$CSRF" "$PW"
                echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
                printf 'wrk.headers["Cookie"] = "ldp_csrf=%s"\n' "$CSRF"
                ;;
            write)
                printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$TOKEN"
                echo 'wrk.headers["Content-Type"] = "application/json"'
                echo 'local n = 0'
                echo 'function request() n = n + 1; return wrk.format("POST", nil, nil, string.format("{\"name\":\"Soak %d\"}", n)) end'
                ;;
        esac
        printf 'local expected = %d\n' "$expected"
        cat <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0; first = "" end
function response(status, headers, body)
    if status ~= expected then
        unexpected = unexpected + 1
        if first == "" then first = tostring(status) end
    end
end
function done(summary, latency, requests)
    local n, f = 0, ""
    for _, t in ipairs(threads) do
        n = n + t:get("unexpected")
        if f == "" then f = t:get("first") end
    end
    if f == "" then f = "-" end
    io.write(string.format("Unexpected status: %d (first: %s)\n", n, f))
end
LUA
    } >"$file"
}

pct() {
    awk -v p="$2" '
        $1 == p { n = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u)
                  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
                  printf "%.2f\n", n; found = 1 }
        END { if (!found) print 0 }' "$1"
}

# RSS every 10 s (seconds since the load started, KiB).
RSS_FILE="$OUT_DIR/soak-rss.tsv"
printf 'seconds\trss_kib\n' >"$RSS_FILE"
RSS_IDLE="$(rss_kib "$LDP_PID")"
note_load_before
log "load for $DURATION s: ${#ROUTES[@]} routes at once; RSS before the load $(kib_to_mib "$RSS_IDLE") MiB"
T0=$SECONDS
for entry in "${ROUTES[@]}"; do
    IFS='|' read -r name conns expected kind path <<<"$entry"
    lua "$TMP/$name.lua" "$kind" "$expected"
    wrk -t1 -c"$conns" -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency -s "$TMP/$name.lua" "$BASE$path" \
        >"$OUT_DIR/soak-wrk-$name.txt" 2>&1 &
    WRK_PIDS+=($!)
done
(
    while kill -0 "$LDP_PID" 2>/dev/null; do
        printf '%d\t%d\n' $((SECONDS - T0)) "$(rss_kib "$LDP_PID")" >>"$RSS_FILE"
        sleep 10
    done
) &
SAMPLER_PID=$!
failed=0
for p in "${WRK_PIDS[@]}"; do wait "$p" || failed=1; done
WRK_PIDS=()
ELAPSED=$((SECONDS - T0))
check_alive "$LDP_PID" ldp "$TMP/serve.log"
RSS_END="$(rss_kib "$LDP_PID")"
stop_pid "$SAMPLER_PID"
SAMPLER_PID=""
note_run_info

# RSS at the first sample under load, and the highest.
RSS_START="$(awk -F'\t' 'NR == 3 {print $2}' "$RSS_FILE")"
RSS_START="${RSS_START:-$RSS_IDLE}"
RSS_MAX="$(awk -F'\t' 'NR > 1 && $2 > m {m = $2} END {print m + 0}' "$RSS_FILE")"

total_errors=0
REPORT="$OUT_DIR/soak.md"
{
    echo "Soak of $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT, $(nproc) CPUs ($CPU); load average" \
        "$LOAD_BEFORE before, $LOAD_AFTER after; $ELAPSED s of load, all routes at once (wrk -t1 each)."
    echo
    row route connections requests req/s "p50 ms" "p99 ms" errors
    row --- ---: ---: ---: ---: ---: ---:
    for entry in "${ROUTES[@]}"; do
        IFS='|' read -r name conns expected kind path <<<"$entry"
        out="$OUT_DIR/soak-wrk-$name.txt"
        read -r rps p99 errs completed timeouts < <(parse_wrk "$out")
        unexpected="$(awk '/^Unexpected status:/ {print $3}' "$out")"
        unexpected="${unexpected:-missing}"
        if [[ "$unexpected" == missing ]]; then
            errors="no status count"
            total_errors=$((total_errors + 1))
        else
            # wrk's own count (>= 400 and socket errors) and the script's (any other status) overlap on
            # statuses >= 400: take the socket errors from wrk and every status error from the script.
            non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out" | tail -n 1)"
            sock=$((errs - ${non2xx:-0}))
            errors=$((sock + unexpected))
            total_errors=$((total_errors + errors))
        fi
        ((completed > 0)) || { errors="none completed"; total_errors=$((total_errors + 1)); }
        row "\`$kind $path\`" "$conns" "$(thousands "$completed")" "$(int "$rps")" "$(pct "$out" 50%)" "$p99" "$errors"
    done
    echo
} >"$REPORT"
RSS_MAX=$((RSS_END > RSS_MAX ? RSS_END : RSS_MAX))
echo "RSS: $(kib_to_mib "$RSS_IDLE") MiB before the load, $(kib_to_mib "$RSS_START") MiB 10 s into it," \
    "$(kib_to_mib "$RSS_END") MiB at the end, $(kib_to_mib "$RSS_MAX") MiB at most (every 10 s in soak-rss.tsv)." >>"$REPORT"
echo "Errors in all: $total_errors." >>"$REPORT"
cat "$REPORT"
((failed == 0)) || die "a wrk process failed (raw outputs in $OUT_DIR/soak-wrk-*.txt)"
((total_errors == 0)) || die "$total_errors failed requests"
log "soak passed: no errors"
