#!/usr/bin/env bash
# Benchmark of the ldp binary: cold and warm start to first page, resident memory, and throughput of one
# HTML list page and one JSON list, each compared with nginx serving the very same bytes from disk.
#
# Usage: bench/run.sh [--errors-only]
#   --errors-only  exit non-zero if any wrk run saw non-2xx/3xx responses or socket errors (speed is not judged)
# Environment knobs (defaults in brackets):
#   DURATION [10]        seconds of each measured wrk run
#   WARMUP [2]           seconds of the wrk warm-up run before each measured run
#   CONNECTIONS [16]     wrk connections (one wrk thread)
#   QUICK [0]            1 = short smoke run: DURATION=2 and WARMUP=1 unless set explicitly
#   LDP_BIN [target/release/ldp]  binary under test; the default one is built with cargo when missing
#   PORT [18080]         127.0.0.1 port for ldp; nginx uses NGINX_PORT [PORT+1]
#   START_TIMEOUT [180]  seconds to wait for a first page before giving up
#   OUT_DIR [bench/out]  where results.md and the raw wrk outputs go
# All traffic goes to 127.0.0.1 only. Everything started here is stopped, and temp folders removed, on exit.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ERRORS_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --errors-only) ERRORS_ONLY=1 ;;
        -h | --help)
            sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

common_knobs
NGINX_PORT="${NGINX_PORT:-$((PORT + 1))}"
check_positive_ints run.sh DURATION WARMUP CONNECTIONS PORT NGINX_PORT START_TIMEOUT

PAGES=(/tr/municipalities /api/v1/municipalities)

# ---------------------------------------------------------------------------------------------- cleanup
NGINX_PID=""

stop_nginx() {
    local workers w
    [[ -n "$NGINX_PID" ]] || return 0
    workers="$(child_pids "$NGINX_PID")"
    stop_pid "$NGINX_PID"
    # A master that had to be killed leaves its workers behind; end exactly those.
    for w in $workers; do
        if kill -0 "$w" 2>/dev/null; then
            kill -KILL "$w" 2>/dev/null || true
        fi
    done
    NGINX_PID=""
}

stop_others() { stop_nginx; }
keep_failed_logs() { keep_log_tails failed- "server log tails" "$TMP"/ldp-*.log "$TMP/nginx/logs/error.log"; }
trap_cleanup

# ---------------------------------------------------------------------------------------------- tools
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    need_pkgs+=(nginx-light)
fi
install_pkgs "${need_pkgs[@]}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# ---------------------------------------------------------------------------------------------- binary
resolve_ldp_bin

# ---------------------------------------------------------------------------------------------- helpers
# Starts ldp on the data dir; sets LDP_PID, START_MS, START_RSS_KIB and READY_MS.
start_ldp() {
    local which="$1" logfile="$TMP/ldp-$1.log"
    serve_ldp "$logfile" "ldp $which start failed" "$TMP/data"
    START_RSS_KIB="$(rss_kib "$LDP_PID")"
    # ldp's own figure (process start to listening), from its log, for comparison.
    READY_MS="$(sed 's/\x1b\[[0-9;]*m//g' "$logfile" | grep -o 'ready_ms[=":]*[0-9]*' | grep -o '[0-9]*$' | tail -n 1 || true)"
    log "ldp $which start: first 200 on /tr/ after ${START_MS} ms (ldp log: ready_ms=${READY_MS:-?}), VmRSS $(kib_to_mib "$START_RSS_KIB") MiB"
}

# run_wrk NAME URL SECONDS -> output file in OUT_DIR/wrk-NAME.txt; counts errors.
run_wrk() {
    local name="$1" url="$2" secs="$3" out="$OUT_DIR/wrk-$1.txt" rps p99 errs
    timeout $((secs + 30)) wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 ||
        die "wrk against $url failed: $(tail -n 3 "$out")"
    read -r rps p99 errs _ < <(parse_wrk "$out")
    count_wrk_errors "$name" "$url" "$out" "$errs"
    WRK_RPS="$rps" WRK_P99="$p99" WRK_ERRS="$errs"
}

# measure TARGET(ldp|nginx) BASE_URL: warm-up then measured run for each page; fills associative arrays.
declare -A RPS P99 ERRS BYTES CTYPE
measure() {
    local target="$1" base="$2" pid="$3" logfile="$4" page slug
    for page in "${PAGES[@]}"; do
        slug="${page//\//_}"
        slug="${slug#_}"
        log "$target $page: warm-up ${WARMUP}s"
        run_wrk "$target-$slug-warmup" "$base$page" "$WARMUP"
        check_alive "$pid" "$target" "$logfile"
        ERRS["$target"]=$((${ERRS[$target]:-0} + WRK_ERRS))
        log "$target $page: wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency"
        run_wrk "$target-$slug" "$base$page" "$DURATION"
        check_alive "$pid" "$target" "$logfile"
        RPS["$target $page"]="$WRK_RPS"
        P99["$target $page"]="$WRK_P99"
        ERRS["$target"]=$((${ERRS[$target]:-0} + WRK_ERRS))
        log "$target $page: $WRK_RPS req/s, p99 $WRK_P99 ms"
    done
}

# ---------------------------------------------------------------------------------------------- run
mkdir -p "$OUT_DIR"
# Two runs on the same ports would answer each other's requests: one run per port pair at a time.
lock_port
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-bench.XXXXXX")"
mkdir -p "$TMP/data" "$TMP/www" "$TMP/nginx/logs"
# nginx workers drop to an unprivileged user and must be able to read the saved bytes.
chmod 755 "$TMP" "$TMP/www"

note_load_before
log "binary: $LDP_BIN"
log "ldp on $HOST:$PORT, nginx on $HOST:$NGINX_PORT; wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per run"

# 1. Cold start: empty data dir (creates the database, loads the reference data).
start_ldp cold
COLD_MS="$START_MS" COLD_RSS="$START_RSS_KIB" COLD_READY="${READY_MS:-}"
stop_ldp

# 2. Warm start: same data dir, no reference load.
start_ldp warm
WARM_MS="$START_MS" WARM_RSS="$START_RSS_KIB" WARM_READY="${READY_MS:-}"

# 3. Save the exact bytes (and content type) of each page for nginx.
for page in "${PAGES[@]}"; do
    mkdir -p "$TMP/www$(dirname "$page")"
    meta="$(curl -s --max-time 10 -o "$TMP/www$page" -w '%{http_code} %{content_type}' "http://$HOST:$PORT$page")"
    code="${meta%% *}"
    [[ "$code" == 200 ]] || die "GET $page answered $code"
    CTYPE["$page"]="${meta#* }"
    BYTES["$page"]="$(stat -c %s "$TMP/www$page")"
    log "saved $page: ${BYTES[$page]} bytes, ${CTYPE[$page]}"
done
chmod -R a+rX "$TMP/www"

# 4. Load on ldp.
measure ldp "http://$HOST:$PORT" "$LDP_PID" "$TMP/ldp-warm.log"
LDP_LOAD_RSS="$(rss_kib "$LDP_PID")"
log "ldp VmRSS after load: $(kib_to_mib "$LDP_LOAD_RSS") MiB"
stop_ldp

# 5. nginx serving the same bytes.
{
    echo "daemon off;"
    echo "worker_processes 1;"
    echo "pid $TMP/nginx/nginx.pid;"
    echo "error_log $TMP/nginx/logs/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "    access_log off;"
    echo "    sendfile on;"
    echo "    keepalive_requests 1000000;"
    echo "    types {}"
    echo "    client_body_temp_path $TMP/nginx/client_body;"
    echo "    proxy_temp_path $TMP/nginx/proxy;"
    echo "    fastcgi_temp_path $TMP/nginx/fastcgi;"
    echo "    uwsgi_temp_path $TMP/nginx/uwsgi;"
    echo "    scgi_temp_path $TMP/nginx/scgi;"
    echo "    server {"
    echo "        listen $HOST:$NGINX_PORT;"
    echo "        root $TMP/www;"
    echo "        location / { default_type text/html; }"
    for page in "${PAGES[@]}"; do
        echo "        location = $page { default_type \"${CTYPE[$page]}\"; }"
    done
    echo "    }"
    echo "}"
} >"$TMP/nginx/nginx.conf"

port_free "$NGINX_PORT" || die "something already answers on $HOST:$NGINX_PORT (set NGINX_PORT=...)"
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" ||
    die "generated nginx.conf is invalid"
t0="$(now_ns)"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/stderr.log" &
NGINX_PID=$!
NGINX_START_MS="$(wait_first_200 "http://$HOST:$NGINX_PORT${PAGES[0]}" "$NGINX_PID" "$t0" "$TMP/nginx/logs/error.log")" ||
    die "nginx did not start"
owns_port "$NGINX_PID" "$NGINX_PORT" ||
    die "the first page on $HOST:$NGINX_PORT did not come from the nginx just started: another server took the port?"
nginx_rss() {
    local total w
    total="$(rss_kib "$NGINX_PID")"
    for w in $(child_pids "$NGINX_PID"); do
        total=$((total + $(rss_kib "$w")))
    done
    echo "$total"
}
NGINX_START_RSS="$(nginx_rss)"
log "nginx start: first 200 after ${NGINX_START_MS} ms, VmRSS (master + worker) $(kib_to_mib "$NGINX_START_RSS") MiB"
for page in "${PAGES[@]}"; do
    curl -s --max-time 10 -o "$TMP/check" "http://$HOST:$NGINX_PORT$page"
    cmp -s "$TMP/check" "$TMP/www$page" || die "nginx does not serve the saved bytes of $page"
done
measure nginx "http://$HOST:$NGINX_PORT" "$NGINX_PID" "$TMP/nginx/logs/error.log"
NGINX_LOAD_RSS="$(nginx_rss)"
stop_nginx

# ---------------------------------------------------------------------------------------------- report
note_run_info

report() {
    echo "# ldp benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- commit: $COMMIT"
    echo "- binary: ${LDP_BIN#"$REPO_ROOT"/}"
    echo "- machine: $(nproc) CPUs, $CPU; 1-minute load average $LOAD_BEFORE before the run, $LOAD_AFTER after (the run itself adds about 2)"
    echo "- load: wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency after a ${WARMUP}s warm-up; ldp and nginx on 127.0.0.1, one at a time"
    echo
    row measure ldp "nginx (same bytes)" "ratio ldp/nginx"
    row --- ---: ---: ---:
    row "cold start to first page (ms)" "$COLD_MS" "$NGINX_START_MS" "$(ratio "$COLD_MS" "$NGINX_START_MS")"
    row "warm start to first page (ms)" "$WARM_MS" "$NGINX_START_MS" "$(ratio "$WARM_MS" "$NGINX_START_MS")"
    row "RSS after cold start (MiB)" "$(kib_to_mib "$COLD_RSS")" "$(kib_to_mib "$NGINX_START_RSS")" "$(ratio "$COLD_RSS" "$NGINX_START_RSS")"
    row "RSS after warm start (MiB)" "$(kib_to_mib "$WARM_RSS")" "$(kib_to_mib "$NGINX_START_RSS")" "$(ratio "$WARM_RSS" "$NGINX_START_RSS")"
    row "RSS after load (MiB)" "$(kib_to_mib "$LDP_LOAD_RSS")" "$(kib_to_mib "$NGINX_LOAD_RSS")" "$(ratio "$LDP_LOAD_RSS" "$NGINX_LOAD_RSS")"
    local page
    for page in "${PAGES[@]}"; do
        row "$page req/s (${BYTES[$page]} B)" "$(int "${RPS[ldp $page]}")" "$(int "${RPS[nginx $page]}")" "$(ratio "${RPS[ldp $page]}" "${RPS[nginx $page]}")"
        row "$page p99 (ms)" "${P99[ldp $page]}" "${P99[nginx $page]}" "$(ratio "${P99[ldp $page]}" "${P99[nginx $page]}")"
    done
    row "wrk non-2xx + socket errors" "${ERRS[ldp]:-0}" "${ERRS[nginx]:-0}" ""
    echo
    echo "Start times are from exec to the first 200 of \`/tr/\` (nginx: of the saved list page), polled every 20 ms;"
    echo "ldp's own log put it ready (listening) after ${COLD_READY:-?} ms cold and ${WARM_READY:-?} ms warm."
    echo "nginx RSS is master + worker. For req/s a ratio below 1 means ldp is slower; for p99, above 1."
    report_wrk_errors
}

report | tee "$OUT_DIR/results.md"
log "wrote $OUT_DIR/results.md (raw wrk outputs beside it)"

if ((ERRORS_ONLY)); then
    if ((ERRORS_TOTAL > 0)); then
        log "FAIL: wrk reported $ERRORS_TOTAL non-2xx/3xx responses or socket errors"
        exit 1
    fi
    log "OK: no non-2xx/3xx responses and no socket errors"
else
    warn_wrk_errors
fi
