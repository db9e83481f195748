#!/usr/bin/env bash
# Runs every test: unit and integration tests (Maven), the deployment files' checks, and a short storm against
# the local multi-node setup. Usage: scripts/test.sh [extra Maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

missing=()
for tool in redis-server redis-cli haproxy docker-compose; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "The tests need ${missing[*]}: apt-get install redis-server haproxy docker-compose" >&2
  exit 1
fi

./mvnw -B -ntp verify "$@"
scripts/check-deploy.sh
scripts/storm-ci.sh
