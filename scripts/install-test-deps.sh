#!/bin/sh
# Installs what the test suites need beyond cargo. Idempotent and non-interactive.
#
# - crates/lambda and crates/tollgate: AWS's Python Lambda runtime interface client (PyPI), run as
#   a `provided` bootstrap; the AWS CLI (PyPI), which examples/aws-cli/build-an-api.sh drives;
#   openapi-spec-validator (PyPI), which checks the management API's exports.
# - crates/vtl: the differential test renders its corpus with the engine API Gateway runs
#   (Apache Velocity 1.7 + Jayway JsonPath + json-smart), from Debian packages, compiled with javac.
set -eu

python3 -m pip install -q awslambdaric==4.2.2 awscli==1.45.11 openapi-spec-validator==0.9.0

packages="openjdk-17-jdk-headless velocity libjsonpath-java libjson-smart-java libasm-java \
libcommons-lang-java libcommons-collections3-java libslf4j-java"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "install-test-deps: all packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "install-test-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
