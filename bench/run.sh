#!/usr/bin/env bash
# Tollgate load benchmark: Tollgate's HTTP_PROXY and MOCK integrations against nginx proxy_pass and
# against the backend itself, side by side in one run, plus start-up time and idle memory with a
# 1,000-resource API. Writes bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                      # everything, defaults
#   RUNS=5 DURATION=20s bench/run.sh  # longer
#   SKIP_TOLLGATE=1 bench/run.sh      # only the direct and nginx scenarios
#   TOLLGATE_BIN=/path/to/tollgate bench/run.sh
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
TEMPLATES=$BENCH_DIR/templates

# ---- parameters (all overridable from the environment) ----------------------------------------
RUNS=${RUNS:-3}                      # measured runs per scenario
DURATION=${DURATION:-10s}            # wrk -d of each measured run
WARMUP=${WARMUP:-2s}                 # wrk -d of the warm-up before each measured run
CONNS=${CONNS:-32}                   # wrk -c
WRK_THREADS=${WRK_THREADS:-1}        # wrk -t
PROXY_CPU=${PROXY_CPU:-0}            # core of the proxy under test (nginx proxy / tollgate)
LOAD_CPU=${LOAD_CPU:-1}              # core of wrk and of the backend
STARTUP_RUNS=${STARTUP_RUNS:-3}
STARTUP_RESOURCES=${STARTUP_RESOURCES:-1000}
STARTUP_TIMEOUT_S=${STARTUP_TIMEOUT_S:-30}
SKIP_TOLLGATE=${SKIP_TOLLGATE:-0}
SKIP_STARTUP=${SKIP_STARTUP:-0}
QUIET_WAIT_S=${QUIET_WAIT_S:-0}      # wait up to this long for other processes to leave the cores idle
RETRY_NOISY=${RETRY_NOISY:-8}        # in all: repeats of runs during which other processes used the cores
QUIET_RETRY_WAIT_S=${QUIET_RETRY_WAIT_S:-60}   # before such a repeat, wait up to this long for quiet
BASE_PORT=${BASE_PORT:-18400}        # first port tried; the next free ones are used
OUT_DIR=${OUT_DIR:-$BENCH_DIR/out}
RESULTS_FILE=${RESULTS_FILE:-$BENCH_DIR/RESULTS.md}
STAGE=bench
BG_NOISY=0
REPEATED_RUNS=0
NOISY_RUNS=()    # scenario#run of runs during which other processes used > 10% of a core
BG_LOAD_before=n/a
BG_LOAD_after=n/a
API_NAME=tollgate-bench

CLK_TCK=$(getconf CLK_TCK)

# ---- logging and process bookkeeping ----------------------------------------------------------
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

STARTED_PIDS=()   # every process this script started and that may still run

# Stop one process: SIGTERM, wait up to 10 s, then SIGKILL. Only ever a pid we started.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    trap - EXIT
    if ((${#STARTED_PIDS[@]})); then
        # Newest first: proxies before the backend.
        for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
            pid=${STARTED_PIDS[i]}
            stop_pid "$pid"
        done
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {
    local pid=$1 p keep=()
    for p in "${STARTED_PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    STARTED_PIDS=("${keep[@]}")
}

# ---- small helpers ----------------------------------------------------------------------------

# Replace @KEY@ by value in a template: render TEMPLATE OUT KEY=VALUE...
render() {
    local tmpl=$1 out=$2 text kv
    shift 2
    text=$(<"$tmpl")
    for kv in "$@"; do
        text=${text//"@${kv%%=*}@"/"${kv#*=}"}
    done
    [[ ! $text =~ @[A-Z_]+@ ]] || die "unreplaced placeholder ${BASH_REMATCH[0]} left in $out"
    printf '%s\n' "$text" >"$out"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

NEXT_PORT=$BASE_PORT
# alloc_port VAR: set VAR to the next port from NEXT_PORT on that nothing listens on; never hands
# out the same port twice in a run.
alloc_port() {
    local -n ref=$1
    local tries=0
    while port_in_use "$NEXT_PORT"; do
        NEXT_PORT=$((NEXT_PORT + 1))
        ((++tries < 200)) || die "no free port from $BASE_PORT"
    done
    # shellcheck disable=SC2034  # a nameref: sets the caller's variable
    ref=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
}

# utime+stime of one process (all its threads, live and exited), in clock ticks.
proc_ticks() {
    local stat rest
    stat=$(<"/proc/$1/stat") || die "process $1 is gone"
    rest=${stat##*) }          # fields from 3 (state) on; comm may hold spaces
    local -a fields
    read -ra fields <<<"$rest"
    echo $((fields[11] + fields[12]))    # fields 14 and 15
}

# ticks_of PID...: their CPU ticks; `tree:PID` counts PID and its children (function workers).
ticks_of() {
    local t=0 p k
    for p in "$@"; do
        if [[ $p == tree:* ]]; then
            p=${p#tree:}
            for k in $(children_of "$p"); do t=$((t + $(proc_ticks "$k" 2>/dev/null || echo 0))); done
        fi
        t=$((t + $(proc_ticks "$p")))
    done
    echo "$t"
}

# A /proc/PID/status field in kB (VmHWM, VmRSS).
proc_kb() { awk -v k="$2:" '$1 == k { print $2; found = 1 } END { if (!found) exit 1 }' "/proc/$1/status"; }

# "busy total" jiffies of one CPU from /proc/stat.
cpu_jiffies() {
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# Children of a process (nginx workers of a master).
children_of() {
    local kids
    kids=$(cat "/proc/$1/task/"*/children 2>/dev/null || true)
    [[ -n ${kids// /} ]] || kids=$(pgrep -P "$1" || true)
    # shellcheck disable=SC2086  # one line, space separated
    echo $kids
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Wait (bounded) until URL answers 200; fail with the log of PID if it dies first.
wait_for_200() {
    local url=$1 pid=$2 what=$3 errlog=$4 timeout_s=${5:-60} i
    for ((i = 0; i < timeout_s * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$errlog" >&2 || true; die "$what exited during start-up"; }
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]] && return 0
        sleep 0.05
    done
    tail -n 30 "$errlog" >&2 || true
    die "$what did not answer 200 on $url within ${timeout_s}s"
}

# ---- step 1: tools and the tollgate binary ----------------------------------------------------

APT_UPDATED=0
apt_install() {
    [[ $EUID -eq 0 ]] || die "missing $*; install them (apt-get install -y $*) or run as root"
    command -v apt-get >/dev/null || die "missing $* and no apt-get to install them"
    if ((!APT_UPDATED)); then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_tools() {
    local missing=()
    NGINX_BIN=${NGINX_BIN:-$(command -v nginx || true)}
    [[ -n $NGINX_BIN ]] || { [[ -x /usr/sbin/nginx ]] && NGINX_BIN=/usr/sbin/nginx; }
    [[ -n $NGINX_BIN ]] || missing+=(nginx)
    command -v wrk >/dev/null || missing+=(wrk)
    command -v curl >/dev/null || missing+=(curl)
    command -v taskset >/dev/null || missing+=(util-linux)
    if ((${#missing[@]})); then
        apt_install "${missing[@]}"
        NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
    fi
    [[ -x $NGINX_BIN ]] || die "nginx not found after install"
    (($(nproc) >= 2)) || log "WARNING: fewer than 2 CPUs; the core pinning below overlaps"
    taskset -c "$PROXY_CPU,$LOAD_CPU" true || die "cannot pin to cores $PROXY_CPU and $LOAD_CPU"
}

ensure_tollgate() {
    ((!SKIP_TOLLGATE)) || return 0
    if [[ -n ${TOLLGATE_BIN:-} ]]; then
        [[ -x $TOLLGATE_BIN ]] || die "TOLLGATE_BIN=$TOLLGATE_BIN is not executable"
        TOLLGATE_BIN=$(cd "$(dirname "$TOLLGATE_BIN")" && pwd)/$(basename "$TOLLGATE_BIN")
        RUST_FN_DIR=${RUST_FN_DIR:-$(dirname "$TOLLGATE_BIN")}
        [[ -x $RUST_FN_DIR/bootstrap ]] || die "no function bootstrap in $RUST_FN_DIR (build serverless-example-fn or set RUST_FN_DIR)"
        return 0
    fi
    command -v cargo >/dev/null || die "cargo not found; set TOLLGATE_BIN or install Rust"
    log "cargo build --release -p tollgate${CARGO_TARGET_DIR:+ (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)}"
    (cd "$REPO_DIR" && cargo build --release -p tollgate) || die "cargo build failed"
    local target_dir
    target_dir=$(cd "$REPO_DIR" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    if [[ -z $target_dir ]]; then
        target_dir=${CARGO_TARGET_DIR:-$REPO_DIR/target}
        [[ $target_dir == /* ]] || target_dir=$REPO_DIR/$target_dir
    fi
    TOLLGATE_BIN=$target_dir/release/tollgate
    [[ -x $TOLLGATE_BIN ]] || die "built, but no binary at $TOLLGATE_BIN"
    log "cargo build --release -p serverless-example-fn (the Lambda scenario's function)"
    (cd "$REPO_DIR" && cargo build --release -p serverless-example-fn) || die "cargo build failed"
    RUST_FN_DIR=$target_dir/release
    [[ -x $RUST_FN_DIR/bootstrap ]] || die "built, but no function bootstrap in $RUST_FN_DIR"
}

# ---- step 2: work dir and the backend ---------------------------------------------------------

setup_workdir() {
    mkdir -p "$OUT_DIR"
    WORK=$OUT_DIR/run-$(date +%Y%m%d-%H%M%S)-$$
    mkdir -p "$WORK"
    ln -sfn "$(basename "$WORK")" "$OUT_DIR/latest"
    printf 'scenario\trun\trps\tp50_us\tp99_us\trequests\tnon2xx\tsocket_errors\tcpu_ticks\tcpu_us_per_req\trss_kb\tcore_proxy_busy_pct\tcore_load_busy_pct\twrk_cpu_pct\tother_cpu_pct\n' \
        >"$WORK/runs.tsv"
    log "work dir: $WORK"
}

# start_nginx NAME TEMPLATE CPU PORT [KEY=VALUE...]: sets NGINX_MASTER and NGINX_WORKERS.
start_nginx() {
    local name=$1 tmpl=$2 cpu=$3 port=$4
    shift 4
    local dir=$WORK/$name user_line=""
    mkdir -p "$dir/tmp"
    [[ $EUID -ne 0 ]] || user_line="user root;"
    render "$tmpl" "$dir/nginx.conf" "DIR=$dir" "PORT=$port" "USER_LINE=$user_line" "$@"
    "$NGINX_BIN" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" ||
        die "nginx config $dir/nginx.conf rejected"
    taskset -c "$cpu" "$NGINX_BIN" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
        >"$dir/stdout.log" 2>&1 &
    NGINX_MASTER=$!
    STARTED_PIDS+=("$NGINX_MASTER")
    wait_for_200 "http://127.0.0.1:$port/" "$NGINX_MASTER" "nginx ($name)" "$dir/error.log" 10
    NGINX_WORKERS=$(children_of "$NGINX_MASTER")
    [[ -n $NGINX_WORKERS ]] || die "nginx ($name) has no worker process"
    log "nginx $name: 127.0.0.1:$port, master $NGINX_MASTER, worker(s) $NGINX_WORKERS, core $cpu"
}

start_backend() {
    alloc_port BACKEND_PORT
    # The backend also serves the JWT issuer (OIDC discovery + JWKS) of the full-pipeline scenario.
    JWT_ISSUER=http://127.0.0.1:$BACKEND_PORT/issuer
    mkdir -p "$WORK/jwt"
    JWT_TOKEN=$(python3 "$TEMPLATES/make_jwt.py" "$WORK/jwt" "$JWT_ISSUER") || die "cannot make the JWT key material"
    start_nginx backend "$TEMPLATES/backend.nginx.conf" "$LOAD_CPU" "$BACKEND_PORT" "JWT_DIR=$WORK/jwt"
    BACKEND_MASTER=$NGINX_MASTER
    BACKEND_WORKERS=$NGINX_WORKERS
    BACKEND_BODY='{"ok":true,"backend":"nginx"}'
}

# ---- step 3: scenarios ------------------------------------------------------------------------

# Fail loudly unless URL answers 200, Content-Type application/json and exactly BODY.
# check_response LABEL URL BODY [HEADER] [CURL_ARGS_FILE (one argument per line)]
check_response() {
    local label=$1 url=$2 body=$3 got code ctype
    local -a hdr=()
    [[ -z ${4:-} ]] || hdr=(-H "$4")
    [[ -z ${5:-} ]] || readarray -t -O "${#hdr[@]}" hdr <"$5"
    got=$(curl -sS --max-time 5 "${hdr[@]}" -D "$WORK/check.headers" -o "$WORK/check.body" \
        -w '%{http_code} %{content_type}' "$url") || die "$label: curl $url failed"
    code=${got%% *}
    ctype=${got#* }
    if [[ $code != 200 || $(<"$WORK/check.body") != "$body" || $ctype != application/json* ]]; then
        {
            echo "---- $label: GET $url"
            cat "$WORK/check.headers"
            cat "$WORK/check.body"
            echo
            echo "---- expected 200, application/json, body: $body"
        } >&2
        die "$label: unexpected response (status $code, content-type '$ctype', body above); refusing to benchmark it"
    fi
    local method=GET
    [[ -z ${5:-} ]] || method=$(grep -A1 -x -- -X "$5" | tail -n 1)
    log "$label: $method $url -> 200 $ctype $body"
}

# run_wrk DURATION URL OUTFILE: also writes OUTFILE.time with wrk's "wall user sys" seconds.
# run_wrk DURATION URL OUT [HEADER] [WRK_LUA_SCRIPT]
run_wrk() {
    local TIMEFORMAT='%3R %3U %3S' rc=0
    local -a hdr=()
    [[ -z ${4:-} ]] || hdr=(-H "$4")
    [[ -z ${5:-} ]] || hdr+=(-s "$5")
    { time taskset -c "$LOAD_CPU" wrk -t"$WRK_THREADS" -c"$CONNS" -d"$1" --latency "${hdr[@]}" "$2" >"$3" 2>&1 || rc=$?; } \
        2>"$3.time"
    ((rc == 0)) || { cat "$3" >&2; die "wrk failed against $2"; }
}

# Percent of its wall time that wrk spent on CPU (100 = it used a whole core).
wrk_cpu_pct() { awk '{ printf "%.0f", ($1 > 0 ? 100 * ($2 + $3) / $1 : 0) }' "$1.time"; }

# background_load SECONDS: "busy% of PROXY_CPU busy% of LOAD_CPU" while this script runs nothing.
background_load() {
    local p0 tp0 l0 tl0 p1 tp1 l1 tl1
    read -r p0 tp0 <<<"$(cpu_jiffies "$PROXY_CPU")"
    read -r l0 tl0 <<<"$(cpu_jiffies "$LOAD_CPU")"
    sleep "$1"
    read -r p1 tp1 <<<"$(cpu_jiffies "$PROXY_CPU")"
    read -r l1 tl1 <<<"$(cpu_jiffies "$LOAD_CPU")"
    awk -v a=$((p1 - p0)) -v b=$((tp1 - tp0)) -v c=$((l1 - l0)) -v d=$((tl1 - tl0)) \
        'BEGIN { printf "%.0f %.0f\n", b ? 100 * a / b : 0, d ? 100 * c / d : 0 }'
}

# wait_quiet SECONDS: wait, at most that long, until both cores are (almost) idle for 2 s.
wait_quiet() {
    local deadline=$((SECONDS + $1)) p l
    while ((SECONDS < deadline)); do
        read -r p l <<<"$(background_load 2)"
        ((p > 10 || l > 10)) || return 0
    done
    log "cores still busy with other processes (core$PROXY_CPU $p%, core$LOAD_CPU $l%); going on"
}

# Measure (and, with QUIET_WAIT_S, wait a bounded time for) an idle machine. Sets BG_LOAD_<when>.
check_background() {
    local when=$1 waited=0 p l
    while :; do
        read -r p l <<<"$(background_load 2)"
        ((p > 10 || l > 10)) || break
        ((waited < QUIET_WAIT_S)) || break
        log "background load core$PROXY_CPU $p%, core$LOAD_CPU $l%: waiting for a quieter machine"
        sleep 8
        waited=$((waited + 10))
    done
    printf -v "BG_LOAD_$when" 'core %s: %s%%, core %s: %s%%' "$PROXY_CPU" "$p" "$LOAD_CPU" "$l"
    if ((p > 10 || l > 10)); then
        log "WARNING: other processes use the benchmark cores ($when: core$PROXY_CPU $p%, core$LOAD_CPU $l%);" \
            "numbers will be noisy (see RESULTS.md)"
        BG_NOISY=1
    else
        log "background load $when: core$PROXY_CPU $p%, core$LOAD_CPU $l%"
    fi
}

# Parse wrk --latency output: prints "rps p50_us p99_us requests non2xx socket_errors".
parse_wrk() {
    awk '
        function us(v,   n, u) {
            n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
            if (u == "us") return n
            if (u == "ms") return n * 1000
            if (u == "s") return n * 1000000
            if (u == "m") return n * 60000000
            return -1
        }
        /^ +50(\.0+)?%/ { p50 = us($2) }
        /^ +99(\.0+)?%/ { p99 = us($2) }
        / requests in / { req = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
        END {
            if (rps == "" || p50 == "" || p99 == "" || req == "" || p50 < 0 || p99 < 0) exit 1
            printf "%s %s %s %s %d %d\n", rps, p50, p99, req, non2xx, sock
        }' "$1"
}

# The scenarios, by key, in the order they run within each round.
SCENARIOS=()
declare -A SC_LABEL SC_URL SC_BODY SC_RSS_PID SC_CPU_PIDS SC_OWN_PIDS SC_HEADER SC_WRK_SCRIPT SC_CURL_ARGS

# add_scenario KEY LABEL URL BODY RSS_PID CPU_PIDS...: CPU_PIDS are charged for CPU per request.
add_scenario() {
    local key=$1 pid own
    SC_LABEL[$key]=$2 SC_URL[$key]=$3 SC_BODY[$key]=$4 SC_RSS_PID[$key]=$5
    shift 5
    SC_CPU_PIDS[$key]="$*"
    # Our processes on the two cores besides wrk: the measured ones and the backend.
    own="$*"
    for pid in $BACKEND_MASTER $BACKEND_WORKERS; do
        [[ " $own " == *" $pid "* ]] || own+=" $pid"
    done
    SC_OWN_PIDS[$key]=$own
    SCENARIOS+=("$key")
}

RETRIES_LEFT=$RETRY_NOISY

# measure_run KEY RUN: warm up, then one measured wrk run; appends a line to runs.tsv. A run during
# which other processes used the cores is repeated (after a bounded wait for quiet) while the
# RETRY_NOISY budget lasts.
measure_run() {
    local key=$1 run=$2 label=${SC_LABEL[$1]} url=${SC_URL[$1]} out pid attempt=0
    local -a cpu_pids own_pids
    read -ra cpu_pids <<<"${SC_CPU_PIDS[$key]}"
    read -ra own_pids <<<"${SC_OWN_PIDS[$key]}"
    local t0 t1 o0 o1 p0 l0 p1 l1 tot_p0 tot_l0 tot_p1 tot_l1
    local rps p50 p99 req non2xx sock ticks cpu_us rss busy_p busy_l wrk_pct other_pct
    while :; do
        out=$WORK/wrk-$key-$run.txt
        run_wrk "$WARMUP" "$url" "$WORK/wrk-$key-$run-warmup.txt" "${SC_HEADER[$key]:-}" "${SC_WRK_SCRIPT[$key]:-}"
        t0=$(ticks_of "${cpu_pids[@]}")
        o0=$(ticks_of "${own_pids[@]}")
        read -r p0 tot_p0 <<<"$(cpu_jiffies "$PROXY_CPU")"
        read -r l0 tot_l0 <<<"$(cpu_jiffies "$LOAD_CPU")"
        run_wrk "$DURATION" "$url" "$out" "${SC_HEADER[$key]:-}" "${SC_WRK_SCRIPT[$key]:-}"
        for pid in "${own_pids[@]}"; do
            pid=${pid#tree:}
            kill -0 "$pid" 2>/dev/null || die "$label: process $pid died during run $run"
        done
        t1=$(ticks_of "${cpu_pids[@]}")
        o1=$(ticks_of "${own_pids[@]}")
        read -r p1 tot_p1 <<<"$(cpu_jiffies "$PROXY_CPU")"
        read -r l1 tot_l1 <<<"$(cpu_jiffies "$LOAD_CPU")"
        read -r rps p50 p99 req non2xx sock < <(parse_wrk "$out") || die "cannot parse $out"
        ((req > 0)) || die "$label: wrk completed no request (see $out)"
        ticks=$((t1 - t0))
        cpu_us=$(awk -v t="$ticks" -v hz="$CLK_TCK" -v r="$req" 'BEGIN { printf "%.2f", t / hz * 1e6 / r }')
        rss=$(proc_kb "${SC_RSS_PID[$key]}" VmHWM)
        busy_p=$(awk -v b=$((p1 - p0)) -v t=$((tot_p1 - tot_p0)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
        busy_l=$(awk -v b=$((l1 - l0)) -v t=$((tot_l1 - tot_l0)) 'BEGIN { printf "%.0f", t ? 100 * b / t : 0 }')
        wrk_pct=$(wrk_cpu_pct "$out")
        # CPU used on the two cores by anything but wrk, the backend and the proxy, in % of one core.
        other_pct=$(awk -v busy=$((p1 - p0 + l1 - l0)) -v own=$((o1 - o0)) -v wall=$((tot_l1 - tot_l0)) \
            -v hz="$CLK_TCK" '{ w = ($2 + $3) * hz; o = wall ? 100 * (busy - own - w) / wall : 0
                               printf "%.0f", o < 0 ? 0 : o }' "$out.time")
        ((other_pct > 10 && RETRIES_LEFT > 0)) || break
        # Another process took a share of the cores: this run says little. Keep its output aside,
        # wait (bounded) for the cores to calm down and run it again.
        attempt=$((attempt + 1))
        RETRIES_LEFT=$((RETRIES_LEFT - 1))
        REPEATED_RUNS=$((REPEATED_RUNS + 1))
        mv "$out" "$out.noisy-$attempt"
        mv "$out.time" "$out.noisy-$attempt.time"
        log "$label run $run: other processes used ${other_pct}% of a core ($rps req/s); repeating it" \
            "($RETRIES_LEFT repeats left)"
        wait_quiet "$QUIET_RETRY_WAIT_S"
    done
    ((other_pct <= 10)) || NOISY_RUNS+=("$key#$run")
    printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$run" "$rps" "$p50" \
        "$p99" "$req" "$non2xx" "$sock" "$ticks" "$cpu_us" "$rss" "$busy_p" "$busy_l" "$wrk_pct" "$other_pct" \
        >>"$WORK/runs.tsv"
    log "$label run $run/$RUNS: $rps req/s, p50 ${p50}us, p99 ${p99}us, ${cpu_us}us CPU/req," \
        "HWM ${rss}kB, core$PROXY_CPU ${busy_p}% core$LOAD_CPU ${busy_l}% busy, wrk ${wrk_pct}% CPU," \
        "others ${other_pct}%$( ((non2xx + sock == 0)) || echo ", ERRORS: non-2xx $non2xx, socket $sock")"
}

# Check every scenario, run RUNS rounds of all of them (interleaved, so that a disturbance lands on
# one round of every scenario rather than on every run of one), check them all again.
run_scenarios() {
    local key run
    for key in "${SCENARIOS[@]}"; do
        check_response "${SC_LABEL[$key]}" "${SC_URL[$key]}" "${SC_BODY[$key]}" "${SC_HEADER[$key]:-}" "${SC_CURL_ARGS[$key]:-}"
    done
    for ((run = 1; run <= RUNS; run++)); do
        log "---- round $run/$RUNS"
        for key in "${SCENARIOS[@]}"; do
            measure_run "$key" "$run"
        done
    done
    for key in "${SCENARIOS[@]}"; do
        check_response "${SC_LABEL[$key]} (after)" "${SC_URL[$key]}" "${SC_BODY[$key]}" "${SC_HEADER[$key]:-}" "${SC_CURL_ARGS[$key]:-}"
    done
}

setup_direct() {
    # shellcheck disable=SC2086
    add_scenario direct "direct (wrk -> backend)" "http://127.0.0.1:$BACKEND_PORT/proxy" "$BACKEND_BODY" \
        "${BACKEND_WORKERS%% *}" "$BACKEND_MASTER" $BACKEND_WORKERS
}

setup_nginx() {
    alloc_port NGINX_PORT
    start_nginx proxy "$TEMPLATES/proxy.nginx.conf" "$PROXY_CPU" "$NGINX_PORT" "BACKEND_PORT=$BACKEND_PORT"
    # shellcheck disable=SC2086
    add_scenario nginx "nginx proxy_pass" "http://127.0.0.1:$NGINX_PORT/proxy" "$BACKEND_BODY" \
        "${NGINX_WORKERS%% *}" "$NGINX_MASTER" $NGINX_WORKERS
}

# The account throttle is raised: AWS's default (10,000 rps, burst 5,000) would answer most of the
# load with 429, which is faithful but not what is measured here.
# start_tollgate NAME API_FILE [ARGS...]: fresh data dir, pinned to PROXY_CPU (function workers
# inherit the pinning), one worker thread. Sets TG_PID, TG_PORT.
start_tollgate() {
    local name=$1 api=$2 dir=$WORK/$1
    shift 2
    mkdir -p "$dir"
    rm -rf "$dir/data"
    alloc_port TG_PORT
    alloc_port TG_ADMIN_PORT
    TG_START_US=${EPOCHREALTIME/./}
    RUST_LOG=${RUST_LOG:-warn} taskset -c "$PROXY_CPU" "$TOLLGATE_BIN" serve --data-dir "$dir/data" \
        --listen "127.0.0.1:$TG_PORT" --admin-listen "127.0.0.1:$TG_ADMIN_PORT" \
        --api "$api" --stage "$STAGE" --workers 1 --account-rate 100000000 --account-burst 100000000 \
        "$@" >"$dir/stdout.log" 2>"$dir/stderr.log" &
    TG_PID=$!
    STARTED_PIDS+=("$TG_PID")
}

setup_tollgate() {
    render "$TEMPLATES/bench-api.yaml" "$WORK/bench-api.yaml" "BACKEND_URL=http://127.0.0.1:$BACKEND_PORT" \
        "JWT_ISSUER=$JWT_ISSUER"
    mkdir -p "$WORK/sam/python"
    render "$TEMPLATES/bench-sam.yaml" "$WORK/sam/template.yaml" "RUST_FN_DIR=$RUST_FN_DIR"
    cp "$TEMPLATES/bench_fn.py" "$WORK/sam/python/app.py"
    start_tollgate tollgate "$WORK/bench-api.yaml" --sam "$WORK/sam/template.yaml"
    wait_for_200 "http://127.0.0.1:$TG_ADMIN_PORT/ping" "$TG_PID" tollgate "$WORK/tollgate/stderr.log" 120
    log "tollgate: 127.0.0.1:$TG_PORT (admin $TG_ADMIN_PORT), pid $TG_PID, core $PROXY_CPU; it printed:"
    sed 's/^/    /' "$WORK/tollgate/stdout.log" >&2
    local base=http://127.0.0.1:$TG_PORT/_aws/execute-api/$API_NAME/$STAGE
    add_scenario tollgate_proxy "Tollgate HTTP_PROXY" "$base/proxy" "$BACKEND_BODY" "$TG_PID" "$TG_PID"
    add_scenario tollgate_mock "Tollgate MOCK" "$base/mock" '{"ok":true,"backend":"mock"}' "$TG_PID" "$TG_PID"
    add_scenario tollgate_vtl "Tollgate MOCK with VTL templates" "$base/vtl/42" \
        "{\"id\":\"42\",\"stage\":\"$STAGE\",\"method\":\"GET\",\"items\":[1,2,3]}" "$TG_PID" "$TG_PID"
    add_scenario tollgate_http_vtl "Tollgate HTTP with templates + validation" "$base/http-vtl" \
        '{"from":"nginx","ok":true}' "$TG_PID" "$TG_PID"
    # The full pipeline: API key in a usage plan (throttle + quota + metering), request
    # validation, VTL response template. Limits high enough never to refuse.
    local api_id key_json key_value plan_id
    api_id=$("$TOLLGATE_BIN" apis --data-dir "$WORK/tollgate/data" --output json |
        python3 -c 'import json,sys; print([a["id"] for a in json.load(sys.stdin) if a["name"] == "tollgate-bench"][0])')
    plan_id=$("$TOLLGATE_BIN" plans create --data-dir "$WORK/tollgate/data" --name bench \
        --stage "$api_id:$STAGE" --rate 1000000 --burst 1000000 --quota-limit 1000000000000 \
        --quota-period DAY --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    key_json=$("$TOLLGATE_BIN" keys create --data-dir "$WORK/tollgate/data" --name bench --plan "$plan_id" --output json)
    key_value=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])' <<<"$key_json")
    sleep 1 # the running server picks the key up within its poll interval
    add_scenario tollgate_pipeline "Tollgate full pipeline" "$base/pipeline?q=1" \
        '{"q":"1","key":"bench"}' "$TG_PID" "$TG_PID"
    SC_HEADER[tollgate_pipeline]="x-api-key: $key_value"
    # Issue 5's full pipeline on HTTP_PROXY: API key in the plan (throttle + quota + metering), JWT
    # authorizer (RS256 ID token; results cached per token as AWS does), body validation.
    local order='{"item":"book","quantity":2}'
    add_scenario tollgate_full "Tollgate HTTP_PROXY full pipeline" "$base/full" "$BACKEND_BODY" "$TG_PID" "$TG_PID"
    SC_WRK_SCRIPT[tollgate_full]=$WORK/full.lua
    printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["x-api-key"] = "%s"\nwrk.headers["Authorization"] = "%s"\n' \
        "'$order'" "$key_value" "$JWT_TOKEN" >"$WORK/full.lua"
    SC_CURL_ARGS[tollgate_full]=$WORK/full.curl
    printf '%s\n' -X POST -H 'Content-Type: application/json' -H "x-api-key: $key_value" \
        -H "Authorization: $JWT_TOKEN" --data "$order" >"$WORK/full.curl"
    # The implicit API of the SAM app in $WORK/sam is named after its directory.
    LAMBDA_URL=http://127.0.0.1:$TG_PORT/_aws/execute-api/sam/Prod/hello/bench
    add_scenario tollgate_lambda "Tollgate Lambda proxy (warm Rust fn)" "$LAMBDA_URL" \
        '{"message":"Hello, bench!","from":"rust"}' "$TG_PID" "tree:$TG_PID"
}

# Added latency of the Lambda proxy path over MOCK, unloaded: one connection, medians of runs.
LATENCY_MOCK_P50=() LATENCY_LAMBDA_P50=()
measure_lambda_latency() {
    local run out rps p50 rest target
    local mock_url=http://127.0.0.1:$TG_PORT/_aws/execute-api/$API_NAME/$STAGE/mock
    for ((run = 1; run <= RUNS; run++)); do
        for target in mock lambda; do
            out=$WORK/wrk-latency-$target-$run.txt
            local url=$mock_url
            [[ $target == lambda ]] && url=$LAMBDA_URL
            taskset -c "$LOAD_CPU" wrk -t1 -c1 -d5s --latency "$url" >"$out" 2>&1 || die "wrk failed (see $out)"
            read -r rps p50 rest < <(parse_wrk "$out") || die "cannot parse $out"
            if [[ $target == mock ]]; then LATENCY_MOCK_P50+=("$p50"); else LATENCY_LAMBDA_P50+=("$p50"); fi
        done
        log "latency run $run/$RUNS (1 connection): MOCK p50 ${LATENCY_MOCK_P50[-1]}us, Lambda p50 ${LATENCY_LAMBDA_P50[-1]}us"
    done
}

# First request to a cold Python function, against the time Python takes to import the handler
# module by itself.
COLD_PY_MS=() PY_IMPORT_MS=()
measure_python_cold() {
    local run t0 t1 code=$WORK/sam/python py=${PYTHON:-python3}
    for ((run = 1; run <= RUNS; run++)); do
        start_tollgate "cold-$run" "$WORK/bench-api.yaml" --sam "$WORK/sam/template.yaml"
        wait_for_200 "http://127.0.0.1:$TG_ADMIN_PORT/ping" "$TG_PID" "cold-$run" "$WORK/cold-$run/stderr.log" 120
        t0=${EPOCHREALTIME/./}
        curl -sf -o /dev/null "http://127.0.0.1:$TG_PORT/_aws/execute-api/sam/Prod/py" || die "cold Python request failed"
        t1=${EPOCHREALTIME/./}
        COLD_PY_MS+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000 }')")
        stop_pid "$TG_PID"; forget_pid "$TG_PID"
        t0=${EPOCHREALTIME/./}
        taskset -c "$PROXY_CPU" "$py" -c "import sys; sys.path.insert(0, '$code'); import app" || die "python import failed"
        t1=${EPOCHREALTIME/./}
        PY_IMPORT_MS+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000 }')")
        log "cold Python run $run/$RUNS: first request ${COLD_PY_MS[-1]} ms; python3 importing the handler alone ${PY_IMPORT_MS[-1]} ms"
    done
}

# Stop the proxies and the backend (before the start-up test, which wants quiet cores).
stop_scenarios() {
    local pid
    for pid in ${TG_PID:-} ${NGINX_MASTER:-} $BACKEND_MASTER; do
        stop_pid "$pid"
        forget_pid "$pid"
    done
}

# ---- step 4: start-up with many resources -----------------------------------------------------

generate_startup_api() {
    local file=$1 n=$2 i r
    {
        printf 'openapi: 3.0.1\ninfo:\n  title: tollgate-startup\n  version: "1.0"\npaths:\n'
        for ((i = 0; i < n; i++)); do
            printf -v r 'r%04d' "$i"
            printf '  /%s:\n    get:\n      responses:\n        "200": {description: ok}\n' "$r"
            printf '      x-amazon-apigateway-integration:\n        type: mock\n'
            printf "        requestTemplates:\n          application/json: '{\"statusCode\": 200}'\n"
            printf '        responses:\n          default:\n            statusCode: "200"\n'
            printf "            responseTemplates:\n              application/json: '{\"r\":\"%s\"}'\n" "$r"
        done
    } >"$file"
}

# One raw HTTP/1.1 GET over bash's /dev/tcp; succeeds when the status line says 200.
probe_200() {
    local port=$1 path=$2 fd line
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&"$fd" || {
        exec {fd}>&-
        return 1
    }
    read -r -t 2 line <&"$fd" || line=""
    exec {fd}>&-
    [[ $line == "HTTP/1."?" 200"* ]]
}

STARTUP_MS=()
STARTUP_RSS_KB=()
measure_startup() {
    local api=$WORK/startup-api.yaml run last path end_us ms rss deadline_us
    printf -v last 'r%04d' $((STARTUP_RESOURCES - 1))
    path=/_aws/execute-api/tollgate-startup/$STAGE/$last
    generate_startup_api "$api" "$STARTUP_RESOURCES"
    log "start-up: $STARTUP_RESOURCES resources ($(wc -c <"$api") bytes of YAML), probing GET $path"
    for ((run = 1; run <= STARTUP_RUNS; run++)); do
        wait_quiet 30
        start_tollgate "startup-$run" "$api"
        deadline_us=$((TG_START_US + STARTUP_TIMEOUT_S * 1000000))
        # Tight, bounded poll: connection refused answers at once until tollgate listens.
        until probe_200 "$TG_PORT" "$path" 2>/dev/null; do
            if ! kill -0 "$TG_PID" 2>/dev/null; then
                tail -n 30 "$WORK/startup-$run/stderr.log" >&2 || true
                die "tollgate exited during start-up run $run"
            fi
            ((${EPOCHREALTIME/./} < deadline_us)) ||
                die "start-up run $run: no 200 on $path within ${STARTUP_TIMEOUT_S}s"
        done
        end_us=${EPOCHREALTIME/./}
        ms=$(awk -v d=$((end_us - TG_START_US)) 'BEGIN { printf "%.1f", d / 1000 }')
        check_response "start-up run $run" "http://127.0.0.1:$TG_PORT$path" "{\"r\":\"$last\"}"
        sleep 1
        rss=$(proc_kb "$TG_PID" VmRSS)
        log "start-up run $run/$STARTUP_RUNS: first 200 after $ms ms; idle VmRSS $rss kB"
        STARTUP_MS+=("$ms")
        STARTUP_RSS_KB+=("$rss")
        stop_pid "$TG_PID"
        forget_pid "$TG_PID"
    done
}

# ---- step 5: the report -----------------------------------------------------------------------

col() { # col SCENARIO COLUMN: that column of every run of a scenario
    awk -F'\t' -v s="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
        $1 == s { print $k }' "$WORK/runs.tsv"
}
has_scenario() { [[ -n $(col "$1" rps) ]]; }
med() { local -a v; mapfile -t v < <(col "$1" "$2"); median "${v[@]}"; }
maxcol() { col "$1" "$2" | sort -g | tail -n 1; }
sumcol() { col "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "nan" || v == "" || v == "n/a") print "n/a"; else printf f, v }'; }
times_x() { [[ $1 == n/a ]] && echo n/a || echo "$1×"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
# verdict VALUE OP LIMIT -> met / missed / n/a
verdict() {
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "n/a" || v == "") { print "n/a"; exit }
        ok = (op == ">=") ? (v + 0 >= l + 0) : (op == "<=") ? (v + 0 <= l + 0) : (v + 0 < l + 0)
        print ok ? "**met**" : "**missed**" }'
}

scenario_label() {
    case $1 in
    direct) echo "direct (wrk → backend nginx)" ;;
    nginx) echo "nginx proxy_pass → backend" ;;
    tollgate_proxy) echo "Tollgate HTTP_PROXY → backend" ;;
    tollgate_mock) echo "Tollgate MOCK" ;;
    tollgate_vtl) echo "Tollgate MOCK with VTL request and response templates" ;;
    tollgate_http_vtl) echo "Tollgate HTTP with request + response templates and body validation" ;;
    tollgate_pipeline) echo "Tollgate full pipeline (API key, usage plan throttle + quota, validation, VTL)" ;;
    tollgate_full) echo "Tollgate HTTP_PROXY + API key, plan throttle + quota, JWT authorizer, body validation" ;;
    tollgate_lambda) echo "Tollgate Lambda proxy (warm Rust fn, workers on the proxy's core)" ;;
    esac
}

write_results() {
    local f=$RESULTS_FILE tmp s cpu_model nginx_v wrk_v tg_rev tg_v
    tmp=$f.tmp.$$
    cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    nginx_v=$("$NGINX_BIN" -v 2>&1 | head -n 1 | sed 's/^nginx version: //')
    wrk_v=$(wrk -v 2>&1 | head -n 1 | sed 's/ *Copyright.*//' || true)
    tg_rev=$(git -C "$REPO_DIR" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
    tg_v=n/a
    ((SKIP_TOLLGATE)) || tg_v=$("$TOLLGATE_BIN" --version 2>/dev/null || echo unknown)
    {
        echo "# Tollgate load benchmark results"
        echo
        echo "Produced by \`bench/run.sh\` (see \`bench/README.md\` for what is measured and how to read this)."
        echo
        echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "- Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
        echo "- Versions: $nginx_v; $wrk_v; $tg_v (git $tg_rev${TOLLGATE_BIN:+, binary \`$TOLLGATE_BIN\`})"
        echo "- Parameters: RUNS=$RUNS, DURATION=$DURATION (warm-up $WARMUP before each run), wrk -t$WRK_THREADS -c$CONNS --latency;" \
            "proxy under test on core $PROXY_CPU, wrk and the backend on core $LOAD_CPU; tollgate --workers 1, RUST_LOG=${RUST_LOG:-warn};" \
            "CLK_TCK=$CLK_TCK"
        echo "- Background CPU load of other processes (2 s idle sample): before $BG_LOAD_before; after $BG_LOAD_after"
        echo "- Raw wrk output and logs: \`${WORK#"$REPO_DIR"/}\` (not committed)"
        echo "- Runs repeated because other processes used the cores meanwhile (RETRY_NOISY=$RETRY_NOISY): $REPEATED_RUNS"
        if ((BG_NOISY || ${#NOISY_RUNS[@]})); then
            echo
            echo "> **Warning:** other processes used the benchmark cores (background load above;" \
                "runs with *Other CPU* > 10%: ${NOISY_RUNS[*]:-none}). Treat these numbers as noisy and re-run on a" \
                "quiet machine (QUIET_WAIT_S=600 waits for one)."
        fi
        echo
        echo "## Throughput, latency, CPU and memory (medians of $RUNS runs)"
        echo
        echo "| Scenario | Requests/s | p50 latency | p99 latency | CPU per request | Peak RSS | Core $PROXY_CPU / $LOAD_CPU busy | wrk CPU | Other CPU | Errors |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
        for s in direct nginx tollgate_proxy tollgate_mock tollgate_vtl tollgate_http_vtl tollgate_pipeline tollgate_full; do
            has_scenario "$s" || continue
            local who=proxy errs non sock
            [[ $s != direct ]] || who=backend
            non=$(sumcol "$s" non2xx)
            sock=$(sumcol "$s" socket_errors)
            errs=none
            ((non + sock == 0)) || errs="**non-2xx: $non, socket errors: $sock** (all runs)"
            printf '| %s | %s | %s µs | %s µs | %s µs (%s) | %s MiB | %s%% / %s%% | %s%% | %s%% | %s |\n' \
                "$(scenario_label "$s")" "$(fmt "$(med "$s" rps)" '%.0f')" \
                "$(fmt "$(med "$s" p50_us)" '%.0f')" "$(fmt "$(med "$s" p99_us)" '%.0f')" \
                "$(fmt "$(med "$s" cpu_us_per_req)" '%.2f')" "$who" \
                "$(awk -v k="$(maxcol "$s" rss_kb)" 'BEGIN { printf "%.1f", k / 1024 }')" \
                "$(med "$s" core_proxy_busy_pct)" "$(med "$s" core_load_busy_pct)" "$(med "$s" wrk_cpu_pct)" \
                "$(med "$s" other_cpu_pct)" "$errs"
        done
        echo
        echo "CPU per request is user+system CPU of the proxy process(es) (nginx: master + worker; Tollgate: the" \
            "whole process) divided by the requests wrk completed; for *direct* it is the backend's. Peak RSS is" \
            "VmHWM (nginx: the worker; Tollgate: the one process that serves both HTTP_PROXY and MOCK, so both" \
            "rows show its peak over the whole benchmark). *Core busy* is the share of each core's time spent not idle during" \
            "the runs (by anything); *wrk CPU* is wrk's own CPU time over its wall time (100% = a whole core);" \
            "*Other CPU* is what the two cores spent on processes other than wrk, the backend and the proxy" \
            "(in % of one core; should be ~0)."
        echo
        write_ratios
        echo
        write_startup
        echo
        write_targets
        echo
        # Hand-written analysis of missed targets (profiles), kept across runs.
        if [[ -f $BENCH_DIR/ANALYSIS.md ]]; then
            cat "$BENCH_DIR/ANALYSIS.md"
            echo
        fi
        echo "## Raw runs"
        echo
        echo "| Scenario | Run | Requests/s | p50 µs | p99 µs | Requests | Non-2xx | Socket errors | CPU ticks | CPU µs/req | VmHWM kB | Core $PROXY_CPU busy % | Core $LOAD_CPU busy % | wrk CPU % | Other CPU % |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        awk -F'\t' 'NR > 1 { printf "| %s |", $1; for (i = 2; i <= NF; i++) printf " %s |", $i; printf "\n" }' "$WORK/runs.tsv"
        if ((${#STARTUP_MS[@]})); then
            echo
            echo "Start-up runs (ms to first 200): ${STARTUP_MS[*]}; idle VmRSS (kB): ${STARTUP_RSS_KB[*]}"
        fi
    } >"$tmp"
    mv "$tmp" "$f"
    cp "$f" "$WORK/RESULTS.md"
    log "wrote $f"
}

write_ratios() {
    local d_rps n_rps n_cpu n_p99 d_p99 s
    d_rps=$(med direct rps); d_p99=$(med direct p99_us)
    n_rps=$(med nginx rps); n_cpu=$(med nginx cpu_us_per_req); n_p99=$(med nginx p99_us)
    echo "## Ratios (of medians)"
    echo
    echo "| Scenario | Throughput vs nginx | Throughput vs direct | CPU/request vs nginx | p99 vs nginx | p99 vs direct |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for s in direct nginx tollgate_proxy tollgate_mock tollgate_vtl tollgate_http_vtl tollgate_pipeline tollgate_full tollgate_lambda; do
        has_scenario "$s" || continue
        local cpu_vs=n/a
        [[ $s == direct ]] || cpu_vs=$(ratio "$(med "$s" cpu_us_per_req)" "$n_cpu")
        printf '| %s | %s | %s | %s | %s | %s |\n' "$(scenario_label "$s")" \
            "$(ratio "$(med "$s" rps)" "$n_rps")" "$(ratio "$(med "$s" rps)" "$d_rps")" "$cpu_vs" \
            "$(ratio "$(med "$s" p99_us)" "$n_p99")" "$(ratio "$(med "$s" p99_us)" "$d_p99")"
    done
    echo
    echo "Throughput ratios above 1 are better; CPU and p99 ratios below 1 are better. The MOCK CPU ratio" \
        "compares answering from the gateway with forwarding to a backend, so it is only indicative."
}

write_startup() {
    echo "## Start-up with $STARTUP_RESOURCES resources"
    echo
    if ((${#STARTUP_MS[@]} == 0)); then
        echo "Not measured (SKIP_TOLLGATE or SKIP_STARTUP)."
        return
    fi
    echo "| Measure | Median of ${#STARTUP_MS[@]} runs | Runs |"
    echo "| --- | ---: | --- |"
    echo "| Process start → first 200 from GET /r$(printf '%04d' $((STARTUP_RESOURCES - 1))) (fresh data dir: import, deploy, serve) | $(fmt "$(median "${STARTUP_MS[@]}")" '%.1f') ms | ${STARTUP_MS[*]} ms |"
    echo "| Idle RSS (VmRSS, 1 s after the first 200) | $(awk -v k="$(median "${STARTUP_RSS_KB[@]}")" 'BEGIN { printf "%.1f", k / 1024 }') MiB | $(printf '%s ' "${STARTUP_RSS_KB[@]}")kB |"
}

write_targets() {
    local n_rps n_cpu n_p99 tput cpu p99 mock st rss
    n_rps=$(med nginx rps); n_cpu=$(med nginx cpu_us_per_req); n_p99=$(med nginx p99_us)
    tput=n/a cpu=n/a p99=n/a mock=n/a st=n/a rss=n/a
    if has_scenario tollgate_proxy; then
        tput=$(ratio "$(med tollgate_proxy rps)" "$n_rps")
        cpu=$(ratio "$(med tollgate_proxy cpu_us_per_req)" "$n_cpu")
        p99=$(ratio "$(med tollgate_proxy p99_us)" "$n_p99")
    fi
    if has_scenario tollgate_mock; then mock=$(ratio "$(med tollgate_mock rps)" "$n_rps"); fi
    if ((${#STARTUP_MS[@]})); then
        st=$(median "${STARTUP_MS[@]}")
        rss=$(awk -v k="$(median "${STARTUP_RSS_KB[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
    fi
    echo "## Targets"
    echo
    echo "| Target | Measured | Verdict |"
    echo "| --- | ---: | --- |"
    echo "| HTTP_PROXY throughput ≥ 1.0× nginx proxy_pass | $(times_x "$tput") | $(verdict "$tput" '>=' 1.0) |"
    echo "| HTTP_PROXY CPU/request ≤ 1.2× nginx proxy_pass | $(times_x "$cpu") | $(verdict "$cpu" '<=' 1.2) |"
    echo "| HTTP_PROXY p99 no worse than nginx proxy_pass | $(times_x "$p99") | $(verdict "$p99" '<=' 1.0) |"
    echo "| MOCK throughput ≥ 1.5× nginx proxy_pass | $(times_x "$mock") | $(verdict "$mock" '>=' 1.5) |"
    echo "| Start-up < 300 ms with $STARTUP_RESOURCES resources | $(fmt "$st" '%.1f') ms | $(verdict "$st" '<' 300) |"
    echo "| Idle RSS < 40 MB (after that start-up) | $rss MiB | $(verdict "$rss" '<' 40) |"
    local lam=n/a added=n/a cold=n/a
    if has_scenario tollgate_lambda && has_scenario tollgate_mock; then
        lam=$(ratio "$(med tollgate_lambda rps)" "$(med tollgate_mock rps)")
    fi
    if ((${#LATENCY_MOCK_P50[@]})); then
        added=$(awk -v a="$(median "${LATENCY_LAMBDA_P50[@]}")" -v b="$(median "${LATENCY_MOCK_P50[@]}")" 'BEGIN { printf "%.0f", a - b }')
    fi
    if ((${#COLD_PY_MS[@]})); then
        cold=$(awk -v a="$(median "${COLD_PY_MS[@]}")" -v b="$(median "${PY_IMPORT_MS[@]}")" 'BEGIN { printf "%.1f", a - b }')
    fi
    echo "| Lambda proxy (warm Rust fn) throughput ≥ 0.5× MOCK on the same core | $(times_x "$lam") | $(verdict "$lam" '>=' 0.5) |"
    if has_scenario tollgate_vtl && has_scenario tollgate_mock; then
        local vtl vtl_cpu
        vtl=$(ratio "$(med tollgate_vtl rps)" "$(med tollgate_mock rps)")
        vtl_cpu=$(awk -v a="$(med tollgate_vtl cpu_us_per_req)" -v b="$(med tollgate_mock cpu_us_per_req)" 'BEGIN { printf "%.1f", a - b }')
        echo "| (no target) MOCK with VTL request + response templates vs static MOCK | $(times_x "$vtl"), +$vtl_cpu µs CPU/request | — |"
    fi
    if has_scenario tollgate_http_vtl && has_scenario tollgate_proxy; then
        local hv
        hv=$(ratio "$(med tollgate_http_vtl rps)" "$(med tollgate_proxy rps)")
        echo "| HTTP with request + response templates and body validation ≥ 0.8× HTTP_PROXY | $(times_x "$hv") | $(verdict "$hv" '>=' 0.8) |"
    fi
    if has_scenario tollgate_pipeline && has_scenario tollgate_mock; then
        local pl pl_cpu
        pl=$(ratio "$(med tollgate_pipeline rps)" "$(med tollgate_mock rps)")
        pl_cpu=$(awk -v a="$(med tollgate_pipeline cpu_us_per_req)" -v b="$(med tollgate_mock cpu_us_per_req)" 'BEGIN { printf "%.1f", a - b }')
        echo "| (no target) full pipeline (key, plan throttle + quota, validation, VTL) vs static MOCK | $(times_x "$pl"), +$pl_cpu µs CPU/request | — |"
    fi
    if has_scenario tollgate_full && has_scenario tollgate_proxy; then
        local fp fp_cpu
        fp=$(ratio "$(med tollgate_full rps)" "$(med tollgate_proxy rps)")
        fp_cpu=$(awk -v a="$(med tollgate_full cpu_us_per_req)" -v b="$(med tollgate_proxy cpu_us_per_req)" 'BEGIN { printf "%.1f", a - b }')
        echo "| Full pipeline (API key + plan throttle + JWT authorizer + body validation) ≥ 0.85× HTTP_PROXY | $(times_x "$fp"), +$fp_cpu µs CPU/request | $(verdict "$fp" '>=' 0.85) |"
    fi
    echo "| Lambda proxy added p50 latency over MOCK < 250 µs (1 connection) | $added µs | $(verdict "$added" '<' 250) |"
    echo "| Cold Python function: first request < 150 ms over its own import time | $cold ms | $(verdict "$cold" '<' 150) |"
    if ((${#LATENCY_MOCK_P50[@]})); then
        echo
        echo "Unloaded p50 (1 connection), runs: MOCK ${LATENCY_MOCK_P50[*]} µs; Lambda ${LATENCY_LAMBDA_P50[*]} µs."
    fi
    if ((${#COLD_PY_MS[@]})); then
        echo "Cold Python, runs: first request ${COLD_PY_MS[*]} ms; \`python3\` importing the handler alone ${PY_IMPORT_MS[*]} ms."
    fi
}

# ---- main -------------------------------------------------------------------------------------

main() {
    ensure_tools
    ensure_tollgate
    setup_workdir
    log "RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS; proxy core $PROXY_CPU, load+backend core $LOAD_CPU"
    check_background before
    start_backend
    setup_direct
    setup_nginx
    if ((!SKIP_TOLLGATE)); then
        setup_tollgate
    else
        log "SKIP_TOLLGATE=1: no Tollgate scenarios, no start-up measurement"
    fi
    run_scenarios
    if ((!SKIP_TOLLGATE)); then
        measure_lambda_latency
    fi
    stop_scenarios
    if ((!SKIP_TOLLGATE)); then
        measure_python_cold
    fi
    if ((!SKIP_TOLLGATE && !SKIP_STARTUP)); then
        measure_startup
    fi
    check_background after
    write_results
    sed -n '/^## Throughput/,/^## Raw runs/p' "$RESULTS_FILE" | sed '$d' >&2
}

main "$@"
