#!/usr/bin/env bash
# A rolling restart of a 2-node loopback cluster (scripts/cluster.sh: Redis, 2 gateway nodes, HAProxy) under load:
# the load test's clients chat and receive pushed events through HAProxy while node-1 is restarted (SIGTERM, its
# drain, a new process on the same port, HAProxy has it UP again), then node-2. Every node's /metrics is sampled
# each second, so the run reports the peak handshakes per second any one node took during the restarts, and the
# handshakes the nodes refused, by reason. Any frame, message or event lost or duplicated fails the run.
#
#   scripts/rolling-restart.sh [--clients N] [--hold D] [--drain-delay D] [--drain-time D] [--dir DIR] [--results DIR]
#                              [--jar GATEWAY_JAR] [--loadtest-jar JAR] [-- LOADTEST_OPTIONS...]
#
# Defaults: 2000 clients held 150s after a 20s ramp (the restart starts 10s after it), --drain-delay 5s, --drain-time 30s (the gateway's defaults), run/rolling, target/rolling.
# --drain-time 0 is the restart without drain: each node closes every connection at once. Prints one line of
# figures at the end ("figures: ..."), also in RESULTS/figures.txt. Needs the gateway and loadtest jars
# (./mvnw -B -ntp -q package -pl gateway,loadtest -am -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/jdk.sh

clients=2000
hold=150s
drain_delay=5s
drain_time=30s
dir=run/rolling
results=target/rolling
gateway_jar=gateway/target/tether-gateway.jar
loadtest_jar=loadtest/target/tether-loadtest.jar
while [ $# -gt 0 ]; do
  case $1 in
    --clients) clients=${2:?}; shift 2 ;;
    --hold) hold=${2:?}; shift 2 ;;
    --drain-delay) drain_delay=${2:?}; shift 2 ;;
    --drain-time) drain_time=${2:?}; shift 2 ;;
    --dir) dir=${2:?}; shift 2 ;;
    --results) results=${2:?}; shift 2 ;;
    --jar) gateway_jar=${2:?}; shift 2 ;;
    --loadtest-jar) loadtest_jar=${2:?}; shift 2 ;;
    --) shift; break ;;
    *) echo "rolling-restart: unknown option $1" >&2; exit 2 ;;
  esac
done

scripts/cluster.sh stop --dir "$dir" >/dev/null 2>&1 || true
sampler=
cleanup() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
  scripts/cluster.sh stop --dir "$dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A short heartbeat and reply lease, as in scripts/storm-ci.sh, so that anything cut ends within the run. Every client
# of the load test comes from 127.0.0.1: the per-address failed-resume limit would take them all for one guesser.
scripts/cluster.sh start --nodes 2 --dir "$dir" --jar "$gateway_jar" -- --heartbeat 5s --reply-lease 3s --echo-delay 20ms \
  --failed-resume-limit 1000000 --drain-delay "$drain_delay" --drain-time "$drain_time" >/dev/null
# shellcheck disable=SC1091
source "$dir/cluster.env"
mkdir -p "$results"
samples="$results/samples.tsv"
: >"$samples"

# One line per node about every second: time (ms), node, handshakes completed, handshakes refused by reason. A node being
# restarted answers nothing for a while; its counters start again from 0 in the new process.
sample() {
  local i port metrics
  while true; do
    for i in 1 2; do
      port=$(eval echo "\$CLUSTER_NODE_${i}_PORT")
      t=$(date +%s%3N)
      if metrics=$(curl -fsS --max-time 1 "http://127.0.0.1:$port/metrics" 2>/dev/null); then
        echo "$metrics" | awk -v t="$t" -v node="node-$i" '
          /^tether_handshakes_total\{/ { done += $NF }
          /^tether_handshakes_refused_total\{/ { match($0, /reason="[a-z_]*"/); r = substr($0, RSTART + 8, RLENGTH - 9)
                                                 refused[r] += $NF }
          END { line = t "\t" node "\t" done; for (r in refused) line = line "\t" r "=" refused[r]; print line }'
      fi
    done >>"$samples"
    sleep 0.5
  done
}
sample &
sampler=$!

restart_log="$results/restart.log"
restart="(date +%s%3N > $results/restart.start; scripts/cluster.sh restart-node node-1 --dir $dir \
&& scripts/cluster.sh restart-node node-2 --dir $dir; echo \$? > $results/restart.rc; date +%s%3N > $results/restart.end) \
>$restart_log 2>&1 &"

# The restart runs in the background (the load test waits for a fault command 60 s at most); the load is held long
# enough for both nodes to drain and come back.
set +e
"$JAVA_HOME/bin/java" -Xmx1g -jar "$loadtest_jar" \
  --target "$CLUSTER_WS_URL" --publish-url "$CLUSTER_LB_URL" --api-key "$CLUSTER_API_KEY" \
  --scenario storm --clients "$clients" --inject ramp:20s --message-rate 0.05/s --event-interval 10s \
  --duration "$hold" --cut-after 10s --kill-cmd "$restart" \
  --reconnect-base 200ms --reconnect-max 5s --reconnect-attempts unlimited \
  --drain-timeout 60s --results "$results" --quiet "$@"
loadtest=$?
set -e
kill "$sampler" 2>/dev/null || true
sampler=

for _ in $(seq 1 120); do [ -f "$results/restart.end" ] && break; sleep 1; done
[ -f "$results/restart.end" ] || { echo "rolling-restart: the restart did not finish" >&2; exit 1; }
[ "$(cat "$results/restart.rc")" = 0 ] || { echo "rolling-restart: the restart failed:" >&2; cat "$restart_log" >&2; exit 1; }

# Peak handshakes per second on one node, from the restart's start to its end (the ramp-up is before it); refusals
# summed over both nodes and both processes of each.
figures=$(awk -v start="$(cat "$results/restart.start")" -v end="$(cat "$results/restart.end")" '
  function refusedsum(line,   n, f, i, kv, s) { n = split(line, f, "\t"); s = 0
    for (i = 4; i <= n; i++) { split(f[i], kv, "="); s += kv[2] } return s }
  {
    t = $1; node = $2; hs = $3
    for (i = 4; i <= NF; i++) { split($i, kv, "="); cur[node, kv[1]] = kv[2] }
    if (node in last_t && hs >= last_hs[node] && t > last_t[node] && t >= start && t <= end + 5000) {
      rate = (hs - last_hs[node]) * 1000 / (t - last_t[node]); if (rate > peak) { peak = rate; peak_node = node }
    }
    if (node in last_t && hs < last_hs[node]) { for (k in cur) { split(k, nk, SUBSEP); if (nk[1] == node) base[k] += prev[k] } }
    for (k in cur) { split(k, nk, SUBSEP); if (nk[1] == node) prev[k] = cur[k] }
    last_t[node] = t; last_hs[node] = hs
  }
  END {
    for (k in prev) { split(k, nk, SUBSEP); total[nk[2]] += prev[k] + base[k] }
    out = sprintf("peak_handshakes_per_s_one_node=%.0f (%s)", peak, peak_node)
    all = 0; detail = ""
    for (r in total) { all += total[r]; if (total[r] > 0) detail = detail " " r "=" total[r] }
    printf "%s refused_by_nodes=%d%s restart_s=%.1f\n", out, all, detail, (end - start) / 1000
  }' "$samples")
summary=$(ls -td "$results"/*-storm* | head -1)/summary.txt
{
  echo "figures: drain_time=$drain_time clients=$clients $figures"
  grep -E "frames lost|frames duplicated|replies duplicated|replies ended twice|events received twice|published events not received|handshakes refused \(1013\)|reconnect attempts  |handshakes per second|all .* clients connected again|VERDICT" "$summary"
} | tee "$results/figures.txt"
exit "$loadtest"
