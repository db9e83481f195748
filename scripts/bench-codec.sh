#!/usr/bin/env bash
# Runs the codec's JMH benchmarks and prints nanoseconds per frame.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

./mvnw -B -q -ntp -DskipTests -pl protocol install
exec ./mvnw -B -q -ntp -pl protocol exec:exec -Dexec.executable="$JAVA_HOME/bin/java" -Dexec.classpathScope=test \
  -Dexec.args="-cp %classpath dev.tether.protocol.bench.FrameCodecBenchmark"
