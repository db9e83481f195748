#!/usr/bin/env bash
# Runs every test: unit and integration tests (Maven), the JavaScript client's unit tests, the chat page's tests in
# Chromium, the deployment files' checks, and a short storm against the local multi-node setup. It first installs
# the Debian packages the tests need, if they are missing (and says which). Usage: scripts/test.sh [extra Maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh
source scripts/lib/packages.sh
# What the integration tests, the deployment checks and the storm start or call.
require_commands redis-server:redis-server redis-cli:redis-server haproxy:haproxy docker-compose:docker-compose \
  chromium:chromium curl:curl jq:jq
# The build compiles the TypeScript client and the chat page with them (no Node.js at run time).
require_node 20

./mvnw -B -ntp verify "$@"
(cd client-js && npm ci --no-audit --no-fund && npm test)
# The client in Node against the gateway jar that Maven just built, then the chat page in Chromium against it.
export TETHER_GATEWAY_JAR="$PWD/gateway/target/tether-gateway.jar"
(cd client-js && npm run test:gateway)
(cd client-js && npm run test:browser)
scripts/check-deploy.sh
scripts/storm-ci.sh
