#!/usr/bin/env bash
# A short reconnection storm against the local multi-node setup (Redis, 2 gateway nodes, HAProxy, all on
# 127.0.0.1): 500 clients chat through HAProxy while a producer pushes events to every session through the publish
# API; then node-1 is killed with SIGKILL and every client on it reconnects and resumes on node-2. Any frame,
# event or message lost or duplicated fails the run, and so does a reply ended `interrupted`: node-2 finds node-1
# dead within the node ttl (3 s) and continues the replies it was producing. Usage: scripts/storm-ci.sh [extra
# load-test options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

dir=run/storm-ci
results=target/storm-ci
scripts/cluster.sh stop --dir "$dir" >/dev/null 2>&1 || true
trap 'scripts/cluster.sh stop --dir "$dir" >/dev/null 2>&1 || true' EXIT

# The heartbeat is short so that the clients notice a dead connection quickly. The reply lease is the default (30 s):
# replies cut by the kill are continued after the node ttl, long before their lease would lapse. The echo takes about
# a second per reply, so that node-1 is producing some when it is killed.
scripts/cluster.sh start --nodes 2 --dir "$dir" -- --heartbeat 5s --echo-delay 250ms
# shellcheck disable=SC1091
source "$dir/cluster.env"

mkdir -p "$results"
"$JAVA_HOME/bin/java" -Xmx1g -jar loadtest/target/tether-loadtest.jar \
  --target "$CLUSTER_WS_URL" --publish-url "$CLUSTER_LB_URL" --api-key "$CLUSTER_API_KEY" \
  --scenario storm --clients 500 --inject ramp:5s --message-rate 0.2/s --event-interval 1s \
  --duration 15s --cut-after 5s --kill-cmd "scripts/cluster.sh kill-node node-1 --dir $dir" \
  --reconnect-base 200ms --reconnect-max 5s --reconnect-attempts unlimited \
  --drain-timeout 60s --results "$results" --quiet "$@"

report="$(ls -td "$results"/*/ | head -1)report.json"
interrupted=$(jq '.counts.repliesEndedBy.interrupted // 0' "$report")
continued=$(jq '.counts.repliesContinued // 0' "$report")
pause=$(jq -r '.latencyMs.continuePause | "p50 \(.p50 // "-") ms, p99 \(.p99 // "-") ms, max \(.max // "-") ms"' "$report")
echo "replies continued after the kill: $continued (pause $pause); replies interrupted: $interrupted"
# A kill that was never made (the clients' ramp overran the hold on a loaded machine) would make every check above
# pass without testing anything, and so would a kill that cut no reply.
if [ "$(jq '.timing.faultSecond' "$report")" = null ]; then
  echo "FAIL: node-1 was never killed (the fault was not injected), so nothing was tested" >&2
  exit 1
fi
if [ "$continued" -eq 0 ]; then
  echo "FAIL: the kill cut no reply, so continuation was not tested" >&2
  exit 1
fi
if [ "$interrupted" -ne 0 ]; then
  echo "FAIL: $interrupted replies ended interrupted instead of being continued" >&2
  exit 1
fi
