#!/usr/bin/env bash
# Builds, deploys, calls, changes and exports an API on Tollgate with nothing but the AWS CLI,
# as one would against API Gateway itself: only the endpoint differs.
#
#   bash examples/aws-cli/build-an-api.sh [path/to/tollgate]
#
# Starts its own `tollgate serve` (on free ports, in a temporary data directory), checks every
# answer and exits non-zero on the first surprise. Needs the AWS CLI (`pip install awscli`),
# python3 and curl.
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

tollgate="${1:-target/debug/tollgate}"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$tollgate" serve --data-dir "$work/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --poll-interval-ms 50 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    grep -q '^management listening on' "$work/serve.log" && break
    sleep 0.1
done
data="$(sed -n 's/^data plane listening on http:\/\///p' "$work/serve.log")"
admin="$(sed -n 's/^management listening on //p' "$work/serve.log")"  # http://host:port
[ -n "$admin" ] || { cat "$work/serve.log"; echo "tollgate did not start" >&2; exit 1; }

# The AWS CLI needs credentials and a region; Tollgate's loopback listener does not check them.
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL_API_GATEWAY="$admin"
# `aws` if it is on the PATH, else the pip-installed module itself.
if command -v aws >/dev/null; then aws=(aws); else aws=(python3 -m awscli); fi
apigw() { "${aws[@]}" apigateway "$@"; }
expect() { # expect WHAT EXPECTED ACTUAL
    if [ "$2" != "$3" ]; then
        echo "FAIL: $1: expected [$2], got [$3]" >&2
        exit 1
    fi
    echo "ok: $1"
}
until_body() { # until_body URL EXPECTED: the stage is served within the poll interval
    local got=""
    for _ in $(seq 100); do
        got="$(curl -s "$1" || true)"
        [ "$got" = "$2" ] && break
        sleep 0.05
    done
    expect "GET $1" "$2" "$got"
}

api=$(apigw create-rest-api --name pets --description "built with the AWS CLI" --query id --output text)
expect "API id length" 10 "${#api}"
root=$(apigw get-resources --rest-api-id "$api" --query 'items[0].id' --output text)
pets=$(apigw create-resource --rest-api-id "$api" --parent-id "$root" --path-part pets --query id --output text)
pet=$(apigw create-resource --rest-api-id "$api" --parent-id "$pets" --path-part '{id}' --query path --output text)
expect "child resource path" "/pets/{id}" "$pet"
pet=$(apigw get-resources --rest-api-id "$api" --query "items[?path=='/pets/{id}'].id" --output text)

apigw put-method --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --authorization-type NONE --request-parameters method.request.path.id=true >/dev/null
apigw put-integration --rest-api-id "$api" --resource-id "$pet" --http-method GET --type MOCK \
    --request-templates '{"application/json": "{\"statusCode\": 200}"}' >/dev/null
apigw put-method-response --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --status-code 200 >/dev/null
apigw put-integration-response --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --status-code 200 \
    --response-templates '{"application/json": "{\"id\": \"$input.params(\u0027id\u0027)\"}"}' >/dev/null

deployment=$(apigw create-deployment --rest-api-id "$api" --stage-name live --description first --query id --output text)
expect "deployment id length" 6 "${#deployment}"
until_body "http://$data/restapis/$api/live/_user_request_/pets/7" '{"id": "7"}'

# A change is served from the next deployment on.
apigw update-integration-response --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --status-code 200 --patch-operations \
    '[{"op": "replace", "path": "/responseTemplates/application~1json", "value": "{\"id\": \"$input.params(\u0027id\u0027)\", \"v\": 2}"}]' >/dev/null
apigw create-deployment --rest-api-id "$api" --stage-name live >/dev/null
until_body "http://$data/restapis/$api/live/_user_request_/pets/7" '{"id": "7", "v": 2}'
expect "deployments kept" 2 "$(apigw get-deployments --rest-api-id "$api" --query 'length(items)' --output text)"

# An API key in a usage plan for the stage.
apigw update-method --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --patch-operations op=replace,path=/apiKeyRequired,value=true >/dev/null
apigw create-deployment --rest-api-id "$api" --stage-name live >/dev/null
key=$(apigw create-api-key --name cli-key --enabled --value cli-key-0123456789abcdef --query id --output text)
plan=$(apigw create-usage-plan --name cli-plan --api-stages "apiId=$api,stage=live" --query id --output text)
apigw create-usage-plan-key --usage-plan-id "$plan" --key-id "$key" --key-type API_KEY >/dev/null
until_body "http://$data/restapis/$api/live/_user_request_/pets/7" '{"message":"Forbidden"}'
got=$(curl -s -H 'x-api-key: cli-key-0123456789abcdef' "http://$data/restapis/$api/live/_user_request_/pets/7")
expect "GET with the key" '{"id": "7", "v": 2}' "$got"

# UpdateUsage: a quota of 1 a day, used, then extended by 2 for today.
apigw update-usage-plan --usage-plan-id "$plan" \
    --patch-operations op=replace,path=/quota/limit,value=1 op=replace,path=/quota/period,value=DAY >/dev/null
expect "usage after the extension" "[[1, 2]]" \
    "$(apigw update-usage --usage-plan-id "$plan" --key-id "$key" \
        --patch-operations op=replace,path=/remaining,value=2 --query "items.\"$key\"" --output json | tr -d ' \n' | sed 's/,/, /g')"

# TestInvokeMethod runs the current definition without the key, and logs as AWS does.
expect "test-invoke status" 200 \
    "$(apigw test-invoke-method --rest-api-id "$api" --resource-id "$pet" --http-method GET \
        --path-with-query-string /pets/9 --query status --output text)"
expect "test-invoke body" '{"id": "9", "v": 2}' \
    "$(apigw test-invoke-method --rest-api-id "$api" --resource-id "$pet" --http-method GET \
        --path-with-query-string /pets/9 --query body --output text)"
apigw test-invoke-method --rest-api-id "$api" --resource-id "$pet" --http-method GET \
    --path-with-query-string /pets/9 --query log --output text >"$work/log"
grep -q 'Method completed with status: 200' "$work/log" || { echo "FAIL: test-invoke log" >&2; cat "$work/log" >&2; exit 1; }

# Documentation: a part, a version published to the stage, and the export that carries it.
apigw create-documentation-part --rest-api-id "$api" --location '{"type": "METHOD", "path": "/pets/{id}", "method": "GET"}' \
    --properties '{"summary": "Get a pet"}' >/dev/null
apigw create-documentation-version --rest-api-id "$api" --documentation-version v1 --stage-name live >/dev/null
expect "stage documentation version" v1 \
    "$(apigw get-stage --rest-api-id "$api" --stage-name live --query documentationVersion --output text)"

# Rollback: the stage back on the first deployment.
apigw update-stage --rest-api-id "$api" --stage-name live \
    --patch-operations "op=replace,path=/deploymentId,value=$deployment" >/dev/null
until_body "http://$data/restapis/$api/live/_user_request_/pets/7" '{"id": "7"}'

# The export, as a file, like `aws apigateway get-export` writes it.
apigw get-export --rest-api-id "$api" --stage-name live --export-type oas30 \
    --parameters extensions=integrations "$work/pets.json" >/dev/null
expect "exported path" "mock" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["paths"]["/pets/{id}"]["get"]["x-amazon-apigateway-integration"]["type"])' "$work/pets.json")"
apigw get-export --rest-api-id "$api" --stage-name live --export-type oas30 "$work/documented.json" >/dev/null
expect "exported summary" "Get a pet" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["paths"]["/pets/{id}"]["get"]["summary"])' "$work/documented.json")"

# AWS's errors, as the CLI reports them.
if apigw get-rest-api --rest-api-id nope 2>"$work/err"; then
    echo "FAIL: an unknown API was found" >&2
    exit 1
fi
expect "unknown API" \
    "An error occurred (NotFoundException) when calling the GetRestApi operation: Invalid API identifier specified 000000000000:nope" \
    "$(tr -d '\n' <"$work/err" | sed 's/^ *//')"

apigw delete-rest-api --rest-api-id "$api"
expect "APIs left" 0 "$(apigw get-rest-apis --query 'length(items)' --output text)"
echo "all good"
