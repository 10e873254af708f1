# shellcheck shell=bash
# Helpers shared by bench/run.sh and bench/partnerships.sh, which source this file right after
# `set -euo pipefail`. Sourcing only defines functions and a few variables (REPO_ROOT, TMP, LDP_PID,
# ERRORS_TOTAL, ERROR_LINES); nothing is started, installed or trapped until a script calls for it.
# The functions read the scripts' knobs (HOST, PORT, OUT_DIR, START_TIMEOUT, ...) as globals.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# ---------------------------------------------------------------------------------------------- knobs
# Knobs both scripts take (see their --help); each script sets its own ones after this.
# shellcheck disable=SC2034 # read by the scripts that source this file
common_knobs() {
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
    START_TIMEOUT="${START_TIMEOUT:-180}"
    OUT_DIR="${OUT_DIR:-$REPO_ROOT/bench/out}"
    BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"
    HOST=127.0.0.1
}

# check_positive_ints SCRIPT VAR...: exits 2 unless each named variable holds a positive integer.
check_positive_ints() {
    local script="$1" v
    shift
    for v in "$@"; do
        if ! [[ "${!v}" =~ ^[0-9]+$ ]] || ((${!v} < 1)); then
            echo "$script: $v must be a positive integer (got '${!v}')" >&2
            exit 2
        fi
    done
}

# ---------------------------------------------------------------------------------------------- cleanup
TMP=""
LDP_PID=""

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

# keep_log_tails PREFIX WHAT FILE...: for the post-mortem of a failed run, copies the last 300 lines of each
# non-empty FILE (the server logs hold one line per request) to OUT_DIR/PREFIX<file name>.
keep_log_tails() {
    local prefix="$1" what="$2" f kept=0
    shift 2
    for f in "$@"; do
        if [[ -s "$f" ]]; then
            tail -n 300 "$f" >"$OUT_DIR/$prefix$(basename "$f")"
            kept=1
        fi
    done
    ((kept == 0)) || log "$what kept in $OUT_DIR/${prefix}*.log"
}

# Hooks of cleanup, redefined by a script that needs them: stop_others stops what it started besides ldp,
# keep_failed_logs calls keep_log_tails on its logs (only when the run failed).
stop_others() { :; }
keep_failed_logs() { :; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_ldp
    stop_others
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if ((rc != 0)) && [[ -d "$OUT_DIR" ]]; then
            keep_failed_logs
        fi
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}

# From here on every exit stops ldp (and what stop_others stops) and removes TMP.
trap_cleanup() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# ---------------------------------------------------------------------------------------------- tools
# install_pkgs PACKAGE...: installs the given Debian packages (as root, or through sudo); nothing when none is
# given.
install_pkgs() {
    (($#)) || return 0
    local pkgs=("$@") sudo=()
    log "installing ${pkgs[*]} from Debian"
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null ||
        {
            # nginx-light is a transitional package on some releases; plain nginx does the same job here.
            [[ " ${pkgs[*]} " == *" nginx-light "* ]] || exit 1
            pkgs=("${pkgs[@]/nginx-light/nginx}")
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
        }
}

# Sets LDP_BIN to the absolute path of the binary under test: LDP_BIN if given, else target/release/ldp, which
# is built with cargo when missing.
resolve_ldp_bin() {
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
}

# ---------------------------------------------------------------------------------------------- helpers
now_ns() { date +%s%N; }

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

# check_alive PID WHAT LOGFILE: fails the run when the server under load has died.
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
int() { awk -v a="$1" 'BEGIN { printf "%.0f", a }'; }
# ratio A B -> A/B with two decimals, "n/a" when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

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

# serve_ldp LOGFILE FAIL_MESSAGE DATA_DIR [PREFIX...]: starts `ldp serve` on DATA_DIR and HOST:PORT, its output
# in LOGFILE, run through the command PREFIX (e.g. env -u VAR) if given; waits for the first 200 of /tr/.
# Sets LDP_PID and START_MS; dies with FAIL_MESSAGE when it does not start.
# shellcheck disable=SC2034 # START_MS is read by the scripts that source this file
serve_ldp() {
    local logfile="$1" fail="$2" dir="$3" t0
    shift 3
    port_free "$PORT" || die "something already answers on $HOST:$PORT (set PORT=...)"
    t0="$(now_ns)"
    # cwd is the temp dir so that no ./ldp.toml is picked up; the flags win over any LDP_* variables. The
    # subshell execs the prefix (if any), which execs ldp: $! is the server's own pid.
    (cd "$TMP" && exec "$@" "$LDP_BIN" serve --data-dir "$dir" --listen "$HOST:$PORT") 2>"$logfile" >&2 &
    LDP_PID=$!
    START_MS="$(wait_first_200 "http://$HOST:$PORT/tr/" "$LDP_PID" "$t0" "$logfile")" || die "$fail"
    owns_port "$LDP_PID" "$PORT" ||
        die "the first page on $HOST:$PORT did not come from the ldp just started (pid $LDP_PID): another server took the port?"
}

stop_ldp() {
    stop_pid "$LDP_PID"
    LDP_PID=""
}

# ---------------------------------------------------------------------------------------------- wrk
# Parses a wrk output file: prints "req_per_s p99_ms errors completed_requests timeouts".
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
        / requests in / { done = $1 }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { v = $i; sub(/,/, "", v); err += v }
            to = $NF
        }
        END {
            if (rps == "") rps = 0
            if (p99 == "") p99 = 0
            if (done == "") done = 0
            printf "%s %.2f %d %d %d\n", rps, p99, err, done, to
        }' "$1"
}

ERRORS_TOTAL=0
ERROR_LINES=()

# count_wrk_errors NAME URL OUTPUT ERRORS: adds the non-2xx/3xx responses and socket errors of one wrk run
# (ERRORS, from parse_wrk on OUTPUT) to ERRORS_TOTAL and ERROR_LINES, and logs them.
count_wrk_errors() {
    local name="$1" url="$2" out="$3" errs="$4" detail
    ((errs > 0)) || return 0
    detail="$(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ' | sed 's/^ //' | paste -sd ';' -)"
    ERRORS_TOTAL=$((ERRORS_TOTAL + errs))
    ERROR_LINES+=("$name ($url): $detail")
    log "wrk $name: $errs errors: $detail"
}

warn_wrk_errors() {
    if ((ERRORS_TOTAL > 0)); then
        log "warning: wrk reported $ERRORS_TOTAL non-2xx/3xx responses or socket errors (see above)"
    fi
}

# ---------------------------------------------------------------------------------------------- run
# One run per port at a time, shared by both scripts: two runs on one port would answer each other's
# requests. The lock is held on fd 9 until the script exits.
lock_port() {
    exec 9>"${TMPDIR:-/tmp}/ldp-bench.$PORT.lock"
    if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
        die "another bench run holds ${TMPDIR:-/tmp}/ldp-bench.$PORT.lock (use another PORT)"
    fi
}

# 1-minute load average, "?" when unknown.
load_avg() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'; }

# Sets LOAD_BEFORE; warns when the machine is already busy.
note_load_before() {
    LOAD_BEFORE="$(load_avg)"
    if awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l + 0 >= 0.5) }'; then
        log "warning: load average is $LOAD_BEFORE before the run: other work on this machine will skew the figures"
    fi
}

# ---------------------------------------------------------------------------------------------- report
# For the report header: sets LOAD_AFTER, COMMIT (marked when the work tree has uncommitted changes) and CPU.
# shellcheck disable=SC2034 # read by the scripts that source this file
note_run_info() {
    LOAD_AFTER="$(load_avg)"
    COMMIT="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
    if [[ "$COMMIT" != unknown ]] && ! git -C "$REPO_ROOT" diff --quiet HEAD -- 2>/dev/null; then
        COMMIT="$COMMIT (with uncommitted changes)"
    fi
    CPU="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
    CPU="${CPU:-unknown}"
}

# One Markdown table row of the given cells.
row() {
    local out="|" c
    for c in "$@"; do out+=" $c |"; done
    echo "$out"
}

# The list of wrk errors that closes a report, when there were any.
report_wrk_errors() {
    if ((${#ERROR_LINES[@]})); then
        echo
        echo "wrk reported errors:"
        local l
        for l in "${ERROR_LINES[@]}"; do echo "- $l"; done
    fi
}

# ---------------------------------------------------------------------------------------------- shared by
# partnerships.sh and accounts.sh (they set TMP and LDP_BIN first)
# Runs ldp from the temp dir (so that no ./ldp.toml is read) without a config file or database URL from the
# environment: every run uses SQLite in the --data-dir it is given.
ldp() { (cd "$TMP" && exec env -u LDP_CONFIG -u LDP_DATABASE_URL "$LDP_BIN" "$@"); }

# Thousands separators: 25917 -> 25,917.
thousands() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }

# CPU ticks (user + system) used so far by a pid.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Waits until the server has finished the requests wrk left behind (it keeps working on them after wrk has
# gone): until it uses under 10% of a CPU for half a second. Gives up after 120 s.
wait_idle() {
    local pid="$1" prev cur quiet=0 i hz
    hz="$(getconf CLK_TCK 2>/dev/null || echo 100)"
    prev="$(cpu_ticks "$pid")"
    for ((i = 0; i < 480; i++)); do
        sleep 0.25
        cur="$(cpu_ticks "$pid")"
        if ((cur - prev <= hz / 40)); then
            quiet=$((quiet + 1))
            ((quiet < 2)) || return 0
        else
            quiet=0
        fi
        prev="$cur"
    done
    log "warning: ldp still busy 120 s after the load stopped"
}
