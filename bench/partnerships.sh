#!/usr/bin/env bash
# Benchmark of the sister-city registry: import of the full real twin-city list (25,917 pairs), the relation
# pages under wrk at the real data size, and the same at SCALE times that size with synthetic relations.
#
# Usage: bench/partnerships.sh
# Environment knobs (defaults in brackets):
#   DURATION [10]        seconds of each measured wrk run
#   WARMUP [2]           seconds of the wrk warm-up run before each measured run
#   CONNECTIONS [16]     wrk connections (one wrk thread)
#   WRK_TIMEOUT [30]     wrk --timeout in seconds (wrk's own default, 2, drops every slower response)
#   SCALE [100]          size of the large run as a multiple of the real relation count (synthetic pairs)
#   QUICK [0]            1 = short run: DURATION=2, WARMUP=1 and SCALE=10 unless set explicitly
#   LDP_BIN [target/release/ldp]  binary under test; the default one is built with cargo when missing
#   PORT [18080]         127.0.0.1 port for ldp (the lock is shared with bench/run.sh on the same port)
#   START_TIMEOUT [180]  seconds to wait for a first page before giving up
#   IMPORT_TIMEOUT [900] seconds one `ldp import` may take before the run fails
#   OUT_DIR [bench/out]  where partnerships.md and the raw outputs go
# All traffic goes to 127.0.0.1 only. Everything started here is stopped, and temp folders removed, on exit.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "partnerships.sh: unknown argument: $arg (try --help)" >&2
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

check_positive_ints partnerships.sh DURATION WARMUP CONNECTIONS WRK_TIMEOUT SCALE PORT START_TIMEOUT IMPORT_TIMEOUT

PAGES=(/tr/partnerships /tr/partnerships/1 /tr/map /api/v1/partnerships)

# ---------------------------------------------------------------------------------------------- cleanup
keep_failed_logs() { keep_log_tails failed-partnerships- "log tails" "$TMP"/*.log; }
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


# start_ldp NAME DATA_DIR: sets LDP_PID and START_MS. Like ldp(), without LDP_CONFIG or LDP_DATABASE_URL.
start_ldp() {
    serve_ldp "$TMP/serve-$1.log" "ldp start ($1) failed" "$2" env -u LDP_CONFIG -u LDP_DATABASE_URL
}

# `total` of the relations list in the API.
relations_total() {
    local body
    body="$(curl -s --max-time 30 "http://$HOST:$PORT/api/v1/partnerships?per_page=1")" ||
        die "GET /api/v1/partnerships?per_page=1 failed"
    python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])' <<<"$body" ||
        die "no total in /api/v1/partnerships?per_page=1: ${body:0:200}"
}

# run_wrk NAME URL SECONDS: raw output in OUT_DIR/partnerships-wrk-NAME.txt; sets WRK_RPS and WRK_P99.
run_wrk() {
    local name="$1" url="$2" secs="$3" out="$OUT_DIR/partnerships-wrk-$1.txt" rps p99 errs completed timeouts
    timeout $((secs + WRK_TIMEOUT + 30)) wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" --latency "$url" \
        >"$out" 2>&1 ||
        die "wrk against $url failed: $(tail -n 3 "$out")"
    read -r rps p99 errs completed timeouts < <(parse_wrk "$out")
    # Requests still running when wrk stops are neither counted nor reported as errors.
    if ((completed == 0)); then
        [[ "$name" == *-warmup ]] || ERROR_LINES+=("$name ($url): no request completed within ${secs}s")
        log "wrk $name: no request completed within ${secs}s"
    fi
    count_wrk_errors "$name" "$url" "$out" "$errs"
    WRK_RPS="$rps" WRK_P99="$p99" WRK_DONE="$completed" WRK_TIMEOUTS="$timeouts"
}

# single_request_ms URL: median time of up to 5 sequential requests on an idle server (stops after 20 s).
single_request_ms() {
    local url="$1" t0 times=() i t
    t0="$(date +%s)"
    for ((i = 0; i < 5; i++)); do
        t="$(curl -s -o /dev/null --max-time 120 -w '%{time_total}' "$url")" || die "GET $url failed"
        times+=("$t")
        (($(date +%s) - t0 < 20)) || break
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] * 1000 }'
}

declare -A RPS P99 COMPLETED TIMEOUTS SINGLE BYTES TOTAL START RSS_START RSS_LOAD

# measure_pages SIZE DATA_DIR: starts ldp on the dir, checks and loads each page, stops ldp.
measure_pages() {
    local size="$1" dir="$2" page slug meta code logfile="$TMP/serve-$1.log"
    start_ldp "$size" "$dir"
    START["$size"]="$START_MS"
    RSS_START["$size"]="$(rss_kib "$LDP_PID")"
    TOTAL["$size"]="$(relations_total)"
    log "$size: ldp answered after $START_MS ms; $(thousands "${TOTAL[$size]}") relations in the database"
    for page in "${PAGES[@]}"; do
        meta="$(curl -s --max-time 30 -o "$TMP/page" -w '%{http_code}' "http://$HOST:$PORT$page")" || true
        code="${meta:-000}"
        [[ "$code" == 200 ]] || die "GET $page answered $code at size $size"
        BYTES["$size $page"]="$(stat -c %s "$TMP/page")"
        SINGLE["$size $page"]="$(single_request_ms "http://$HOST:$PORT$page")"
        log "$size $page: ${BYTES[$size $page]} B, one request alone ${SINGLE[$size $page]} ms"
    done
    for page in "${PAGES[@]}"; do
        slug="${page//\//_}"
        slug="$size${slug}"
        log "$size $page: warm-up ${WARMUP}s"
        run_wrk "$slug-warmup" "http://$HOST:$PORT$page" "$WARMUP"
        check_alive "$LDP_PID" ldp "$logfile"
        wait_idle "$LDP_PID"
        log "$size $page: wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency"
        run_wrk "$slug" "http://$HOST:$PORT$page" "$DURATION"
        check_alive "$LDP_PID" ldp "$logfile"
        wait_idle "$LDP_PID"
        RPS["$size $page"]="$WRK_RPS"
        P99["$size $page"]="$WRK_P99"
        COMPLETED["$size $page"]="$WRK_DONE"
        TIMEOUTS["$size $page"]="$WRK_TIMEOUTS"
        log "$size $page: $WRK_RPS req/s, p99 $WRK_P99 ms, $WRK_DONE requests"
    done
    RSS_LOAD["$size"]="$(rss_kib "$LDP_PID")"
    stop_ldp
}

declare -A IMP_ROWS IMP_WALL IMP_CPU IMP_RSS IMP_CREATED IMP_PRESENT IMP_UNMATCHED IMP_NOMEMBER
IMPORTS=()

# timed_import KEY DATA_DIR FILE: `ldp import partnerships` under GNU time; fills the IMP_* arrays.
timed_import() {
    local key="$1" dir="$2" file="$3" t0 t1 summary stats
    local tfile="$TMP/time-$key.txt" out="$TMP/import-$key.out" err="$TMP/import-$key.log"
    log "import $key: $(basename "$file") into $(basename "$dir")"
    t0="$(now_ns)"
    # timeout signals its whole process group, so GNU time and ldp both go when the limit is hit.
    timeout "$IMPORT_TIMEOUT" /usr/bin/time -v -o "$tfile" \
        env -u LDP_CONFIG -u LDP_DATABASE_URL "$LDP_BIN" import partnerships --data-dir "$dir" "$file" \
        --report "$TMP/report-$key.csv" >"$out" 2>"$err" ||
        {
            tail -n 20 "$err" >&2 || true
            die "import $key failed or took more than ${IMPORT_TIMEOUT}s"
        }
    t1="$(now_ns)"
    cp "$out" "$OUT_DIR/partnerships-import-$key.txt"
    summary="$(grep -E '^[0-9]+ rows: ' "$out" | tail -n 1)" || die "import $key printed no summary line: $(cat "$out")"
    stats="$(sed -nE 's/^([0-9]+) rows: ([0-9]+) partnerships created, ([0-9]+) already present, ([0-9]+) rows involving a member could not be matched, ([0-9]+) rows without a member side.*/\1 \2 \3 \4 \5/p' <<<"$summary")"
    [[ -n "$stats" ]] || die "import $key: unexpected summary line: $summary"
    read -r "IMP_ROWS[$key]" "IMP_CREATED[$key]" "IMP_PRESENT[$key]" "IMP_UNMATCHED[$key]" "IMP_NOMEMBER[$key]" <<<"$stats"
    IMP_WALL["$key"]="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
    IMP_RSS["$key"]="$(awk -F': *' '/Maximum resident set size/ {print $2}' "$tfile")"
    IMP_CPU["$key"]="$(awk -F': *' '/User time \(seconds\)/ {u = $2} /System time \(seconds\)/ {s = $2} END {printf "%.2f", u + s}' "$tfile")"
    IMPORTS+=("$key")
    log "import $key: $summary"
    log "import $key: ${IMP_WALL[$key]} s wall, ${IMP_CPU[$key]} s CPU, peak RSS $(kib_to_mib "${IMP_RSS[$key]}") MiB"
}

# ---------------------------------------------------------------------------------------------- run
mkdir -p "$OUT_DIR"
# Two runs on one port would answer each other's requests: one run per port at a time (bench/run.sh too).
lock_port
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-bench-partnerships.XXXXXX")"

note_load_before
log "binary: $LDP_BIN"
log "ldp on $HOST:$PORT; wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per run; large size ${SCALE}x"

PAIRS="$TMP/twin_cities.csv"
gzip -dc "$PAIRS_GZ" >"$PAIRS"
PAIR_ROWS="$(($(wc -l <"$PAIRS") - 1))"
log "decompressed $(thousands "$PAIR_ROWS") pairs to the temp dir"

# 1a. The briefed case: a fresh data dir after `ldp import reference`, which also loads the seeded relations
#     (the Türkiye rows of the very same list), then the full file; then the same again.
t0="$(now_ns)"
ldp import reference --data-dir "$TMP/real" >"$TMP/reference.log" 2>&1 || {
    tail -n 20 "$TMP/reference.log" >&2
    die "ldp import reference failed"
}
REFERENCE_S="$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
SEEDED="$(sed -nE 's/^sister-city relations loaded: ([0-9]+) created.*/\1/p' "$TMP/reference.log" | tail -n 1)"
log "ldp import reference: ${REFERENCE_S} s, ${SEEDED:-?} seeded relations"
timed_import seeded "$TMP/real" "$PAIRS"
timed_import repeat "$TMP/real" "$PAIRS"
((IMP_CREATED[repeat] == 0)) || log "warning: the repeated import created ${IMP_CREATED[repeat]} relations (expected 0)"

# 1b. The same file into a data dir with the reference data but without the seeded relations, so that the
#     import really creates them. `ldp import partnerships` loads the reference data but not the seed; a
#     one-row file without a member side does just that.
printf '%s\n%s\n' 'city1,country1,lat1,lng1,city2,country2,lat2,lng2' \
    'Berat,Albania,40.7022,19.9583,Fermo,Italy,43.1608,13.7158' >"$TMP/nomember.csv"
ldp import partnerships --data-dir "$TMP/unseeded" "$TMP/nomember.csv" --report "$TMP/nomember-report.csv" \
    >"$TMP/unseeded-prepare.log" 2>&1 || {
    tail -n 20 "$TMP/unseeded-prepare.log" >&2
    die "preparing the unseeded data dir failed"
}
timed_import unseeded "$TMP/unseeded" "$PAIRS"
rm -rf -- "$TMP/unseeded"

# 2. Pages at the real size: the data dir of 1a (seeded relations + full import).
measure_pages real "$TMP/real"
REAL_TOTAL="${TOTAL[real]}"

# 3. SCALE x the real relation count as synthetic pairs, imported into a copy of the real-size data dir.
SYNTH_N=$((REAL_TOTAL * SCALE))
cp -a "$TMP/real" "$TMP/large"
python3 "$REPO_ROOT/bench/synthetic_pairs.py" -n "$SYNTH_N" -o "$TMP/synthetic.csv" 2>"$TMP/synthetic.log" || {
    cat "$TMP/synthetic.log" >&2
    die "bench/synthetic_pairs.py failed"
}
log "$(cat "$TMP/synthetic.log")"
timed_import synthetic "$TMP/large" "$TMP/synthetic.csv"
rm -f -- "$TMP/synthetic.csv"
measure_pages large "$TMP/large"

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

# Load cells: wrk gives no latency when no request completed.
rps_cell() {
    local v="${RPS[$1 $2]}"
    if awk -v r="$v" 'BEGIN { exit !(r >= 100) }'; then thousands "$v"; else echo "$v"; fi
}
p99_cell() {
    local t="${TIMEOUTS[$1 $2]}"
    if [[ "${COMPLETED[$1 $2]}" == 0 ]]; then
        echo "none completed"
    elif ((t > 0)) && [[ "${P99[$1 $2]}" == 0.00 ]]; then
        echo "all $t over ${WRK_TIMEOUT} s"
    elif ((t > 0)); then
        echo "${P99[$1 $2]} (+$t over ${WRK_TIMEOUT} s)"
    else
        echo "${P99[$1 $2]}"
    fi
}
p99_ratio() {
    if [[ "${COMPLETED[real $1]}" == 0 || "${COMPLETED[large $1]}" == 0 || "${P99[real $1]}" == 0.00 ||
        "${P99[large $1]}" == 0.00 ]]; then
        echo "n/a"
    else
        ratio "${P99[large $1]}" "${P99[real $1]}"
    fi
}
import_label() {
    case "$1" in
        seeded) echo "real list, fresh data dir after \`ldp import reference\` (${SEEDED:-?} seeded)" ;;
        repeat) echo "real list again, same data dir (idempotence)" ;;
        unseeded) echo "real list, data dir with reference data only (no seeded relations)" ;;
        synthetic) echo "synthetic ${SCALE}x pairs into a copy of the real-size data dir" ;;
    esac
}
report() {
    local k page
    echo "# ldp benchmark: sister-city relations"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $COMMIT"
    echo "- binary: ${LDP_BIN#"$REPO_ROOT"/} ($BIN_NOTE)"
    echo "- machine: $(nproc) CPUs, $CPU; 1-minute load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
    echo "- load: wrk -t1 -c$CONNECTIONS -d${DURATION}s --timeout ${WRK_TIMEOUT}s --latency after a ${WARMUP}s warm-up, on 127.0.0.1"
    echo
    echo "## Import (\`ldp import partnerships\`, SQLite)"
    echo
    row import rows "wall (s)" "rows/s" "CPU user+sys (s)" "peak RSS (MiB)" created "already present" "member side unmatched" "no member side"
    row --- ---: ---: ---: ---: ---: ---: ---: ---: ---:
    for k in "${IMPORTS[@]}"; do
        row "$(import_label "$k")" "$(thousands "${IMP_ROWS[$k]}")" "${IMP_WALL[$k]}" \
            "$(thousands "$(awk -v r="${IMP_ROWS[$k]}" -v s="${IMP_WALL[$k]}" 'BEGIN { print (s > 0 ? r / s : 0) }')")" \
            "${IMP_CPU[$k]}" "$(kib_to_mib "${IMP_RSS[$k]}")" "$(thousands "${IMP_CREATED[$k]}")" \
            "$(thousands "${IMP_PRESENT[$k]}")" "$(thousands "${IMP_UNMATCHED[$k]}")" "$(thousands "${IMP_NOMEMBER[$k]}")"
    done
    echo
    echo "## Pages"
    echo
    echo "Real size: the data dir of the first import above (seeded relations, then the full list)."
    echo "${SCALE}x: a copy of it plus $(thousands "$SYNTH_N") synthetic pairs ($(thousands "$REAL_TOTAL") x $SCALE) from \`bench/synthetic_pairs.py\`."
    echo
    row measure "real size" "${SCALE}x" "ratio ${SCALE}x / real"
    row --- ---: ---: ---:
    row "relations in the database (API \`total\`)" "$(thousands "${TOTAL[real]}")" "$(thousands "${TOTAL[large]}")" "$(ratio "${TOTAL[large]}" "${TOTAL[real]}")"
    row "start to first \`/tr/\` 200 (ms)" "${START[real]}" "${START[large]}" "$(ratio "${START[large]}" "${START[real]}")"
    row "RSS after start (MiB)" "$(kib_to_mib "${RSS_START[real]}")" "$(kib_to_mib "${RSS_START[large]}")" "$(ratio "${RSS_START[large]}" "${RSS_START[real]}")"
    row "RSS after load (MiB)" "$(kib_to_mib "${RSS_LOAD[real]}")" "$(kib_to_mib "${RSS_LOAD[large]}")" "$(ratio "${RSS_LOAD[large]}" "${RSS_LOAD[real]}")"
    for page in "${PAGES[@]}"; do
        row "\`$page\` body (bytes)" "$(thousands "${BYTES[real $page]}")" "$(thousands "${BYTES[large $page]}")" "$(ratio "${BYTES[large $page]}" "${BYTES[real $page]}")"
        row "\`$page\` one request alone (ms, median)" "${SINGLE[real $page]}" "${SINGLE[large $page]}" "$(ratio "${SINGLE[large $page]}" "${SINGLE[real $page]}")"
        row "\`$page\` req/s" "$(rps_cell real "$page")" "$(rps_cell large "$page")" "$(ratio "${RPS[large $page]}" "${RPS[real $page]}")"
        row "\`$page\` p99 (ms)" "$(p99_cell real "$page")" "$(p99_cell large "$page")" "$(p99_ratio "$page")"
    done
    row "wrk non-2xx + socket errors (all runs)" "$ERRORS_TOTAL" "" ""
    echo
    echo "Import wall time is measured around \`/usr/bin/time -v\` (which gives the CPU time and the peak RSS,"
    echo "\"Maximum resident set size\"); rows/s = rows / wall time. \`ldp import reference\` took ${REFERENCE_S} s."
    echo "The seeded relations are the Türkiye rows of the same list, so the first import finds them already present;"
    echo "the reference-only row shows the import creating them. \"One request alone\" is the median of up to five"
    echo "sequential curl requests on the idle server, before its wrk runs. wrk leaves responses slower than its"
    echo "timeout (${WRK_TIMEOUT} s) out of the latency figures and counts them as timeouts, and does not count requests"
    echo "still running when a run ends (\"none completed\": not one response within the run). After each wrk run"
    echo "the script waits until ldp has finished the requests wrk left behind."
    report_wrk_errors
}

report | tee "$OUT_DIR/partnerships.md"
log "wrote $OUT_DIR/partnerships.md (raw wrk and import outputs beside it)"
warn_wrk_errors
