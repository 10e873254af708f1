#!/usr/bin/env bash
# The full benchmark matrix of issue 14: five public pages under wrk, side by side with nginx serving the same
# bytes, at the real size and at SCALE times it, on SQLite and on PostgreSQL, with the rendered-page cache off
# and on (when the binary has one); the uncached map at SCALE x, memory idle after a warm start and with a full
# cache, and two nodes on one PostgreSQL with the delay before a write on one shows on the other.
#
# Usage: bench/matrix.sh
# Environment knobs (defaults in brackets):
#   DURATION [5]          seconds of each measured wrk run (QUICK=1: 2)
#   WARMUP [1]            seconds of the wrk warm-up run before each measured run
#   CONNECTIONS [16]      wrk connections (one wrk thread)
#   WRK_TIMEOUT [30]      wrk --timeout in seconds
#   SCALE [100]           large size as a multiple of the real relation count (QUICK=1: 10)
#   ENGINES [sqlite postgres]  engines to measure, in order
#   PG_URL [postgres://postgres@127.0.0.1:5432]  PostgreSQL server; each run creates and drops its own database
#   FILL_LIMIT [3000]     requests made to fill the page cache before the full-cache RSS
#   INVALIDATION_TIMEOUT [10]  seconds node B may take to show a write made on node A
#   QUICK [0]             1 = short run (DURATION=2, SCALE=10 unless set)
#   LDP_BIN [target/release/ldp]  binary under test; the default one is built with cargo when missing
#   PORT [18080]          ldp's port; nginx uses PORT+1 and the second node PORT+2
#   START_TIMEOUT [180], IMPORT_TIMEOUT [900], OUT_DIR [bench/out]
# All traffic goes to 127.0.0.1 only. Everything started here is stopped, and the temp folder and the databases
# made here are removed, on exit.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "matrix.sh: unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then DURATION="${DURATION:-2}" SCALE="${SCALE:-10}"; else DURATION="${DURATION:-5}" SCALE="${SCALE:-100}"; fi
WARMUP="${WARMUP:-1}"
common_knobs
WRK_TIMEOUT="${WRK_TIMEOUT:-30}"
IMPORT_TIMEOUT="${IMPORT_TIMEOUT:-900}"
FILL_LIMIT="${FILL_LIMIT:-3000}"
INVALIDATION_TIMEOUT="${INVALIDATION_TIMEOUT:-10}"
ENGINES="${ENGINES:-sqlite postgres}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
NGINX_PORT=$((PORT + 1)) PORT_B=$((PORT + 2))
check_positive_ints matrix.sh DURATION WARMUP CONNECTIONS WRK_TIMEOUT SCALE PORT START_TIMEOUT IMPORT_TIMEOUT FILL_LIMIT
PAIRS_GZ="$REPO_ROOT/bench/data/twin_cities.csv.gz"
HELPER="$REPO_ROOT/bench/matrix_helper.py"

PAGES=(/tr/ /tr/municipalities /tr/partnerships /tr/map /api/v1/partnerships)
LIST_PAGES=(/tr/municipalities /tr/partnerships /api/v1/partnerships)

# ---------------------------------------------------------------------------------------------- cleanup
NGINX_PID="" PID_B="" PG_DB="" STARTED=()
stop_others() {
    local p
    for p in "${STARTED[@]}"; do stop_pid "$p"; done
    STARTED=()
    PID_B=""
    if [[ -n "$NGINX_PID" ]]; then
        local workers w
        workers="$(child_pids "$NGINX_PID")"
        stop_pid "$NGINX_PID"
        for w in $workers; do kill -0 "$w" 2>/dev/null && kill -KILL "$w" 2>/dev/null || true; done
        NGINX_PID=""
    fi
    if [[ -n "$PG_DB" ]]; then
        dropdb --if-exists --force -h 127.0.0.1 -U postgres "$PG_DB" >/dev/null 2>&1 || true
        PG_DB=""
    fi
}
keep_failed_logs() { keep_log_tails failed-matrix- "log tails" "$TMP"/*.log; }
trap_cleanup

# ---------------------------------------------------------------------------------------------- tools
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
[[ " $ENGINES " != *" postgres "* ]] || command -v createdb >/dev/null 2>&1 || need_pkgs+=(postgresql-client)
install_pkgs "${need_pkgs[@]}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
resolve_ldp_bin

# The rendered-page cache (`--page-cache-mb`, 0 = off) is measured off and on when the binary has it.
if "$LDP_BIN" serve --help 2>/dev/null | grep -q -- '--page-cache-mb'; then
    CACHE_MODES=(off on) CACHE_NOTE="cache: off = \`--page-cache-mb 0\`, on = the default size"
else
    CACHE_MODES=(none) CACHE_NOTE="cache: not available (this binary has no \`--page-cache-mb\`)"
fi
log "$CACHE_NOTE"

# ---------------------------------------------------------------------------------------------- helpers
# engine_args ENGINE: the flags that put ldp on that engine's database.
engine_args() {
    if [[ "$1" == postgres ]]; then echo "--data-dir $TMP/pgdata --database-url $PG_URL/$PG_DB"; else echo "--data-dir $TMP/sqlite"; fi
}
# ldp_on ENGINE ARGS...: runs the ldp command on ENGINE's database, from the temp dir.
ldp_on() {
    local engine="$1"
    shift
    # shellcheck disable=SC2046 # the flags are split on purpose
    (cd "$TMP" && exec env -u LDP_CONFIG -u LDP_DATABASE_URL "$LDP_BIN" "$@" $(engine_args "$engine"))
}
cache_flag() { [[ "$1" == off ]] && echo "--page-cache-mb 0" || true; }

# start_node VAR PORT ENGINE CACHE LOG: starts `ldp serve`; sets VAR to its pid and START_MS.
start_node() {
    local var="$1" port="$2" engine="$3" cache="$4" logfile="$5" t0 started
    port_free "$port" || die "something already answers on $HOST:$port"
    t0="$(now_ns)"
    # shellcheck disable=SC2046
    (cd "$TMP" && exec env -u LDP_CONFIG -u LDP_DATABASE_URL "$LDP_BIN" serve --listen "$HOST:$port" \
        $(engine_args "$engine") $(cache_flag "$cache")) 2>"$logfile" >&2 9>&- &
    started=$!
    STARTED+=("$started")
    printf -v "$var" '%s' "$started"
    START_MS="$(wait_first_200 "http://$HOST:$port/tr/" "$started" "$t0" "$logfile")" || die "ldp ($engine) did not start"
    owns_port "$started" "$port" || die "the first page on $HOST:$port did not come from the ldp just started"
}

# run_wrk NAME URL SECONDS [CONNECTIONS]: sets WRK_RPS, WRK_P99; counts errors.
run_wrk() {
    local name="$1" url="$2" secs="$3" conns="${4:-$CONNECTIONS}" out="$OUT_DIR/matrix-wrk-$1.txt" rps p99 errs done
    timeout $((secs + WRK_TIMEOUT + 30)) wrk -t1 -c"$conns" -d"${secs}s" --timeout "${WRK_TIMEOUT}s" --latency "$url" \
        >"$out" 2>&1 || die "wrk against $url failed: $(tail -n 3 "$out")"
    read -r rps p99 errs done _ < <(parse_wrk "$out")
    count_wrk_errors "$name" "$url" "$out" "$errs"
    ((done > 0)) || ERROR_LINES+=("$name ($url): no request completed")
    WRK_RPS="$rps" WRK_P99="$p99"
}

# alone_ms URL: median of 5 sequential requests on an idle server.
alone_ms() {
    local i times=()
    for ((i = 0; i < 5; i++)); do times+=("$(curl -s -o /dev/null --max-time 120 -w '%{time_total}' "$1")"); done
    printf '%s\n' "${times[@]}" | sort -g | awk 'NR == 3 { printf "%.1f", $1 * 1000 }'
}
slug_of() { local s="${1//\//_}"; s="${s#_}"; echo "${s:-root}"; }

declare -A RPS P99 BYTES CTYPE MAP_MS IDLE_RSS FULL_RSS FILL TOTAL NGINX_RPS NGINX_P99

# save_bytes SIZE PORT: keeps each page's bytes and content type for nginx (once per size).
save_bytes() {
    local size="$1" port="$2" page meta f
    [[ -z "${BYTES[$size ${PAGES[0]}]:-}" ]] || return 0
    mkdir -p "$TMP/www/$size"
    for page in "${PAGES[@]}"; do
        f="$TMP/www/$size/$(slug_of "$page")"
        meta="$(curl -s --max-time 60 -o "$f" -w '%{http_code} %{content_type}' "http://$HOST:$port$page")"
        [[ "${meta%% *}" == 200 ]] || die "GET $page answered ${meta%% *}"
        CTYPE["$size $page"]="${meta#* }" BYTES["$size $page"]="$(stat -c %s "$f")"
    done
}

# measure ENGINE SIZE CACHE: one node; idle RSS, the map alone, every page under wrk, then the full-cache RSS.
measure() {
    local engine="$1" size="$2" cache="$3" key="$1 $2 $3" page pid
    start_node pid "$PORT" "$engine" "$cache" "$TMP/serve-$engine-$size-$cache.log"
    LDP_PID="$pid"
    sleep 2
    IDLE_RSS["$key"]="$(rss_kib "$pid")"
    TOTAL["$engine $size"]="$(curl -s "http://$HOST:$PORT/api/v1/partnerships?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
    save_bytes "$size" "$PORT"
    [[ "$cache" == on ]] || MAP_MS["$key"]="$(alone_ms "http://$HOST:$PORT/tr/map")"
    log "$key: ${TOTAL[$engine $size]} relations, idle RSS $(kib_to_mib "${IDLE_RSS[$key]}") MiB after a warm start${MAP_MS[$key]:+, /tr/map alone ${MAP_MS[$key]} ms}"
    for page in "${PAGES[@]}"; do
        run_wrk "$engine-$size-$cache-$(slug_of "$page")-warmup" "http://$HOST:$PORT$page" "$WARMUP"
        wait_idle "$pid"
        run_wrk "$engine-$size-$cache-$(slug_of "$page")" "http://$HOST:$PORT$page" "$DURATION"
        check_alive "$pid" ldp "$TMP/serve-$engine-$size-$cache.log"
        wait_idle "$pid"
        RPS["$key $page"]="$WRK_RPS" P99["$key $page"]="$WRK_P99"
        log "$key $page: $WRK_RPS req/s, p99 $WRK_P99 ms"
    done
    if [[ "$cache" != off ]]; then
        FILL["$key"]="$(python3 "$HELPER" fill "http://$HOST:$PORT" "$FILL_LIMIT")"
        wait_idle "$pid"
        FULL_RSS["$key"]="$(rss_kib "$pid")"
        log "$key: after requesting every page (${FILL[$key]}: requests errors seconds) RSS $(kib_to_mib "${FULL_RSS[$key]}") MiB"
    fi
    stop_ldp
}

# nginx_measure SIZE: nginx serving the saved bytes of SIZE, each page under wrk.
nginx_measure() {
    local size="$1" page conf="$TMP/nginx/nginx.conf"
    [[ -z "${NGINX_RPS[$size ${PAGES[0]}]:-}" ]] || return 0
    mkdir -p "$TMP/nginx/logs"
    chmod -R a+rX "$TMP/www" && chmod 755 "$TMP"
    {
        echo "daemon off; worker_processes 1; pid $TMP/nginx/nginx.pid; error_log $TMP/nginx/logs/error.log warn;"
        echo "events { worker_connections 1024; }"
        echo "http { access_log off; sendfile on; keepalive_requests 1000000; types {}"
        for d in client_body proxy fastcgi uwsgi scgi; do echo "  ${d}_temp_path $TMP/nginx/$d;"; done
        echo "  server { listen $HOST:$NGINX_PORT;"
        for page in "${PAGES[@]}"; do
            echo "    location = $page { default_type \"${CTYPE[$size $page]}\"; root $TMP/www/$size; try_files /$(slug_of "$page") =404; }"
        done
        echo "  }"
        echo "}"
    } >"$conf"
    port_free "$NGINX_PORT" || die "something already answers on $HOST:$NGINX_PORT"
    "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$conf" 2>"$TMP/nginx-stderr.log" &
    NGINX_PID=$!
    wait_first_200 "http://$HOST:$NGINX_PORT${PAGES[1]}" "$NGINX_PID" "$(now_ns)" "$TMP/nginx/logs/error.log" >/dev/null ||
        die "nginx did not start"
    for page in "${PAGES[@]}"; do
        curl -s -o "$TMP/check" "http://$HOST:$NGINX_PORT$page"
        cmp -s "$TMP/check" "$TMP/www/$size/$(slug_of "$page")" || die "nginx does not serve the saved bytes of $page"
        run_wrk "nginx-$size-$(slug_of "$page")-warmup" "http://$HOST:$NGINX_PORT$page" "$WARMUP"
        run_wrk "nginx-$size-$(slug_of "$page")" "http://$HOST:$NGINX_PORT$page" "$DURATION"
        NGINX_RPS["$size $page"]="$WRK_RPS" NGINX_P99["$size $page"]="$WRK_P99"
        log "nginx $size $page: $WRK_RPS req/s, p99 $WRK_P99 ms"
    done
    stop_others_nginx
}
stop_others_nginx() {
    local pg="$PG_DB" started=("${STARTED[@]}")
    PG_DB="" STARTED=()
    stop_others
    PG_DB="$pg" STARTED=("${started[@]}")
}

# two_nodes SIZE: nodes A and B on the PostgreSQL database under wrk together, then the invalidation delay.
TWO_NODE="" INVALIDATION=""
two_nodes() {
    local size="$1" cache="${CACHE_MODES[-1]}" pid_a token rps_a rps_b half=$((CONNECTIONS / 2))
    printf '%s\n' 'bench two nodes' | ldp_on postgres user add --email matrix@example.org --role staff --password-stdin >/dev/null 2>&1 ||
        die "ldp user add failed"
    token="$(ldp_on postgres token create matrix --user matrix@example.org 2>/dev/null | tail -n 1)"
    start_node pid_a "$PORT" postgres "$cache" "$TMP/serve-two-a.log"
    LDP_PID="$pid_a"
    start_node PID_B "$PORT_B" postgres "$cache" "$TMP/serve-two-b.log"
    local w secs
    for secs in "$WARMUP" "$DURATION"; do
        # Only the two wrk processes are waited for (the nodes are children of this shell too).
        wrk -t1 -c"$half" -d"${secs}s" --latency "http://$HOST:$PORT/tr/partnerships" >"$OUT_DIR/matrix-wrk-two-a.txt" 2>&1 &
        w=$!
        wrk -t1 -c"$half" -d"${secs}s" --latency "http://$HOST:$PORT_B/tr/partnerships" >"$OUT_DIR/matrix-wrk-two-b.txt" 2>&1 || true
        wait "$w" || true
    done
    read -r rps_a _ < <(parse_wrk "$OUT_DIR/matrix-wrk-two-a.txt")
    read -r rps_b _ < <(parse_wrk "$OUT_DIR/matrix-wrk-two-b.txt")
    TWO_NODE="$(awk -v a="$rps_a" -v b="$rps_b" 'BEGIN { printf "%.0f (A %.0f + B %.0f)", a + b, a, b }')"
    log "two nodes, /tr/partnerships, $half connections each: $TWO_NODE req/s"
    if [[ "$cache" == none ]]; then
        INVALIDATION="unavailable: no page cache in this binary (each node reads the database on every request, so there is nothing to invalidate)"
    else
        INVALIDATION="$(python3 "$HELPER" invalidate "http://$HOST:$PORT" "http://$HOST:$PORT_B" "$token" "$INVALIDATION_TIMEOUT" 5)"
        [[ "$INVALIDATION" != *timeout* ]] ||
            INVALIDATION="unavailable: node B still served the old page after ${INVALIDATION_TIMEOUT} s (no change feed?): $INVALIDATION"
    fi
    log "invalidation delay (ms, write on A to changed page on B): $INVALIDATION"
    stop_pid "$PID_B"
    PID_B=""
    stop_ldp
}

import_pairs() {
    local engine="$1" file="$2" what="$3" t0
    t0="$(now_ns)"
    timeout "$IMPORT_TIMEOUT" bash -c 'cd "$1" && shift && exec "$@"' _ "$TMP" env -u LDP_CONFIG -u LDP_DATABASE_URL \
        "$LDP_BIN" import partnerships "$file" --report "$TMP/report.csv" $(engine_args "$engine") >"$TMP/import.log" 2>&1 ||
        { tail -n 20 "$TMP/import.log" >&2; die "import of $what on $engine failed"; }
    log "$engine: imported $what in $(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s: $(grep -E '^[0-9]+ rows: ' "$TMP/import.log" | tail -n 1)"
}

# ---------------------------------------------------------------------------------------------- run
mkdir -p "$OUT_DIR"
lock_port
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ldp-bench-matrix.XXXXXX")"
note_load_before
log "binary: $LDP_BIN; engines: $ENGINES; ${SCALE}x; wrk -t1 -c$CONNECTIONS ${WARMUP}s + ${DURATION}s per page"
gzip -dc "$PAIRS_GZ" >"$TMP/twin_cities.csv"
SIZES=(real large)
for engine in $ENGINES; do
    if [[ "$engine" == postgres ]]; then
        PG_DB="ldp_bench_$$_$RANDOM"
        createdb -h 127.0.0.1 -U postgres "$PG_DB" || die "createdb $PG_DB failed (PG_URL=$PG_URL)"
    fi
    ldp_on "$engine" import reference >"$TMP/reference.log" 2>&1 || { tail -n 20 "$TMP/reference.log" >&2; die "ldp import reference failed on $engine"; }
    import_pairs "$engine" "$TMP/twin_cities.csv" "the real twin-city list"
    for size in "${SIZES[@]}"; do
        if [[ "$size" == large ]]; then
            [[ -f "$TMP/synthetic.csv" ]] ||
                python3 "$REPO_ROOT/bench/synthetic_pairs.py" -n $((TOTAL[$engine real] * SCALE)) -o "$TMP/synthetic.csv" 2>"$TMP/synthetic.log" ||
                die "bench/synthetic_pairs.py failed: $(cat "$TMP/synthetic.log")"
            import_pairs "$engine" "$TMP/synthetic.csv" "$(($(wc -l <"$TMP/synthetic.csv") - 1)) synthetic pairs"
        fi
        for cache in "${CACHE_MODES[@]}"; do measure "$engine" "$size" "$cache"; done
        nginx_measure "$size"
    done
    [[ "$engine" != postgres ]] || two_nodes large
    if [[ "$engine" == postgres ]]; then
        dropdb --if-exists --force -h 127.0.0.1 -U postgres "$PG_DB" >/dev/null 2>&1 || true
        PG_DB=""
    fi
done

# ---------------------------------------------------------------------------------------------- report
note_run_info
size_label() { [[ "$1" == real ]] && echo "real" || echo "${SCALE}x"; }
verdict() { if awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { exit !((op == "le") ? (v <= t) : (v >= t)) }'; then echo "met"; else echo "NOT met"; fi; }
report() {
    local engine size cache page key worst
    echo "# ldp benchmark matrix (issue 14)"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $COMMIT; binary: ${LDP_BIN#"$REPO_ROOT"/}"
    echo "- machine: $(nproc) CPUs, $CPU; 1-minute load average $LOAD_BEFORE before the run, $LOAD_AFTER after"
    echo "- load: wrk -t1 -c$CONNECTIONS -d${DURATION}s --latency after a ${WARMUP}s warm-up, on 127.0.0.1; nginx serves the bytes ldp sent"
    echo "- $CACHE_NOTE; relations: $(for e in $ENGINES; do echo -n "$e ${TOTAL[$e real]} / ${TOTAL[$e large]}; "; done)"
    echo
    row engine size cache page "ldp req/s" "ldp p99 ms" "nginx req/s" "nginx p99 ms" "ldp/nginx req/s" bytes
    row --- --- --- --- ---: ---: ---: ---: ---: ---:
    for engine in $ENGINES; do for size in "${SIZES[@]}"; do for cache in "${CACHE_MODES[@]}"; do for page in "${PAGES[@]}"; do
        key="$engine $size $cache $page"
        row "$engine" "$(size_label "$size")" "$cache" "\`$page\`" "$(int "${RPS[$key]}")" "${P99[$key]}" \
            "$(int "${NGINX_RPS[$size $page]}")" "${NGINX_P99[$size $page]}" "$(ratio "${RPS[$key]}" "${NGINX_RPS[$size $page]}")" \
            "$(thousands "${BYTES[$size $page]}")"
    done; done; done; done
    echo
    echo "## Targets (reported, never enforced)"
    echo
    row measure engine figure target verdict
    row --- --- ---: ---: ---
    local uncached="${CACHE_MODES[0]}" cached="${CACHE_MODES[-1]}"
    for engine in $ENGINES; do
        if [[ "$cached" == on ]]; then
            worst="$(for size in "${SIZES[@]}"; do for page in "${PAGES[@]}"; do ratio "${RPS[$engine $size on $page]}" "${NGINX_RPS[$size $page]}"; echo; done; done | sort -g | head -n 1)"
            row "cached public pages, lowest ldp/nginx req/s" "$engine" "$worst" "≥ 0.5" "$(verdict "$worst" 0.5 ge)"
        else
            row "cached public pages, ldp/nginx req/s" "$engine" "no cache" "≥ 0.5" "n/a"
        fi
        for size in "${SIZES[@]}"; do
            local limit=15
            [[ "$size" == real ]] || limit=30
            worst="$(for page in "${LIST_PAGES[@]}"; do echo "${P99[$engine $size $uncached $page]}"; done | sort -g | tail -n 1)"
            row "uncached list pages, highest p99 at $(size_label "$size") (ms)" "$engine" "$worst" "≤ $limit" "$(verdict "$worst" "$limit" le)"
        done
        row "uncached \`/tr/map\` alone at ${SCALE}x (ms, median of 5)" "$engine" "${MAP_MS[$engine large $uncached]}" "≤ 50" "$(verdict "${MAP_MS[$engine large $uncached]}" 50 le)"
        if [[ "$cached" == on ]]; then
            row "RSS at ${SCALE}x with a full cache (MiB)" "$engine" "$(kib_to_mib "${FULL_RSS[$engine large on]}")" "≤ 128" "$(verdict "$(kib_to_mib "${FULL_RSS[$engine large on]}")" 128 le)"
        else
            row "RSS at ${SCALE}x after every page was requested, no cache (MiB)" "$engine" "$(kib_to_mib "${FULL_RSS[$engine large none]}")" "≤ 128" "$(verdict "$(kib_to_mib "${FULL_RSS[$engine large none]}")" 128 le)"
        fi
        for size in "${SIZES[@]}"; do
            row "idle RSS after a warm start, $(size_label "$size") (MiB)" "$engine" "$(kib_to_mib "${IDLE_RSS[$engine $size $uncached]}")" "≤ 64" "$(verdict "$(kib_to_mib "${IDLE_RSS[$engine $size $uncached]}")" 64 le)"
        done
    done
    if [[ " $ENGINES " == *" postgres "* ]]; then
        echo
        echo "## Two nodes on one PostgreSQL (${SCALE}x, cache ${CACHE_MODES[-1]})"
        echo
        row measure value
        row --- ---:
        row "\`/tr/partnerships\` req/s, $((CONNECTIONS / 2)) wrk connections on each node at once" "$TWO_NODE"
        row "invalidation delay: write on A to changed \`/tr/\` on B (ms, 5 writes)" "$INVALIDATION"
    fi
    echo
    echo "Full cache: every page the crawler in \`bench/matrix_helper.py\` finds, up to $FILL_LIMIT requests (${FILL[*]:-}: requests errors seconds)."
    echo "Idle RSS: 2 s after the first page of a warm start. \`/tr/map\` alone: median of 5 sequential requests on the idle, uncached node."
    report_wrk_errors
}
report | tee "$OUT_DIR/matrix.md"
log "wrote $OUT_DIR/matrix.md"
warn_wrk_errors
