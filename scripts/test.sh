#!/usr/bin/env bash
# Runs every test: unit and integration tests (Maven), the deployment files' checks, and a short storm against
# the local multi-node setup. It first installs the Debian packages the tests need, if they are missing (and says
# which). Usage: scripts/test.sh [extra Maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh
source scripts/lib/packages.sh
# What the integration tests, the deployment checks and the storm start or call.
require_commands redis-server:redis-server redis-cli:redis-server haproxy:haproxy docker-compose:docker-compose

./mvnw -B -ntp verify "$@"
scripts/check-deploy.sh
scripts/storm-ci.sh
