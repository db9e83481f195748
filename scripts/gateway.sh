#!/usr/bin/env bash
# Builds the gateway (incrementally) and runs it; arguments go to the gateway (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

./mvnw -B -q -ntp -DskipTests -pl gateway -am package
# Run from a copy: a rebuild of gateway/target while this node runs would pull classes from under it.
mkdir -p run
jar=run/tether-gateway-$$.jar
cp gateway/target/tether-gateway.jar "$jar"
trap 'rm -f "$jar"' EXIT
"$JAVA_HOME/bin/java" ${JAVA_OPTS:-} -jar "$jar" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; rm -f "$jar"' INT TERM
wait "$pid"
