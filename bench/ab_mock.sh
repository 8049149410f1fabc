#!/usr/bin/env bash
# A/B of two tollgate binaries on a MOCK method: each serves it on core 0 (one worker, account
# throttle lifted), wrk on core 1 (-t1 -c32, 2 s warm-up, 10 s measured); the binaries alternate
# ROUNDS times. Prints one line per run (label, req/s, CPU µs per request) and the medians.
#
#   bash bench/ab_mock.sh OLD_BIN NEW_BIN [ROUNDS]
set -euo pipefail
old=$1 new=$2 rounds=${3:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/api.json" <<'JSON'
{"openapi": "3.0.1", "info": {"title": "ab", "version": "1"}, "paths": {"/pets/{id}": {"get": {
  "responses": {"200": {"description": "ok"}},
  "x-amazon-apigateway-integration": {"type": "mock",
    "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
    "responses": {"default": {"statusCode": "200",
      "responseTemplates": {"application/json": "{\"ok\": true}"}}}}}}}}
JSON

run() { # run LABEL BIN PORT
    local data="$work/data-$3" pid id url out t0 t1
    taskset -c 0 "$2" serve --data-dir "$data" --api "$work/api.json" --stage prod \
        --listen "127.0.0.1:$3" --admin-listen 127.0.0.1:0 --workers 1 \
        --account-rate 1000000 --account-burst 1000000 >"$work/log-$3" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q 'data plane listening' "$work/log-$3" && break; sleep 0.1; done
    id=$(sed -n 's/.*\/\/\([a-z0-9]*\)\.execute-api.*/\1/p' "$work/log-$3" | head -1)
    url="http://127.0.0.1:$3/restapis/$id/prod/_user_request_/pets/1"
    taskset -c 1 wrk -t1 -c32 -d2s "$url" >/dev/null
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(taskset -c 1 wrk -t1 -c32 -d10s "$url")
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$data"
    python3 - "$1" "$out" "$t0" "$t1" "$(getconf CLK_TCK)" <<'PY'
import re, sys
label, out, t0, t1, tck = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
n = int(re.search(r"(\d+) requests in", out).group(1))
print(f"{label} {rps:.0f} {(t1 - t0) / tck * 1e6 / n:.2f}")
PY
}

for ((i = 0; i < rounds; i++)); do
    run old "$old" 19402
    run new "$new" 19403
done | tee "$work/runs"
python3 - "$work/runs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for label in ("old", "new"):
    rps = [float(r[1]) for r in rows if r[0] == label]
    cpu = [float(r[2]) for r in rows if r[0] == label]
    print(f"{label}: median {statistics.median(rps):.0f} req/s, {statistics.median(cpu):.2f} µs CPU per request ({len(rps)} runs)")
PY
