#!/bin/sh
# Compiles (if needed) and runs the Velocity 1.7 oracle on the given case files.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${VTL_ORACLE_BUILD:-${TMPDIR:-/tmp}/tollgate-vtl-oracle}
J=/usr/share/java
cp="$J/velocity.jar:$J/commons-collections3.jar:$J/commons-lang.jar:$J/json-path.jar:$J/json-smart.jar:$J/accessors-smart.jar:$J/asm.jar:$J/slf4j-api.jar:$J/slf4j-nop.jar"
for j in velocity.jar commons-collections3.jar commons-lang.jar json-path.jar json-smart.jar accessors-smart.jar slf4j-api.jar; do
  [ -f "$J/$j" ] || { echo "oracle: missing $J/$j; run scripts/install-test-deps.sh" >&2; exit 3; }
done
mkdir -p "$out"
if [ ! -f "$out/Oracle.class" ] || [ "$here/Oracle.java" -nt "$out/Oracle.class" ]; then
  javac -nowarn -cp "$cp" -d "$out" "$here/Oracle.java"
fi
exec java -Xshare:auto -XX:TieredStopAtLevel=1 -cp "$out:$cp" Oracle "$@"
