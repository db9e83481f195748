#!/usr/bin/env bash
# Runs the adversarial suite long and prints its figures: the codec fuzz test, then the live fuzz run against a real
# gateway (hostile connections while bystanders chat with the Java client). A failure prints the seed that replays
# it. Usage: scripts/fuzz.sh [frames, default 100000] [seed, default random]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh
frames=${1:-100000}
properties=("-Dtether.fuzz.frames=$frames")
if [ -n "${2:-}" ]; then
  properties+=("-Dtether.fuzz.seed=$2")
fi
# Two runs, so that a failure of the first still lets the second print its figures.
./mvnw -B -ntp -q test -pl protocol -Dtest=FrameCodecFuzzTest "${properties[@]}"
codec=$?
./mvnw -B -ntp -q verify -pl e2e -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=LiveFuzzIT -Dfailsafe.failIfNoSpecifiedTests=false "${properties[@]}"
live=$?
exit $((codec != 0 || live != 0))
