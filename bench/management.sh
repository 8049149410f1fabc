#!/usr/bin/env bash
# Management API latency on an API with 1,000 resources (issue 10's targets: a call < 10 ms p50,
# an export < 100 ms). Starts its own `tollgate serve` on a generated API, times each call with
# curl over a kept-alive loopback connection... one connection per call, as the AWS CLI makes
# them, and prints a Markdown table of medians.
#
#   TOLLGATE_BIN=target/release/tollgate bash bench/management.sh
#   RESOURCES=1000 CALLS=50 bash bench/management.sh
set -euo pipefail

bin=${TOLLGATE_BIN:-target/release/tollgate}
resources=${RESOURCES:-1000}
calls=${CALLS:-50}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

{
    printf 'openapi: 3.0.1\ninfo:\n  title: managed\n  version: "1.0"\npaths:\n'
    for ((i = 0; i < resources; i++)); do
        printf '  /r%04d:\n    get:\n      responses:\n        "200": {description: ok}\n' "$i"
        printf '      x-amazon-apigateway-integration:\n        type: mock\n'
        printf "        requestTemplates:\n          application/json: '{\"statusCode\": 200}'\n"
        printf '        responses:\n          default:\n            statusCode: "200"\n'
    done
} >"$work/api.yaml"

# The API has more resources than AWS's default quota (300): CreateResource below needs room.
"$bin" serve --data-dir "$work/data" --api "$work/api.yaml" --stage prod \
    --quota resources-per-api=$((resources + calls + 1000)) \
    --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 300); do
    grep -q '^management listening on' "$work/serve.log" && break
    sleep 0.1
done
admin=$(sed -n 's/^management listening on //p' "$work/serve.log")
[ -n "$admin" ] || { cat "$work/serve.log"; exit 1; }
api=$(curl -s "$admin/restapis" | python3 -c 'import json,sys; print(json.load(sys.stdin)["item"][0]["id"])')
root=$(curl -s "$admin/restapis/$api" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rootResourceId"])')
r0=$(curl -s "$admin/restapis/$api/resources?limit=500" |
    python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["item"] if r["path"] == "/r0000"][0])')

# time_ms METHOD PATH [BODY]: one call's total time in milliseconds.
time_ms() {
    local args=(-s -o /dev/null -w '%{http_code} %{time_total}' -X "$1" "$admin$2")
    [ $# -ge 3 ] && args+=(-H 'content-type: application/json' --data "$3")
    local out
    out=$(curl "${args[@]}")
    case ${out%% *} in 2??) ;; *) echo "$1 $2 answered ${out%% *}" >&2; exit 1 ;; esac
    python3 -c "print(round(float('${out#* }') * 1000, 3))"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

row() { # row NAME METHOD PATH [BODY] — CALLS timed calls
    local name=$1 samples=() i
    shift
    for ((i = 0; i < calls; i++)); do samples+=("$(time_ms "$@")"); done
    printf '| %s | %s ms |\n' "$name" "$(median "${samples[@]}")"
}

echo "Management API on an API with $resources resources ($calls calls each; median of curl's total time, one connection per call)"
echo
echo "| Call | p50 |"
echo "| --- | ---: |"
row "GetRestApi" GET "/restapis/$api"
row "GetResources (limit 25)" GET "/restapis/$api/resources"
row "GetMethod" GET "/restapis/$api/resources/$r0/methods/GET"
row "UpdateMethod (replace /operationName)" PATCH "/restapis/$api/resources/$r0/methods/GET" \
    '{"patchOperations":[{"op":"replace","path":"/operationName","value":"getR0"}]}'
samples=()
for ((i = 0; i < calls; i++)); do
    samples+=("$(time_ms POST "/restapis/$api/resources/$root" "{\"pathPart\":\"new$i\"}")")
done
printf '| CreateResource | %s ms |\n' "$(median "${samples[@]}")"
row "GetExport (oas30, with extensions)" GET "/restapis/$api/stages/prod/exports/oas30?extensions=integrations"
