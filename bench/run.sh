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

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ERRORS_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --errors-only) ERRORS_ONLY=1 ;;
        -h | --help)
            sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "run.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
    DURATION="${DURATION:-2}"
    WARMUP="${WARMUP:-1}"
else
    DURATION="${DURATION:-10}"
    WARMUP="${WARMUP:-2}"
fi
CONNECTIONS="${CONNECTIONS:-16}"
PORT="${PORT:-18080}"
NGINX_PORT="${NGINX_PORT:-$((PORT + 1))}"
START_TIMEOUT="${START_TIMEOUT:-180}"
OUT_DIR="${OUT_DIR:-$REPO_ROOT/bench/out}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"
HOST=127.0.0.1

for v in DURATION WARMUP CONNECTIONS PORT NGINX_PORT START_TIMEOUT; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || ((${!v} < 1)); then
        echo "run.sh: $v must be a positive integer (got '${!v}')" >&2
        exit 2
    fi
done

PAGES=(/tr/municipalities /api/v1/municipalities)

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# ---------------------------------------------------------------------------------------------- cleanup
TMP=""
LDP_PID=""
NGINX_PID=""

# Stops a process we started: SIGTERM, then SIGKILL after 10 s. Only ever by its own pid.
stop_pid() {
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null || true
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Direct children of a pid (nginx's workers), read from /proc.
child_pids() {
    local parent="$1" f ppid
    if command -v pgrep >/dev/null 2>&1; then
        pgrep -P "$parent" || true
        return 0
    fi
    for f in /proc/[0-9]*/status; do
        ppid="$(awk '/^PPid:/ {print $2; exit}' "$f" 2>/dev/null || true)"
        if [[ "$ppid" == "$parent" ]]; then
            f="${f#/proc/}"
            echo "${f%/status}"
        fi
    done
}

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

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$LDP_PID"
    LDP_PID=""
    stop_nginx
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if ((rc != 0)) && [[ -d "$OUT_DIR" ]]; then
            # Keep the end of each server log for the post-mortem (the full ones log every request).
            local f kept=0
            for f in "$TMP"/ldp-*.log "$TMP/nginx/logs/error.log"; do
                if [[ -s "$f" ]]; then
                    tail -n 300 "$f" >"$OUT_DIR/failed-$(basename "$f")"
                    kept=1
                fi
            done
            ((kept == 0)) || log "server log tails kept in $OUT_DIR/failed-*.log"
        fi
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------- tools
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    need_pkgs+=(nginx-light)
fi
if ((${#need_pkgs[@]})); then
    log "installing ${need_pkgs[*]} from Debian"
    SUDO=()
    ((EUID == 0)) || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
        {
            # nginx-light is a transitional package on some releases; plain nginx does the same job here.
            [[ " ${need_pkgs[*]} " == *" nginx-light "* ]] || exit 1
            need_pkgs=("${need_pkgs[@]/nginx-light/nginx}")
            DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
        }
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# ---------------------------------------------------------------------------------------------- binary
if [[ -n "${LDP_BIN:-}" ]]; then
    [[ "$LDP_BIN" == /* ]] || LDP_BIN="$PWD/$LDP_BIN"
    [[ -x "$LDP_BIN" ]] || die "LDP_BIN=$LDP_BIN is not an executable file"
else
    LDP_BIN="$REPO_ROOT/target/release/ldp"
    if [[ ! -x "$LDP_BIN" ]]; then
        log "no $LDP_BIN yet: building it (cargo build --release --locked -p ldp)"
        (cd "$REPO_ROOT" && timeout "$BUILD_TIMEOUT" cargo build --release --locked -p ldp)
    fi
fi

# ---------------------------------------------------------------------------------------------- helpers
now_ns() { date +%s%N; }

# Status code of a GET, "000" when nothing answers.
http_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

# True when nothing accepts TCP connections on HOST:PORT.
port_free() {
    ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# True when PID (or, for nginx, one of its children) is the process listening on HOST:PORT. Without `ss`
# the check is skipped.
owns_port() {
    local pid="$1" port="$2" listeners p
    command -v ss >/dev/null 2>&1 || return 0
    listeners="$(ss -Hltnp "sport = :$port" 2>/dev/null || true)"
    for p in "$pid" $(child_pids "$pid"); do
        [[ "$listeners" == *"pid=$p,"* ]] && return 0
    done
    return 1
}

# Fails the run when the server under load has died.
check_alive() {
    local pid="$1" what="$2" logfile="$3"
    if ! kill -0 "$pid" 2>/dev/null; then
        log "$what (pid $pid) is gone; last log lines:"
        tail -n 30 "$logfile" >&2 || true
        die "$what died during the load"
    fi
}

# VmRSS of a pid in KiB (0 when gone).
rss_kib() {
    awk '/^VmRSS:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}

kib_to_mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# Polls URL every 20 ms until it answers 200; prints elapsed ms since START_NS. Fails if PID dies or
# START_TIMEOUT passes.
wait_first_200() {
    local url="$1" pid="$2" start_ns="$3" logfile="$4" deadline code
    deadline=$(($(date +%s) + START_TIMEOUT))
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null || true)"
        if [[ "$code" == 200 ]]; then
            echo $((($(now_ns) - start_ns) / 1000000))
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "process $pid exited before $url answered 200; last log lines:"
            tail -n 30 "$logfile" >&2 || true
            return 1
        fi
        if (($(date +%s) > deadline)); then
            log "$url did not answer 200 within ${START_TIMEOUT}s (last status $code); last log lines:"
            tail -n 30 "$logfile" >&2 || true
            return 1
        fi
        sleep 0.02
    done
}

# Starts ldp on the data dir; sets LDP_PID, START_MS and START_RSS_KIB.
start_ldp() {
    local which="$1" logfile="$TMP/ldp-$1.log" t0
    port_free "$PORT" || die "something already answers on $HOST:$PORT (set PORT=...)"
    t0="$(now_ns)"
    # cwd is the temp dir so that no ./ldp.toml is picked up; the flags win over any LDP_* variables.
    (cd "$TMP" && exec "$LDP_BIN" serve --data-dir "$TMP/data" --listen "$HOST:$PORT") 2>"$logfile" >&2 &
    LDP_PID=$!
    START_MS="$(wait_first_200 "http://$HOST:$PORT/tr/" "$LDP_PID" "$t0" "$logfile")" ||
        die "ldp $which start failed"
    owns_port "$LDP_PID" "$PORT" ||
        die "the first page on $HOST:$PORT did not come from the ldp just started (pid $LDP_PID): another server took the port?"
    START_RSS_KIB="$(rss_kib "$LDP_PID")"
    # ldp's own figure (process start to listening), from its log, for comparison.
    READY_MS="$(sed 's/\x1b\[[0-9;]*m//g' "$logfile" | grep -o 'ready_ms[=":]*[0-9]*' | grep -o '[0-9]*$' | tail -n 1 || true)"
    log "ldp $which start: first 200 on /tr/ after ${START_MS} ms (ldp log: ready_ms=${READY_MS:-?}), VmRSS $(kib_to_mib "$START_RSS_KIB") MiB"
}

stop_ldp() {
    stop_pid "$LDP_PID"
    LDP_PID=""
}

# Parses a wrk output file: prints "req_per_s p99_ms errors".
parse_wrk() {
    awk '
        function ms(v,   n, u) {
            n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
            if (u == "us") return n / 1000
            if (u == "ms") return n
            if (u == "s")  return n * 1000
            if (u == "m")  return n * 60000
            return n
        }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { v = $i; sub(/,/, "", v); err += v }
        }
        END {
            if (rps == "") rps = 0
            if (p99 == "") p99 = 0
            printf "%s %.2f %d\n", rps, p99, err
        }' "$1"
}

ERRORS_TOTAL=0
ERROR_LINES=()

# run_wrk NAME URL SECONDS -> output file in OUT_DIR/wrk-NAME.txt; counts errors.
run_wrk() {
    local name="$1" url="$2" secs="$3" out="$OUT_DIR/wrk-$1.txt" rps p99 errs
    timeout $((secs + 30)) wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 ||
        die "wrk against $url failed: $(tail -n 3 "$out")"
    read -r rps p99 errs < <(parse_wrk "$out")
    if ((errs > 0)); then
        ERRORS_TOTAL=$((ERRORS_TOTAL + errs))
        ERROR_LINES+=("$name ($url): $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | sed 's/^ //' | paste -sd ';' -)")
        log "wrk $name: $errs errors: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | sed 's/^ //' | paste -sd ';' -)"
    fi
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

# ratio A B -> A/B with two decimals, "n/a" when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
int() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }

# ---------------------------------------------------------------------------------------------- run
mkdir -p "$OUT_DIR"
# Two runs on the same ports would answer each other's requests: one run per port pair at a time.
exec 9>"${TMPDIR:-/tmp}/ldp-bench.$PORT.lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
    die "another bench run holds ${TMPDIR:-/tmp}/ldp-bench.$PORT.lock (use another PORT)"
fi
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-bench.XXXXXX")"
mkdir -p "$TMP/data" "$TMP/www" "$TMP/nginx/logs"
# nginx workers drop to an unprivileged user and must be able to read the saved bytes.
chmod 755 "$TMP" "$TMP/www"

LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l + 0 >= 0.5) }'; then
    log "warning: load average is $LOAD_BEFORE before the run: other work on this machine will skew the figures"
fi
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
LOAD_AFTER="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
COMMIT="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [[ "$COMMIT" != unknown ]] && ! git -C "$REPO_ROOT" diff --quiet HEAD -- 2>/dev/null; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
CPU="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
CPU="${CPU:-unknown}"

row() { printf '| %s | %s | %s | %s |\n' "$@"; }
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
    if ((${#ERROR_LINES[@]})); then
        echo
        echo "wrk reported errors:"
        local l
        for l in "${ERROR_LINES[@]}"; do echo "- $l"; done
    fi
}

report | tee "$OUT_DIR/results.md"
log "wrote $OUT_DIR/results.md (raw wrk outputs beside it)"

if ((ERRORS_ONLY)); then
    if ((ERRORS_TOTAL > 0)); then
        log "FAIL: wrk reported $ERRORS_TOTAL non-2xx/3xx responses or socket errors"
        exit 1
    fi
    log "OK: no non-2xx/3xx responses and no socket errors"
elif ((ERRORS_TOTAL > 0)); then
    log "warning: wrk reported $ERRORS_TOTAL non-2xx/3xx responses or socket errors (see above)"
fi
