#!/usr/bin/env bash
# Runs LlmOverheadBenchmark (what the gateway adds in front of a language model) and prints its figures.
# Usage: scripts/bench-llm.sh [runs]   (default 3 runs, each printing its own figures; report the medians)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

# The benchmark lives in the gateway's test code and needs the protocol's and the Redis store's test classes, so
# the classpath comes from the reactor build rather than from installed jars.
./mvnw -B -q -ntp -pl gateway -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
classpath=gateway/target/test-classes:gateway/target/classes:$(cat gateway/target/bench.cp)
for run in $(seq "${1:-3}"); do
  echo "run $run (load average $(cut -d' ' -f1 /proc/loadavg))"
  "$JAVA_HOME/bin/java" -cp "$classpath" dev.tether.gateway.bench.LlmOverheadBenchmark
done
