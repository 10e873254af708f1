#!/usr/bin/env bash
# Benchmark of accounts, the workspace and the audit trail: `ldp user add` (argon2id), sign-in throughput and
# memory, signed-in workspace pages, and the audit log at SCALE times the real relation count.
#
# Usage: bench/accounts.sh [--errors-only]
#   --errors-only  exit non-zero if any wrk run saw errors or an unexpected status (speed is not judged)
# Environment knobs (defaults in brackets):
#   DURATION [10]        seconds of each measured wrk run
#   WARMUP [2]           seconds of the wrk warm-up run before each measured run
#   CONNECTIONS [16]     wrk connections (one wrk thread)
#   WRK_TIMEOUT [30]     wrk --timeout in seconds (wrk's own default, 2, drops every slower response)
#   SCALE [100]          synthetic relations imported for the large run, as a multiple of the real count
#   QUICK [0]            1 = short run: DURATION=2, WARMUP=1 and SCALE=10 unless set explicitly
#   LDP_BIN [target/release/ldp]  binary under test; the default one is built with cargo when missing
#   PORT [18080]         127.0.0.1 port for ldp (the lock is shared with bench/run.sh on the same port)
#   START_TIMEOUT [180]  seconds to wait for a first page before giving up
#   IMPORT_TIMEOUT [900] seconds one `ldp import` may take before the run fails
#   OUT_DIR [bench/out]  where accounts.md and the raw outputs go
# All traffic goes to 127.0.0.1 only. Everything started here is stopped, and temp folders removed, on exit.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ERRORS_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --errors-only) ERRORS_ONLY=1 ;;
        -h | --help)
            sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "accounts.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

common_knobs
if [[ "$QUICK" == 1 ]]; then
    SCALE="${SCALE:-10}"
else
    SCALE="${SCALE:-100}"
fi
WRK_TIMEOUT="${WRK_TIMEOUT:-30}"
IMPORT_TIMEOUT="${IMPORT_TIMEOUT:-900}"
PAIRS_GZ="$REPO_ROOT/bench/data/twin_cities.csv.gz"

check_positive_ints accounts.sh DURATION WARMUP CONNECTIONS WRK_TIMEOUT SCALE PORT START_TIMEOUT IMPORT_TIMEOUT

# The password of every bench user: URL-safe, so that it goes into the form body as it is.
PW="bench-Parola-2026"
ADMIN=admin@example.org
AUDITOR=auditor@example.org
REP=rep@example.org
REP_MUNICIPALITY=bursa-nilufer
USER_ADD_RUNS=5
# The imports before the audit trail existed: README.md, run of 2026-11-28 14:05 UTC (commit 9910a3d) of
# bench/partnerships.sh on the project's machine: the synthetic 100x pairs, and the real list into a fresh data
# dir after `ldp import reference` (which creates no relation, so writes no audit row now either).
BEFORE_ROWS=31800 BEFORE_WALL=13.47 BEFORE_RPS=2361 BEFORE_CPU=11.93 BEFORE_RSS=96.6
BEFORE_REAL_WALL=0.75 BEFORE_REAL_RPS=34556 BEFORE_REAL_CPU=0.88 BEFORE_REAL_RSS=102.3

# The wrk runs on signed-in pages, at both data sizes: "name|viewer|path".
PAGES=(
    "dashboard-admin|admin|/tr/workspace"
    "dashboard-rep|rep|/tr/workspace"
    "municipality-rep|rep|/tr/workspace/municipalities/$REP_MUNICIPALITY"
    "audit-auditor|auditor|/tr/workspace/audit"
    "audit-system-auditor|auditor|/tr/workspace/audit?actor=system"
)

# ---------------------------------------------------------------------------------------------- cleanup
SAMPLER_PID=""
stop_others() {
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=""
}
keep_failed_logs() { keep_log_tails failed-accounts- "log tails" "$TMP"/*.log; }
trap_cleanup

# ---------------------------------------------------------------------------------------------- tools
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
install_pkgs "${need_pkgs[@]}"
[[ -f "$PAIRS_GZ" ]] || die "missing $PAIRS_GZ"

# ---------------------------------------------------------------------------------------------- binary
resolve_ldp_bin

# ---------------------------------------------------------------------------------------------- helpers
BASE="http://$HOST:$PORT"


start_ldp() {
    serve_ldp "$TMP/serve-$1.log" "ldp start ($1) failed" "$DATA" env -u LDP_CONFIG -u LDP_DATABASE_URL
}


# Median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# Percent-encodes one form value.
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# sql QUERY: runs one query on the (stopped) server's SQLite database, read-only; prints the first row.
sql() {
    python3 - "$DATA/ldp.sqlite3" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(" ".join(str(v) for v in con.execute(sys.argv[2]).fetchone()))
PY
}

# proc_status PID FIELD: a field of /proc/PID/status (VmHWM in KiB, Threads), 0 when gone.
proc_status() { awk -v k="$2:" '$1 == k {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Samples the VmRSS of PID every 0.2 s into $TMP/rss-peak (the highest value seen) until stop_sampler.
start_sampler() {
    local pid="$1"
    echo 0 >"$TMP/rss-peak"
    (
        max=0
        while kill -0 "$pid" 2>/dev/null; do
            r="$(rss_kib "$pid")"
            if ((r > max)); then
                max="$r"
                echo "$max" >"$TMP/rss-peak.new" && mv -f "$TMP/rss-peak.new" "$TMP/rss-peak"
            fi
            sleep 0.2
        done
    ) &
    SAMPLER_PID=$!
}
# Stops the sampler; sets SAMPLER_PEAK to the peak it saw (KiB).
stop_sampler() {
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=""
    SAMPLER_PEAK="$(cat "$TMP/rss-peak")"
}

# fail_exchange WHAT REQUEST HEADERS_FILE BODY_FILE: the product answered something it should not: logs the
# exact request and response, keeps them in OUT_DIR, and fails the run.
fail_exchange() {
    local what="$1" request="$2" headers="$3" body="$4" keep="$OUT_DIR/failed-accounts-exchange.txt"
    {
        echo "request:"
        echo "$request"
        echo
        echo "response headers:"
        tr -d '\r' <"$headers" 2>/dev/null || true
        echo "response body (first 60 lines):"
        head -n 60 "$body" 2>/dev/null || true
    } >"$keep"
    cat "$keep" >&2
    die "$what (request and response above, kept in $keep)"
}

# ---------------------------------------------------------------------------------------------- sign-in
CSRF="" CSRF_COOKIE=""

# GET /tr/sign-in: the ldp_csrf cookie it sets and the hidden csrf field of its form (they must agree).
fetch_csrf() {
    local h="$TMP/csrf-headers.txt" b="$TMP/csrf-body.html" code
    code="$(curl -s --max-time 30 -D "$h" -o "$b" -w '%{http_code}' "$BASE/tr/sign-in")" || die "GET /tr/sign-in failed"
    [[ "$code" == 200 ]] || fail_exchange "GET /tr/sign-in answered $code" "GET $BASE/tr/sign-in" "$h" "$b"
    CSRF_COOKIE="$(tr -d '\r' <"$h" | sed -nE 's/^[Ss]et-[Cc]ookie: ldp_csrf=([0-9a-f]{64});.*/\1/p' | tail -n 1)"
    CSRF="$(grep -oE 'name="csrf" value="[0-9a-f]{64}"' "$b" | head -n 1 | sed -E 's/.*value="([0-9a-f]+)"/\1/')" || true
    [[ -n "$CSRF_COOKIE" && -n "$CSRF" ]] ||
        fail_exchange "GET /tr/sign-in: no ldp_csrf cookie or no csrf field" "GET $BASE/tr/sign-in" "$h" "$b"
    [[ "$CSRF" == "$CSRF_COOKIE" ]] ||
        fail_exchange "GET /tr/sign-in: the csrf field differs from the ldp_csrf cookie" "GET $BASE/tr/sign-in" "$h" "$b"
}

signin_body() { echo "csrf=$CSRF&email=$(urlenc "$1")&password=$(urlenc "$PW")"; }

# sign_in EMAIL: one sign-in with curl, which must answer 303 to /tr/workspace with an ldp_session cookie.
# Sets SESSION (the cookie value) and SIGNIN_S (seconds the request took).
sign_in() {
    local email="$1" h="$TMP/signin-headers.txt" b="$TMP/signin-body.html" body out code location
    body="$(signin_body "$email")"
    local request="POST $BASE/tr/sign-in
Cookie: ldp_csrf=$CSRF_COOKIE
Content-Type: application/x-www-form-urlencoded

$body"
    out="$(curl -s --max-time 60 -D "$h" -o "$b" -w '%{http_code} %{time_total}' -H "Cookie: ldp_csrf=$CSRF_COOKIE" \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$BASE/tr/sign-in")" ||
        die "POST /tr/sign-in as $email failed (no answer)"
    code="${out%% *}" SIGNIN_S="${out#* }"
    [[ "$code" == 303 ]] || fail_exchange "sign-in as $email answered $code, not 303" "$request" "$h" "$b"
    location="$(tr -d '\r' <"$h" | sed -nE 's/^[Ll]ocation: //p' | tail -n 1)"
    SESSION="$(tr -d '\r' <"$h" | sed -nE 's/^[Ss]et-[Cc]ookie: ldp_session=([0-9a-f]{64});.*/\1/p' | tail -n 1)"
    [[ -n "$SESSION" ]] || fail_exchange "sign-in as $email: 303 without an ldp_session cookie" "$request" "$h" "$b"
    [[ "$location" == /tr/workspace ]] ||
        log "warning: sign-in as $email redirects to '$location', not /tr/workspace"
}

# ---------------------------------------------------------------------------------------------- wrk
# lua_script FILE EXPECTED_STATUS COOKIE [BODY]: a wrk script sending COOKIE (and BODY as a form POST) that
# counts the responses whose status is not EXPECTED_STATUS and prints "Unexpected status: N (first: S)".
lua_script() {
    local file="$1" expected="$2" cookie="$3" body="${4:-}"
    {
        if [[ -n "$body" ]]; then
            echo 'wrk.method = "POST"'
            printf 'wrk.body = "%s"\n' "$body"
            echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
        fi
        printf 'wrk.headers["Cookie"] = "%s"\n' "$cookie"
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

# A latency percentile (e.g. 50%) of a wrk --latency output, in ms.
wrk_pct() {
    awk -v p="$2" '
        $1 == p { n = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u)
                  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
                  printf "%.2f\n", n; found = 1 }
        END { if (!found) print 0 }' "$1"
}

# run_wrk NAME URL SECONDS LUA: raw output in OUT_DIR/accounts-wrk-NAME.txt; sets WRK_RPS, WRK_P50, WRK_P99,
# WRK_DONE, WRK_TIMEOUTS, WRK_UNEXPECTED. Errors and unexpected statuses are counted and logged.
run_wrk() {
    local name="$1" url="$2" secs="$3" lua="$4" out="$OUT_DIR/accounts-wrk-$1.txt" rps p99 errs completed timeouts
    local unexpected first non2xx
    timeout $((secs + WRK_TIMEOUT + 30)) wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" --latency \
        -s "$lua" "$url" >"$out" 2>&1 ||
        die "wrk against $url failed: $(tail -n 3 "$out")"
    read -r rps p99 errs completed timeouts < <(parse_wrk "$out")
    unexpected="$(awk '/^Unexpected status:/ {print $3}' "$out")"
    first="$(sed -nE 's/^Unexpected status: [0-9]+ \(first: (.*)\)$/\1/p' "$out")"
    [[ -n "$unexpected" ]] || die "wrk $name: the Lua script reported no status count: $(tail -n 3 "$out")"
    if ((completed == 0)); then
        ERROR_LINES+=("$name ($url): no request completed within ${secs}s")
        log "wrk $name: no request completed within ${secs}s"
    fi
    count_wrk_errors "$name" "$url" "$out" "$errs"
    # wrk counts only statuses >= 400; the script counts every status but the expected one (e.g. a 303 to the
    # sign-in form when a session is not accepted). Those wrk did not count are added here.
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    non2xx="${non2xx:-0}"
    if ((unexpected > non2xx)); then
        ERRORS_TOTAL=$((ERRORS_TOTAL + unexpected - non2xx))
        ERROR_LINES+=("$name ($url): $unexpected responses with an unexpected status (first: $first)")
        log "wrk $name: $unexpected responses with an unexpected status (first: $first)"
    fi
    WRK_RPS="$rps" WRK_P99="$p99" WRK_DONE="$completed" WRK_TIMEOUTS="$timeouts" WRK_UNEXPECTED="$unexpected"
    WRK_P50="$(wrk_pct "$out" 50%)"
}

# ---------------------------------------------------------------------------------------------- imports
declare -A IMP_ROWS IMP_WALL IMP_CPU IMP_RSS IMP_CREATED IMP_PRESENT IMP_AUDIT
IMPORTS=()

audit_count() { sql "SELECT COUNT(*) FROM audit_log"; }

# timed_import KEY FILE: `ldp import partnerships` into DATA under GNU time; fills the IMP_* arrays, with the
# audit rows the import wrote (the server is stopped meanwhile).
timed_import() {
    local key="$1" file="$2" t0 summary stats audit0
    local tfile="$TMP/time-import-$key.txt" out="$TMP/import-$key.out" err="$TMP/import-$key.log"
    audit0="$(audit_count)"
    log "import $key: $(basename "$file")"
    t0="$(now_ns)"
    # timeout signals its whole process group, so GNU time and ldp both go when the limit is hit.
    timeout "$IMPORT_TIMEOUT" /usr/bin/time -v -o "$tfile" \
        env -u LDP_CONFIG -u LDP_DATABASE_URL "$LDP_BIN" import partnerships --data-dir "$DATA" "$file" \
        --report "$TMP/report-$key.csv" >"$out" 2>"$err" ||
        {
            tail -n 20 "$err" >&2 || true
            die "import $key failed or took more than ${IMPORT_TIMEOUT}s"
        }
    IMP_WALL["$key"]="$(secs_since "$t0")"
    cp "$out" "$OUT_DIR/accounts-import-$key.txt"
    summary="$(grep -E '^[0-9]+ rows: ' "$out" | tail -n 1)" || die "import $key printed no summary line: $(cat "$out")"
    stats="$(sed -nE 's/^([0-9]+) rows: ([0-9]+) partnerships created, ([0-9]+) already present.*/\1 \2 \3/p' <<<"$summary")"
    [[ -n "$stats" ]] || die "import $key: unexpected summary line: $summary"
    read -r "IMP_ROWS[$key]" "IMP_CREATED[$key]" "IMP_PRESENT[$key]" <<<"$stats"
    IMP_RSS["$key"]="$(awk -F': *' '/Maximum resident set size/ {print $2}' "$tfile")"
    IMP_CPU["$key"]="$(awk -F': *' '/User time \(seconds\)/ {u = $2} /System time \(seconds\)/ {s = $2} END {printf "%.2f", u + s}' "$tfile")"
    IMP_AUDIT["$key"]=$(($(audit_count) - audit0))
    IMPORTS+=("$key")
    log "import $key: $summary"
    log "import $key: ${IMP_WALL[$key]} s wall, ${IMP_CPU[$key]} s CPU, peak RSS $(kib_to_mib "${IMP_RSS[$key]}") MiB, ${IMP_AUDIT[$key]} audit rows"
    if ((IMP_AUDIT[$key] != IMP_CREATED[$key])); then
        log "warning: import $key created ${IMP_CREATED[$key]} relations but wrote ${IMP_AUDIT[$key]} audit rows"
    fi
}

# ---------------------------------------------------------------------------------------------- users
declare -A CLI_MS CLI_RSS

# timed_cli KEY CMD...: runs `ldp CMD...` with the password on stdin under GNU time; appends its wall time (ms)
# and peak RSS (KiB) to CLI_MS[KEY] and CLI_RSS[KEY].
timed_cli() {
    local key="$1" t0 tfile="$TMP/time-cli.txt" out="$TMP/cli.log"
    shift
    t0="$(now_ns)"
    printf '%s\n' "$PW" | (cd "$TMP" && exec /usr/bin/time -v -o "$tfile" env -u LDP_CONFIG -u LDP_DATABASE_URL \
        "$LDP_BIN" "$@" --data-dir "$DATA") >"$out" 2>&1 || {
        tail -n 20 "$out" >&2
        die "ldp $* failed"
    }
    CLI_MS["$key"]+="$((($(now_ns) - t0) / 1000000)) "
    CLI_RSS["$key"]+="$(awk -F': *' '/Maximum resident set size/ {print $2}' "$tfile") "
}

# ---------------------------------------------------------------------------------------------- pages
declare -A SESSIONS BYTES SINGLE RPS P50 P99 COMPLETED TIMEOUTS START RSS_START RSS_LOAD RELATIONS AUDIT_ROWS
declare -A CSV_BYTES CSV_ROWS CSV_S CSV_TTFB CSV_RSS_BEFORE CSV_RSS_PEAK

# get_page VIEWER PATH OUTFILE: one GET with the viewer's session; must answer 200. Prints seconds taken.
get_page() {
    local viewer="$1" path="$2" file="$3" h="$TMP/page-headers.txt" out code
    out="$(curl -s --max-time 120 -D "$h" -o "$file" -w '%{http_code} %{time_total}' \
        -H "Cookie: ldp_session=${SESSIONS[$viewer]}" "$BASE$path")" || die "GET $path as $viewer: no answer"
    code="${out%% *}"
    [[ "$code" == 200 ]] || fail_exchange "GET $path as $viewer answered $code, not 200" \
        "GET $BASE$path
Cookie: ldp_session=${SESSIONS[$viewer]}" "$h" "$file"
    echo "${out#* }"
}

# measure_pages SIZE: each page of PAGES: body size, median of 5 requests alone, then wrk.
measure_pages() {
    local size="$1" entry name viewer path i times t lua
    for entry in "${PAGES[@]}"; do
        IFS='|' read -r name viewer path <<<"$entry"
        get_page "$viewer" "$path" "$TMP/page" >/dev/null
        BYTES["$size $name"]="$(stat -c %s "$TMP/page")"
        times=()
        for ((i = 0; i < 5; i++)); do
            t="$(get_page "$viewer" "$path" "$TMP/page")"
            times+=("$t")
        done
        SINGLE["$size $name"]="$(awk -v s="$(median "${times[@]}")" 'BEGIN { printf "%.1f", s * 1000 }')"
        log "$size $path as $viewer: ${BYTES[$size $name]} B, one request alone ${SINGLE[$size $name]} ms"
    done
    for entry in "${PAGES[@]}"; do
        IFS='|' read -r name viewer path <<<"$entry"
        lua="$TMP/page-$viewer.lua"
        lua_script "$lua" 200 "ldp_session=${SESSIONS[$viewer]}"
        log "$size $path as $viewer: warm-up ${WARMUP}s"
        run_wrk "$size-$name-warmup" "$BASE$path" "$WARMUP" "$lua"
        check_alive "$LDP_PID" ldp "$TMP/serve-$size.log"
        wait_idle "$LDP_PID"
        log "$size $path as $viewer: wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency"
        run_wrk "$size-$name" "$BASE$path" "$DURATION" "$lua"
        check_alive "$LDP_PID" ldp "$TMP/serve-$size.log"
        wait_idle "$LDP_PID"
        RPS["$size $name"]="$WRK_RPS" P50["$size $name"]="$WRK_P50" P99["$size $name"]="$WRK_P99"
        COMPLETED["$size $name"]="$WRK_DONE" TIMEOUTS["$size $name"]="$WRK_TIMEOUTS"
        log "$size $path as $viewer: $WRK_RPS req/s, p50 $WRK_P50 ms, p99 $WRK_P99 ms, $WRK_DONE requests"
    done
}

# csv_download SIZE: one full download of /tr/workspace/audit.csv as the auditor, with the server's RSS.
csv_download() {
    local size="$1" h="$TMP/csv-headers.txt" f="$TMP/audit.csv" out code
    CSV_RSS_BEFORE["$size"]="$(rss_kib "$LDP_PID")"
    start_sampler "$LDP_PID"
    out="$(curl -s --max-time 300 -D "$h" -o "$f" -w '%{http_code} %{time_total} %{time_starttransfer} %{size_download}' \
        -H "Cookie: ldp_session=${SESSIONS[auditor]}" "$BASE/tr/workspace/audit.csv")" ||
        die "GET /tr/workspace/audit.csv: no answer within 300 s"
    sleep 0.3
    stop_sampler
    CSV_RSS_PEAK["$size"]="$SAMPLER_PEAK"
    read -r code "CSV_S[$size]" "CSV_TTFB[$size]" "CSV_BYTES[$size]" <<<"$out"
    CSV_S["$size"]="$(awk -v s="${CSV_S[$size]}" 'BEGIN { printf "%.3f", s }')"
    CSV_TTFB["$size"]="$(awk -v s="${CSV_TTFB[$size]}" 'BEGIN { printf "%.3f", s }')"
    [[ "$code" == 200 ]] || fail_exchange "GET /tr/workspace/audit.csv as auditor answered $code" \
        "GET $BASE/tr/workspace/audit.csv
Cookie: ldp_session=${SESSIONS[auditor]}" "$h" "$f"
    CSV_ROWS["$size"]="$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))) - 1)' "$f")"
    log "$size audit.csv: ${CSV_ROWS[$size]} rows, ${CSV_BYTES[$size]} B in ${CSV_S[$size]} s (first byte after ${CSV_TTFB[$size]} s)"
    rm -f -- "$f"
}

# serve_size SIZE: starts ldp on DATA, notes its start, RSS and the relation count; signs the viewers in if
# they have no session yet.
serve_size() {
    local size="$1" body
    start_ldp "$size"
    START["$size"]="$START_MS"
    RSS_START["$size"]="$(rss_kib "$LDP_PID")"
    body="$(curl -s --max-time 30 "$BASE/api/v1/partnerships?per_page=1")" || die "GET /api/v1/partnerships?per_page=1 failed"
    RELATIONS["$size"]="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])' <<<"$body")" ||
        die "no total in /api/v1/partnerships?per_page=1: ${body:0:200}"
    log "$size: ldp answered after $START_MS ms; $(thousands "${RELATIONS[$size]}") relations, $(thousands "${AUDIT_ROWS[$size]}") audit rows"
}

# ---------------------------------------------------------------------------------------------- run
mkdir -p "$OUT_DIR"
# Two runs on one port would answer each other's requests: one run per port at a time (bench/run.sh too).
lock_port
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-bench-accounts.XXXXXX")"
DATA="$TMP/data"

note_load_before
log "binary: $LDP_BIN"
log "ldp on $HOST:$PORT; wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per run; large size ${SCALE}x"

# 1. A fresh data dir like bench/partnerships.sh's real-size one: reference data with the seeded relations,
#    then the full real list (which creates nothing: the seed holds its Türkiye rows).
t0="$(now_ns)"
ldp import reference --data-dir "$DATA" >"$TMP/reference.log" 2>&1 || {
    tail -n 20 "$TMP/reference.log" >&2
    die "ldp import reference failed"
}
REFERENCE_S="$(secs_since "$t0")"
log "ldp import reference: ${REFERENCE_S} s"
gzip -dc "$PAIRS_GZ" >"$TMP/twin_cities.csv"
timed_import real "$TMP/twin_cities.csv"
rm -f -- "$TMP/twin_cities.csv"

# 2. Users from the command line: the timed ones first (staff, so that they do not change what the measured
#    viewers see), with `ldp user list` as the same start-up without a password hash; then the three viewers.
for ((i = 1; i <= USER_ADD_RUNS; i++)); do
    timed_cli add user add --email "bench-$i@example.org" --role staff --password-stdin
    timed_cli list user list
done
# shellcheck disable=SC2086 # the lists are space-separated numbers
{
    ADD_MS="$(median ${CLI_MS[add]})" LIST_MS="$(median ${CLI_MS[list]})"
    ADD_MIN="$(printf '%s\n' ${CLI_MS[add]} | sort -g | head -n 1)" ADD_MAX="$(printf '%s\n' ${CLI_MS[add]} | sort -g | tail -n 1)"
    ADD_RSS="$(printf '%s\n' ${CLI_RSS[add]} | sort -g | tail -n 1)" LIST_RSS="$(printf '%s\n' ${CLI_RSS[list]} | sort -g | tail -n 1)"
}
log "ldp user add: median ${ADD_MS} ms (${ADD_MIN}-${ADD_MAX}), peak RSS $(kib_to_mib "$ADD_RSS") MiB; ldp user list: median ${LIST_MS} ms"
timed_cli admin user add --email "$ADMIN" --role admin --password-stdin
timed_cli auditor user add --email "$AUDITOR" --role auditor --password-stdin
timed_cli rep user add --email "$REP" --role representative --municipality "$REP_MUNICIPALITY" --password-stdin
AUDIT_ROWS[real]="$(audit_count)"

# 3. Sign-in: one form's CSRF token and cookie, a session per viewer, five sign-ins alone, then wrk.
serve_size real
fetch_csrf
for viewer in admin auditor rep; do
    case "$viewer" in
        admin) sign_in "$ADMIN" ;;
        auditor) sign_in "$AUDITOR" ;;
        rep) sign_in "$REP" ;;
    esac
    SESSIONS["$viewer"]="$SESSION"
done
times=()
for ((i = 0; i < 5; i++)); do
    sign_in "$ADMIN"
    times+=("$SIGNIN_S")
done
SIGNIN_ALONE="$(awk -v s="$(median "${times[@]}")" 'BEGIN { printf "%.1f", s * 1000 }')"
SIGNIN_RSS_ALONE="$(rss_kib "$LDP_PID")"
log "sign-in alone: ${SIGNIN_ALONE} ms (median of 5); ldp RSS after the 8 sign-ins so far $(kib_to_mib "$SIGNIN_RSS_ALONE") MiB"
lua_script "$TMP/sign-in.lua" 303 "ldp_csrf=$CSRF_COOKIE" "$(signin_body "$ADMIN")"
# The peak covers the warm-up and the measured run. VmHWM (peak RSS) is reset to the current RSS first where
# the kernel allows it.
if { echo 5 >"/proc/$LDP_PID/clear_refs"; } 2>/dev/null; then HWM_NOTE="since just before the warm-up"; else HWM_NOTE="since the start"; fi
start_sampler "$LDP_PID"
log "sign-in: warm-up ${WARMUP}s"
run_wrk sign-in-warmup "$BASE/tr/sign-in" "$WARMUP" "$TMP/sign-in.lua"
check_alive "$LDP_PID" ldp "$TMP/serve-real.log"
wait_idle "$LDP_PID"
SIGNIN_RSS_BEFORE="$(rss_kib "$LDP_PID")"
log "sign-in: wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency (POST, expecting 303)"
run_wrk sign-in "$BASE/tr/sign-in" "$DURATION" "$TMP/sign-in.lua"
check_alive "$LDP_PID" ldp "$TMP/serve-real.log"
wait_idle "$LDP_PID"
stop_sampler
SIGNIN_RSS_PEAK="$SAMPLER_PEAK"
SIGNIN_HWM="$(proc_status "$LDP_PID" VmHWM)"
SIGNIN_RSS_AFTER="$(rss_kib "$LDP_PID")"
SIGNIN_THREADS="$(proc_status "$LDP_PID" Threads)"
SIGNIN_RPS="$WRK_RPS" SIGNIN_P50="$WRK_P50" SIGNIN_P99="$WRK_P99" SIGNIN_DONE="$WRK_DONE"
SIGNIN_UNEXPECTED="$WRK_UNEXPECTED" SIGNIN_TIMEOUTS="$WRK_TIMEOUTS"
log "sign-in: $SIGNIN_RPS req/s, p50 $SIGNIN_P50 ms, p99 $SIGNIN_P99 ms, $SIGNIN_DONE requests ($SIGNIN_UNEXPECTED not 303);" \
    "RSS $(kib_to_mib "$SIGNIN_RSS_BEFORE") MiB before the run, peak $(kib_to_mib "$SIGNIN_RSS_PEAK") (VmHWM $(kib_to_mib "$SIGNIN_HWM")), $(kib_to_mib "$SIGNIN_RSS_AFTER") after"

# 4. Signed-in pages at the real size, and the CSV export.
measure_pages real
csv_download real
RSS_LOAD[real]="$(rss_kib "$LDP_PID")"
stop_ldp
SESSION_ROWS="$(sql "SELECT COUNT(*) FROM user_session")"

# 5. SCALE x the real relation count as synthetic pairs (bench/synthetic_pairs.py, as bench/partnerships.sh
#    does), each created relation writing an audit row; then the same pages and the export again.
SYNTH_N=$((RELATIONS[real] * SCALE))
python3 "$REPO_ROOT/bench/synthetic_pairs.py" -n "$SYNTH_N" -o "$TMP/synthetic.csv" 2>"$TMP/synthetic.log" || {
    cat "$TMP/synthetic.log" >&2
    die "bench/synthetic_pairs.py failed"
}
log "$(cat "$TMP/synthetic.log")"
timed_import synthetic "$TMP/synthetic.csv"
rm -f -- "$TMP/synthetic.csv"
AUDIT_ROWS[large]="$(audit_count)"
AUDIT_SYSTEM="$(sql "SELECT COUNT(*) FROM audit_log WHERE LOWER(actor) LIKE '%system%'")"
serve_size large
measure_pages large
csv_download large
RSS_LOAD[large]="$(rss_kib "$LDP_PID")"
stop_ldp

# ---------------------------------------------------------------------------------------------- report
note_run_info
# The binary is not rebuilt here: say when it predates the commit it is reported with.
BIN_TIME="$(stat -c %Y "$LDP_BIN")"
BIN_NOTE="built $(date -u -d "@$BIN_TIME" +%Y-%m-%dT%H:%M:%SZ)"
HEAD_TIME="$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 0)"
if ((HEAD_TIME > BIN_TIME)); then
    BIN_NOTE="$BIN_NOTE, BEFORE the commit above ($(date -u -d "@$HEAD_TIME" +%Y-%m-%dT%H:%M:%SZ)): it may not contain its changes"
    log "warning: $LDP_BIN is older than the HEAD commit; rebuild it to measure the current code"
fi

rps_cell() { if awk -v r="$1" 'BEGIN { exit !(r >= 100) }'; then thousands "$1"; else echo "$1"; fi; }
# p99 cell of a page run: wrk gives no latency when no request completed.
p99_cell() {
    local t="${TIMEOUTS[$1]}"
    if [[ "${COMPLETED[$1]}" == 0 ]]; then
        echo "none completed"
    elif ((t > 0)); then
        echo "${P99[$1]} (+$t over ${WRK_TIMEOUT} s)"
    else
        echo "${P99[$1]}"
    fi
}
size_label() { if [[ "$1" == real ]]; then echo "real"; else echo "${SCALE}x"; fi; }
rows_per_s() { thousands "$(awk -v r="$1" -v s="$2" 'BEGIN { print (s > 0 ? r / s : 0) }')"; }

report() {
    local size entry name viewer path k
    echo "# ldp benchmark: accounts, workspace and audit trail"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $COMMIT"
    echo "- binary: ${LDP_BIN#"$REPO_ROOT"/} ($BIN_NOTE)"
    echo "- machine: $(nproc) CPUs, $CPU; 1-minute load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
    echo "- load: wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency after a ${WARMUP}s warm-up, on 127.0.0.1; SQLite in a fresh temp data folder"
    echo
    echo "## Users from the command line"
    echo
    row measure value
    row --- ---:
    row "\`ldp user add --password-stdin\` wall (ms, median of $USER_ADD_RUNS; min-max)" "$ADD_MS ($ADD_MIN-$ADD_MAX)"
    row "\`ldp user list\` wall (ms, median of $USER_ADD_RUNS: the same start-up, no hash)" "$LIST_MS"
    row "difference: argon2id hash (19 MiB, 2 passes) + insert (ms)" "$((ADD_MS - LIST_MS))"
    row "peak RSS of \`user add\` / \`user list\` (MiB)" "$(kib_to_mib "$ADD_RSS") / $(kib_to_mib "$LIST_RSS")"
    echo
    echo "## Sign-in (\`POST /tr/sign-in\`, argon2id verify + session row, expecting 303)"
    echo
    row measure value
    row --- ---:
    row "one sign-in alone (ms, median of 5 sequential)" "$SIGNIN_ALONE"
    row "req/s" "$(rps_cell "$SIGNIN_RPS")"
    row "p50 (ms)" "$SIGNIN_P50"
    row "p99 (ms)" "$SIGNIN_P99$( ((SIGNIN_TIMEOUTS == 0)) || echo " (+$SIGNIN_TIMEOUTS over ${WRK_TIMEOUT} s)")"
    row "responses (measured run) / not 303" "$(thousands "$SIGNIN_DONE") / $SIGNIN_UNEXPECTED"
    row "ldp RSS after start (MiB)" "$(kib_to_mib "${RSS_START[real]}")"
    row "ldp RSS after 8 sequential sign-ins (3 viewers + 5 alone) (MiB)" "$(kib_to_mib "$SIGNIN_RSS_ALONE")"
    row "ldp RSS after the warm-up, before the measured run (MiB)" "$(kib_to_mib "$SIGNIN_RSS_BEFORE")"
    row "ldp peak RSS during warm-up + run, sampled every 0.2 s (MiB)" "$(kib_to_mib "$SIGNIN_RSS_PEAK")"
    row "ldp VmHWM after the run, $HWM_NOTE (MiB)" "$(kib_to_mib "$SIGNIN_HWM")"
    row "ldp RSS after the run (MiB)" "$(kib_to_mib "$SIGNIN_RSS_AFTER")"
    row "ldp threads after the run" "$SIGNIN_THREADS"
    row "session rows in the database after all sign-ins" "$(thousands "$SESSION_ROWS")"
    echo
    echo "## Import with the audit trail (\`ldp import partnerships\`)"
    echo
    row import rows "wall (s)" "rows/s" "CPU user+sys (s)" "peak RSS (MiB)" created "already present" "audit rows written"
    row --- ---: ---: ---: ---: ---: ---: ---: ---:
    for k in "${IMPORTS[@]}"; do
        case "$k" in
            real) name="real list (25,917 pairs) after \`ldp import reference\`" ;;
            synthetic) name="synthetic ${SCALE}x pairs into the real-size data dir" ;;
        esac
        row "$name" "$(thousands "${IMP_ROWS[$k]}")" "${IMP_WALL[$k]}" "$(rows_per_s "${IMP_ROWS[$k]}" "${IMP_WALL[$k]}")" \
            "${IMP_CPU[$k]}" "$(kib_to_mib "${IMP_RSS[$k]}")" "$(thousands "${IMP_CREATED[$k]}")" \
            "$(thousands "${IMP_PRESENT[$k]}")" "$(thousands "${IMP_AUDIT[$k]}")"
    done
    row "before the audit trail (README.md, commit 9910a3d): real list" 25,917 "$BEFORE_REAL_WALL" \
        "$(thousands "$BEFORE_REAL_RPS")" "$BEFORE_REAL_CPU" "$BEFORE_REAL_RSS" 0 330 "-"
    if ((IMP_ROWS[synthetic] == BEFORE_ROWS)); then
        row "before the audit trail (README.md, commit 9910a3d): synthetic 100x" "$(thousands "$BEFORE_ROWS")" "$BEFORE_WALL" \
            "$(thousands "$BEFORE_RPS")" "$BEFORE_CPU" "$BEFORE_RSS" 31,799 1 "-"
        echo
        echo "Now / before, wall (CPU): synthetic 100x $(ratio "${IMP_WALL[synthetic]}" "$BEFORE_WALL")" \
            "($(ratio "${IMP_CPU[synthetic]}" "$BEFORE_CPU")); real list, which creates no relation and writes no audit row," \
            "$(ratio "${IMP_WALL[real]}" "$BEFORE_REAL_WALL") ($(ratio "${IMP_CPU[real]}" "$BEFORE_REAL_CPU"))."
        echo "The earlier figures are from the README's run of 2026-11-28 14:05 UTC (same 31,800 pairs and seed). When the"
        echo "real list is about as much slower as the synthetic import, the difference is the machine (or the rest of"
        echo "the code), not the audit rows; the audit trail's own cost is what the synthetic ratio adds on top of it."
    else
        echo
        echo "The README's figure before the audit trail (31,800 rows, 13.47 s, 2,361 rows/s) is for 100x; this run imported $(thousands "${IMP_ROWS[synthetic]}")."
    fi
    echo
    echo "## Signed-in workspace pages"
    echo
    echo "real: the data dir after the imports above, $(thousands "${RELATIONS[real]}") relations, $(thousands "${AUDIT_ROWS[real]}") audit rows."
    echo "${SCALE}x: the same plus the synthetic import: $(thousands "${RELATIONS[large]}") relations, $(thousands "${AUDIT_ROWS[large]}") audit rows ($(thousands "$AUDIT_SYSTEM") of them by a \`system:\` actor)."
    echo
    row page "signed in as" data "body (bytes)" "one request alone (ms, median)" "req/s" "p50 (ms)" "p99 (ms)"
    row --- --- --- ---: ---: ---: ---: ---:
    for entry in "${PAGES[@]}"; do
        IFS='|' read -r name viewer path <<<"$entry"
        for size in real large; do
            row "\`$path\`" "$viewer" "$(size_label "$size")" "$(thousands "${BYTES[$size $name]}")" "${SINGLE[$size $name]}" \
                "$(rps_cell "${RPS[$size $name]}")" "${P50[$size $name]}" "$(p99_cell "$size $name")"
        done
    done
    echo
    row measure real "${SCALE}x"
    row --- ---: ---:
    row "start to first \`/tr/\` 200 (ms)" "${START[real]}" "${START[large]}"
    row "ldp RSS after start (MiB)" "$(kib_to_mib "${RSS_START[real]}")" "$(kib_to_mib "${RSS_START[large]}")"
    row "ldp RSS after all loads and the export (MiB)" "$(kib_to_mib "${RSS_LOAD[real]}")" "$(kib_to_mib "${RSS_LOAD[large]}")"
    echo
    echo "## Audit CSV export (\`/tr/workspace/audit.csv\` as auditor, one full download with curl)"
    echo
    row data rows "size (bytes)" "size (MiB)" "total (s)" "first byte (s)" "ldp RSS before (MiB)" "ldp peak RSS during (MiB)"
    row --- ---: ---: ---: ---: ---: ---: ---:
    for size in real large; do
        row "$(size_label "$size")" "$(thousands "${CSV_ROWS[$size]}")" "$(thousands "${CSV_BYTES[$size]}")" \
            "$(awk -v b="${CSV_BYTES[$size]}" 'BEGIN { printf "%.2f", b / 1048576 }')" "${CSV_S[$size]}" "${CSV_TTFB[$size]}" \
            "$(kib_to_mib "${CSV_RSS_BEFORE[$size]}")" "$(kib_to_mib "${CSV_RSS_PEAK[$size]}")"
    done
    echo
    echo "wrk non-2xx responses + socket errors + unexpected statuses, all runs (warm-ups included): $ERRORS_TOTAL"
    echo
    echo "Users: each \`ldp\` command is timed around \`/usr/bin/time -v\` (peak RSS from its \"Maximum resident set"
    echo "size\"); both commands open the database and check the reference data first. \`ldp import reference\` took"
    echo "${REFERENCE_S} s. Sign-in: wrk POSTs the form (csrf, email, password) with the \`ldp_csrf\` cookie of one"
    echo "GET of the form, as admin; each request verifies the argon2id hash (at most one per core at a time) and"
    echo "writes a session row. Pages: wrk sends the viewer's \`ldp_session\` cookie; a Lua script counts every"
    echo "status other than the expected one (303 for the sign-in, 200 for pages), since wrk itself counts only"
    echo "statuses >= 400. \"One request alone\" is the median of five sequential curl requests on the idle server."
    echo "After each wrk run the script waits until ldp has finished the requests wrk left behind. Imports run"
    echo "with the server stopped; audit rows written = rows in \`audit_log\` after - before."
    report_wrk_errors
}

report | tee "$OUT_DIR/accounts.md"
log "wrote $OUT_DIR/accounts.md (raw wrk and import outputs beside it)"

if ((ERRORS_ONLY)); then
    if ((ERRORS_TOTAL > 0)); then
        log "FAIL: wrk reported $ERRORS_TOTAL errors or unexpected statuses"
        exit 1
    fi
    log "OK: no errors and no unexpected statuses"
else
    warn_wrk_errors
fi
