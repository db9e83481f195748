#!/usr/bin/env bash
# Validates the deployment files without a Docker engine: docker-compose.yml (docker-compose config), deploy/haproxy.cfg
# and the loopback config scripts/cluster.sh generates (haproxy -c), and a few invariants of the Dockerfile and the
# HAProxy configs. Exits non-zero on the first problem, including a missing tool.
# Usage: scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "check-deploy: FAIL: $*" >&2; exit 1; }
ok() { echo "check-deploy: ok: $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- tools --------------------------------------------------------------------------------------------------------
command -v haproxy >/dev/null || fail "haproxy not found; install it (apt-get install haproxy)"
if command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  fail "docker-compose not found; install it (apt-get install docker-compose; no Docker engine is needed)"
fi

# --- docker-compose.yml -------------------------------------------------------------------------------------------
# TETHER_* from the caller's environment must not decide whether the file is valid.
env -u TETHER_API_KEY -u TETHER_IMAGE -u TETHER_LB_PORT -u TETHER_STATS_PORT -u TETHER_JAVA_OPTS \
  "${compose[@]}" -f docker-compose.yml config -q || fail "docker-compose.yml is invalid (${compose[*]} config)"
env -u TETHER_API_KEY -u TETHER_IMAGE -u TETHER_LB_PORT -u TETHER_STATS_PORT -u TETHER_JAVA_OPTS \
  "${compose[@]}" -f docker-compose.yml config >"$tmp/compose.yml" 2>/dev/null
for service in redis gateway-1 gateway-2 haproxy; do
  grep -q "^  $service:" "$tmp/compose.yml" || fail "docker-compose.yml has no service $service"
done
grep -q 'TETHER_STORE: redis' "$tmp/compose.yml" || fail "docker-compose.yml: gateways must use TETHER_STORE=redis"
grep -q 'deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg' "$tmp/compose.yml" ||
  fail "docker-compose.yml: haproxy must mount deploy/haproxy.cfg"
# The monitoring profile: Prometheus and Grafana, with Grafana's provisioning and dashboards mounted.
env -u TETHER_API_KEY -u TETHER_IMAGE -u TETHER_LB_PORT -u TETHER_STATS_PORT -u TETHER_JAVA_OPTS \
  "${compose[@]}" -f docker-compose.yml --profile monitoring config >"$tmp/monitoring.yml" 2>/dev/null ||
  fail "docker-compose.yml is invalid with --profile monitoring"
for service in prometheus grafana; do
  grep -q "^  $service:" "$tmp/monitoring.yml" || fail "the monitoring profile has no service $service"
done
grep -q 'deploy/grafana/provisioning:/etc/grafana/provisioning' "$tmp/monitoring.yml" ||
  fail "docker-compose.yml: grafana must mount deploy/grafana/provisioning"
# The stop grace period must outlast a drain: --drain-delay + --drain-time + --shutdown-timeout, 45 s by default.
grace=$(sed -n 's/^ *stop_grace_period: *\([0-9]*\)s$/\1/p' docker-compose.yml | head -1)
[ -n "$grace" ] && [ "$grace" -gt 45 ] || fail "docker-compose.yml: stop_grace_period must exceed 45s (a full drain)"
ok "docker-compose.yml (${compose[*]} config)"

# --- Dockerfile ---------------------------------------------------------------------------------------------------
# Maven reads every module's pom even when it builds only the gateway: the image must copy all of them.
mapfile -t modules < <(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml)
[ ${#modules[@]} -gt 0 ] || fail "found no <module> in pom.xml"
for module in "${modules[@]}"; do
  grep -q "^COPY $module/pom.xml " Dockerfile || fail "Dockerfile does not copy $module/pom.xml (a module of pom.xml)"
done
for required in '^FROM .* AS build' '^USER ' '^HEALTHCHECK ' '^STOPSIGNAL SIGTERM' '^EXPOSE 8787'; do
  grep -Eq "$required" Dockerfile || fail "Dockerfile lacks a line matching '$required'"
done
ok "Dockerfile copies every module's pom and has USER, HEALTHCHECK, STOPSIGNAL, EXPOSE"

# --- HAProxy ------------------------------------------------------------------------------------------------------
# Outside Docker the compose service names do not resolve; that warning is expected, any other one is not.
check_haproxy() {
  local file=$1 out
  if ! out=$(haproxy -c -f "$file" 2>&1); then
    echo "$out" >&2
    fail "haproxy -c rejects $2"
  fi
  if echo "$out" | grep WARNING | grep -v "could not resolve address" | grep -q .; then
    echo "$out" >&2
    fail "haproxy -c warns about $2"
  fi
}

check_haproxy deploy/haproxy.cfg deploy/haproxy.cfg
scripts/cluster.sh haproxy-config --nodes 3 >"$tmp/haproxy.local.cfg" || fail "scripts/cluster.sh haproxy-config failed"
check_haproxy "$tmp/haproxy.local.cfg" "the config scripts/cluster.sh generates from deploy/haproxy.local.cfg.in"

shared() { sed -n '/shared defaults: begin/,/shared defaults: end/p' "$1"; }
[ -n "$(shared deploy/haproxy.cfg)" ] || fail "deploy/haproxy.cfg lost its '# ---- shared defaults' markers"
diff -u <(shared deploy/haproxy.cfg) <(shared deploy/haproxy.local.cfg.in) >&2 ||
  fail "the defaults sections of deploy/haproxy.cfg and deploy/haproxy.local.cfg.in differ; keep them identical"

# Sessions live in Redis, so routing must stay free of affinity; and the WebSocket timeouts must outlast the heartbeat.
for file in deploy/haproxy.cfg "$tmp/haproxy.local.cfg"; do
  if grep -Eq '^[[:space:]]*(cookie|stick|stick-table|balance[[:space:]]+(source|uri|url_param|hdr))' "$file"; then
    fail "$file has session affinity (cookie/stick/hash balance); Tether needs none"
  fi
  grep -Eq '^[[:space:]]*option httpchk GET /health' "$file" || fail "$file does not check GET /health"
  grep -Eq '^[[:space:]]*http-check expect status 200' "$file" || fail "$file does not expect 200 from /health"
  grep -Eq '^[[:space:]]*option redispatch' "$file" || fail "$file lacks option redispatch"
  grep -Eq '^[[:space:]]*http-request deny .*path /metrics' "$file" ||
    fail "$file lets /metrics through the public entry point"
done
to_seconds() {
  case $1 in
    *ms) echo $((${1%ms} / 1000)) ;; *s) echo "${1%s}" ;; *m) echo $((${1%m} * 60)) ;;
    *h) echo $((${1%h} * 3600)) ;; *d) echo $((${1%d} * 86400)) ;; *) echo $(($1 / 1000)) ;;
  esac
}
heartbeat=25
for t in client server tunnel; do
  value=$(awk -v t="$t" '$1 == "timeout" && $2 == t { print $3; exit }' deploy/haproxy.cfg)
  [ -n "$value" ] || fail "deploy/haproxy.cfg sets no timeout $t"
  [ "$(to_seconds "$value")" -gt $((heartbeat + 5)) ] ||
    fail "timeout $t $value is not comfortably above the ${heartbeat}s gateway heartbeat"
done
ok "deploy/haproxy.cfg and the generated loopback config (haproxy -c, same defaults, no affinity, timeouts)"

# --- Grafana ------------------------------------------------------------------------------------------------------
# The dashboard's queries are checked against the metrics a live node exports by DashboardMetricsIT (gateway module);
# here, that the files parse and refer to the provisioned data source.
for file in deploy/grafana/dashboards/*.json; do
  python3 -m json.tool "$file" >/dev/null || fail "$file is not valid JSON"
  grep -q '"uid": "tether-prometheus"' "$file" || fail "$file does not use the provisioned data source tether-prometheus"
done
grep -q 'uid: tether-prometheus' deploy/grafana/provisioning/datasources/prometheus.yml ||
  fail "deploy/grafana/provisioning/datasources/prometheus.yml lost the data source uid tether-prometheus"
ok "deploy/grafana (dashboards parse, provisioned data source)"

# --- scripts ------------------------------------------------------------------------------------------------------
if command -v shellcheck >/dev/null; then
  shellcheck -x scripts/cluster.sh scripts/check-deploy.sh scripts/rolling-restart.sh || fail "shellcheck"
  ok "shellcheck scripts/cluster.sh scripts/check-deploy.sh scripts/rolling-restart.sh"
else
  echo "check-deploy: skipped: shellcheck not installed (apt-get install shellcheck)"
fi
bash -n scripts/cluster.sh || fail "scripts/cluster.sh has a syntax error"
bash -n scripts/rolling-restart.sh || fail "scripts/rolling-restart.sh has a syntax error"

echo "check-deploy: all deployment files are valid"
