#!/usr/bin/env bash
# Runs the docker-compose topology as plain processes on 127.0.0.1: one Redis, N gateway nodes, HAProxy in front.
#
#   scripts/cluster.sh start [--nodes N] [--base-port P] [--redis-port R] [--lb-port L] [--stats-port S]
#                            [--api-key K] [--store redis|memory] [--redis-uri URI] [--java-opts "..."]
#                            [--jar PATH] [--build] [--timeout SECONDS] [--dir DIR] [-- GATEWAY_FLAGS...]
#   scripts/cluster.sh status              [--dir DIR]   exit 0 all up, 2 something down, 1 no cluster
#   scripts/cluster.sh kill-node NAME      [--dir DIR]   SIGKILL: the node dies without a goodbye
#   scripts/cluster.sh stop-node NAME      [--dir DIR] [--timeout S]   SIGTERM: drains (503, then 1012 over --drain-time)
#   scripts/cluster.sh start-node NAME     [--dir DIR] [--timeout S]   same port and flags; waits until HAProxy has it UP
#   scripts/cluster.sh restart-node NAME   [--dir DIR] [--timeout S]   stop-node, then start-node: one rolling-restart step
#   scripts/cluster.sh wait-lb NAME STATE  [--dir DIR] [--timeout S]   until HAProxy reports the node UP or DOWN
#   scripts/cluster.sh kill-redis          [--dir DIR]   SIGKILL the cluster's Redis (it comes back empty)
#   scripts/cluster.sh start-redis         [--dir DIR]   start it again on the same port
#   scripts/cluster.sh stop                [--dir DIR]   stops everything it started; does nothing if nothing runs
#   scripts/cluster.sh haproxy-config      [--nodes N] [--base-port P] [--lb-port L] [--stats-port S]
#                                          prints the HAProxy config start would generate
#
# Ports that are not given are picked free. Nodes are named node-1..node-N. The summary on stdout is one line per
# process ("redis pid=.. port=..", "node node-1 pid=.. port=..", "haproxy pid=.. port=..") and DIR/cluster.env holds
# the same as CLUSTER_* shell variables. Logs: DIR/*.log. DIR defaults to run/cluster.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

DIR=run/cluster
TIMEOUT=90
PROG=scripts/cluster.sh

die() { echo "$PROG: error: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit "${1:-2}"
}

need_tool() {
  command -v "$1" >/dev/null || die "$1 not found on PATH; install it ($2)"
}

# --- process bookkeeping ------------------------------------------------------------------------------------------

# True if pid runs (not a zombie) and its command line matches the glob marker; guards against a recycled pid.
is_running() {
  local pid=$1 marker=$2 state cmd
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  # shellcheck disable=SC2053  # marker is a glob on purpose
  [[ "$cmd" == $marker ]]
}

read_pid() { if [ -f "$DIR/$1.pid" ]; then cat "$DIR/$1.pid"; fi; }

# Globs that identify each of our processes by /proc/PID/cmdline (arguments joined by spaces, one after the last).
# Redis rewrites its own title to "redis-server 127.0.0.1:PORT", so both forms must match.
redis_marker() { echo "*redis-server*[ :]${REDIS_PORT}[ ]*"; }
node_marker() { echo "* --node-id $1 *"; }
haproxy_marker() { echo "* -f $DIR/haproxy.cfg *"; }

wait_gone() {
  local pid=$1 marker=$2 secs=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    is_running "$pid" "$marker" || return 0
    sleep 0.1
  done
  return 1
}

# Sends SIGTERM, then SIGKILL if the process is still there after secs.
terminate() {
  local what=$1 pid=$2 marker=$3 secs=$4
  is_running "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$marker" "$secs"; then
    note "$what (pid $pid) still running ${secs}s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" "$marker" 10 || die "$what (pid $pid) survived SIGKILL"
  fi
}

port_in_use() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

TAKEN_PORTS=" "
# A free port below the kernel's ephemeral range, so that outgoing connections cannot take it before we bind it.
free_port() {
  local p tries
  p=$((20000 + RANDOM % 12000))
  for ((tries = 0; tries < 2000; tries++)); do
    if [[ "$TAKEN_PORTS" != *" $p "* ]] && ! port_in_use "$p"; then
      TAKEN_PORTS+="$p "
      echo "$p"
      return 0
    fi
    p=$((p + 1 > 31999 ? 20000 : p + 1))
  done
  die "no free port found in 20000-31999"
}

claim_port() {
  local what=$1 p=$2
  if ! [[ "$p" =~ ^[0-9]+$ ]] || [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
    die "$what must be a port number in 1..65535, got '$p'"
  fi
  [[ "$TAKEN_PORTS" != *" $p "* ]] || die "$what $p is already used by another process of this cluster"
  ! port_in_use "$p" || die "$what $p is already in use on this machine (pick another, or leave it out for a free one)"
  TAKEN_PORTS+="$p "
}

tail_log() {
  if [ -f "$1" ]; then
    { echo "---- last lines of $1 ----"; tail -n 30 "$1"; echo "----"; } >&2
  fi
}

# Polls until check succeeds; fails early if the process died, and after secs.
wait_for() {
  local what=$1 pid=$2 marker=$3 log=$4 secs=$5 deadline
  shift 5
  deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! is_running "$pid" "$marker"; then
      tail_log "$log"
      die "$what (pid $pid) exited before it was ready; see $log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail_log "$log"
      die "$what (pid $pid) not ready after ${secs}s; see $log"
    fi
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# HAProxy's view of one node (UP, DOWN, MAINT, "UP 1/2", ...) from its stats CSV; empty if HAProxy does not answer.
lb_state() {
  curl -fsS --max-time 2 "http://127.0.0.1:$STATS_PORT/;csv" 2>/dev/null |
    awk -F, -v n="$1" '$1 == "gateways" && $2 == n { print $18; exit }' || true
}

lb_node_up() { [ "$(lb_state "$1")" = UP ]; }

lb_all_up() {
  local name
  for name in "${NODE_NAMES[@]}"; do
    [ "$(lb_state "$name")" = UP ] || return 1
  done
}

# --- persistent state ---------------------------------------------------------------------------------------------

save_conf() {
  {
    echo "# Written by $PROG start; read by its other commands. Not for editing."
    declare -p STORE REDIS_URI REDIS_OWNED REDIS_PORT LB_PORT STATS_PORT API_KEY JAR JAR_SOURCE JAVA_BIN JAVA_OPTS_ARR \
      GATEWAY_ARGS NODE_NAMES NODE_PORTS WS_PATH | sed 's/^declare /declare -g /'
  } >"$DIR/cluster.conf"
}

load_conf() {
  [ -f "$DIR/cluster.conf" ] || die "no cluster in $DIR (start one with: $PROG start)"
  # shellcheck disable=SC1091
  source "$DIR/cluster.conf"
}

node_index() {
  local i
  for i in "${!NODE_NAMES[@]}"; do
    [ "${NODE_NAMES[$i]}" = "$1" ] && { echo "$i"; return 0; }
  done
  die "no node named '$1' (nodes: ${NODE_NAMES[*]})"
}

# A shell word for value: plain when it is safe unquoted (so Java's Properties can read the file too), else %q.
shell_word() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:,@+=-]*$ ]]; then printf '%s' "$1"; else printf '%q' "$1"; fi
}

# cluster.env: what other scripts and tests need, as shell variables (also readable as a Java properties file).
write_env() {
  local i n pid pids=() ports=()
  {
    echo "# Written by $PROG; source it: . $DIR/cluster.env"
    printf 'CLUSTER_DIR=%s\n' "$(shell_word "$DIR")"
    printf 'CLUSTER_STORE=%s\n' "$(shell_word "$STORE")"
    printf 'CLUSTER_REDIS_URI=%s\n' "$(shell_word "$REDIS_URI")"
    printf 'CLUSTER_REDIS_PID=%s\n' "$(shell_word "$(read_pid redis)")"
    printf 'CLUSTER_REDIS_PORT=%s\n' "$(shell_word "$REDIS_PORT")"
    printf 'CLUSTER_NODE_COUNT=%s\n' "$(shell_word "${#NODE_NAMES[@]}")"
    for i in "${!NODE_NAMES[@]}"; do
      n=$((i + 1))
      pid=$(read_pid "${NODE_NAMES[$i]}")
      pids+=("${pid:--}")
      ports+=("${NODE_PORTS[$i]}")
      printf 'CLUSTER_NODE_%d_NAME=%s\n' "$n" "$(shell_word "${NODE_NAMES[$i]}")"
      printf 'CLUSTER_NODE_%d_PID=%s\n' "$n" "$(shell_word "$pid")"
      printf 'CLUSTER_NODE_%d_PORT=%s\n' "$n" "$(shell_word "${NODE_PORTS[$i]}")"
      printf 'CLUSTER_NODE_%d_URL=%s\n' "$n" "$(shell_word "ws://127.0.0.1:${NODE_PORTS[$i]}$WS_PATH")"
    done
    printf 'CLUSTER_NODES=%s\n' "$(shell_word "$(IFS=,; echo "${NODE_NAMES[*]}")")"
    printf 'CLUSTER_NODE_PORTS=%s\n' "$(shell_word "$(IFS=,; echo "${ports[*]}")")"
    printf 'CLUSTER_NODE_PIDS=%s\n' "$(shell_word "$(IFS=,; echo "${pids[*]}")")"
    printf 'CLUSTER_HAPROXY_PID=%s\n' "$(shell_word "$(read_pid haproxy)")"
    printf 'CLUSTER_LB_PORT=%s\n' "$(shell_word "$LB_PORT")"
    printf 'CLUSTER_LB_URL=%s\n' "$(shell_word "http://127.0.0.1:$LB_PORT")"
    printf 'CLUSTER_WS_URL=%s\n' "$(shell_word "ws://127.0.0.1:$LB_PORT$WS_PATH")"
    printf 'CLUSTER_STATS_URL=%s\n' "$(shell_word "http://127.0.0.1:$STATS_PORT/")"
    printf 'CLUSTER_API_KEY=%s\n' "$(shell_word "$API_KEY")"
  } >"$DIR/cluster.env.tmp"
  mv "$DIR/cluster.env.tmp" "$DIR/cluster.env"
}

# --- launching ----------------------------------------------------------------------------------------------------

# setsid: each process gets its own session, so a Ctrl-C or a closed terminal does not reach it; it is stopped only
# through this script (by pid). The background child is not a process group leader, so setsid execs in place and
# $! is the service's own pid.
launch() {
  local name=$1
  shift
  setsid "$@" >>"$DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

start_redis() {
  echo "==== $(date -u +%FT%TZ) $PROG start" >>"$DIR/redis.log"
  # No RDB, no AOF: like the compose file, a restart starts empty and clients hear history_lost.
  launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$DIR" --maxmemory-policy noeviction --protected-mode yes
  wait_for "redis" "$(read_pid redis)" "$(redis_marker)" "$DIR/redis.log" "$TIMEOUT" \
    redis_ping
}

# Bounded: redis-cli waits forever on a Redis that accepts but does not answer (stopped, overloaded).
redis_ping() { [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_node() {
  local name=${NODE_NAMES[$1]} port=${NODE_PORTS[$1]} args
  args=(--host 127.0.0.1 --port "$port" --node-id "$name" --store "$STORE")
  [ "$STORE" = redis ] && args+=(--redis-uri "$REDIS_URI")
  echo "==== $(date -u +%FT%TZ) $PROG start $name on port $port" >>"$DIR/$name.log"
  # The API key goes through the environment, not the command line that ps shows.
  if [ -n "$API_KEY" ]; then
    launch "$name" env TETHER_API_KEY="$API_KEY" "$JAVA_BIN" "${JAVA_OPTS_ARR[@]}" -jar "$JAR" "${args[@]}" "${GATEWAY_ARGS[@]}"
  else
    launch "$name" env -u TETHER_API_KEY "$JAVA_BIN" "${JAVA_OPTS_ARR[@]}" -jar "$JAR" "${args[@]}" "${GATEWAY_ARGS[@]}"
  fi
}

wait_node() {
  local name=${NODE_NAMES[$1]} port=${NODE_PORTS[$1]}
  wait_for "gateway $name" "$(read_pid "$name")" "$(node_marker "$name")" "$DIR/$name.log" "$TIMEOUT" \
    http_ok "http://127.0.0.1:$port/health"
}

# Fills in deploy/haproxy.local.cfg.in for NODE_PORTS, LB_PORT, STATS_PORT; prints the config.
render_haproxy_cfg() {
  local i servers="" nofile maxconn
  for i in "${!NODE_NAMES[@]}"; do
    servers+="    server ${NODE_NAMES[$i]} 127.0.0.1:${NODE_PORTS[$i]}"$'\n'
  done
  nofile=$(ulimit -n)
  [ "$nofile" != unlimited ] || nofile=1048576
  # Two descriptors per proxied connection, some reserve for checks, logs and listeners.
  maxconn=$(((nofile - 200) / 2))
  [ "$maxconn" -le 100000 ] || maxconn=100000
  [ "$maxconn" -ge 100 ] || die "open-file limit $nofile is too low for HAProxy; raise it (ulimit -n)"
  awk -v lb="$LB_PORT" -v stats="$STATS_PORT" -v maxconn="$maxconn" -v servers="${servers%$'\n'}" '
    $1 == "@SERVERS@" { print servers; next }
    { gsub(/@LB_PORT@/, lb); gsub(/@STATS_PORT@/, stats); gsub(/@MAXCONN@/, maxconn); print }
  ' "$ROOT/deploy/haproxy.local.cfg.in"
}

write_haproxy_cfg() {
  render_haproxy_cfg >"$DIR/haproxy.cfg"
  ! grep -n '@[A-Z_]*@' "$DIR/haproxy.cfg" || die "deploy/haproxy.local.cfg.in has a placeholder $PROG does not know"
  haproxy -c -q -f "$DIR/haproxy.cfg" || die "generated $DIR/haproxy.cfg is invalid"
}

start_haproxy() {
  echo "==== $(date -u +%FT%TZ) $PROG start" >>"$DIR/haproxy.log"
  launch haproxy haproxy -db -f "$DIR/haproxy.cfg"
  wait_for "haproxy" "$(read_pid haproxy)" "$(haproxy_marker)" "$DIR/haproxy.log" "$TIMEOUT" \
    http_ok "http://127.0.0.1:$LB_PORT/health"
  wait_for "haproxy" "$(read_pid haproxy)" "$(haproxy_marker)" "$DIR/haproxy.log" "$TIMEOUT" \
    lb_all_up
}

print_summary() {
  local i pid
  echo "cluster dir=$DIR store=$STORE nodes=${#NODE_NAMES[@]} jar=$JAR_SOURCE"
  if [ "$REDIS_OWNED" = 1 ]; then
    echo "redis pid=$(read_pid redis) port=$REDIS_PORT uri=$REDIS_URI"
  elif [ "$STORE" = redis ]; then
    echo "redis pid=- external uri=$REDIS_URI"
  fi
  for i in "${!NODE_NAMES[@]}"; do
    pid=$(read_pid "${NODE_NAMES[$i]}")
    echo "node ${NODE_NAMES[$i]} pid=${pid:--} port=${NODE_PORTS[$i]} url=ws://127.0.0.1:${NODE_PORTS[$i]}$WS_PATH"
  done
  echo "haproxy pid=$(read_pid haproxy) port=$LB_PORT url=ws://127.0.0.1:$LB_PORT$WS_PATH stats=http://127.0.0.1:$STATS_PORT/"
  echo "env $DIR/cluster.env"
}

# Stops whatever has a live pid file: HAProxy first (no new traffic), then the nodes, then Redis.
stop_all() {
  local name pid
  if [ -f "$DIR/haproxy.pid" ]; then
    terminate haproxy "$(read_pid haproxy)" "$(haproxy_marker)" 10
    rm -f "$DIR/haproxy.pid"
  fi
  # Every node goes, so draining would only delay: the second SIGTERM closes every connection at once.
  local term
  for term in 1 2; do
    for name in "${NODE_NAMES[@]}"; do
      [ -f "$DIR/$name.pid" ] || continue
      pid=$(read_pid "$name")
      if is_running "$pid" "$(node_marker "$name")"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    [ "$term" = 2 ] || sleep 0.5
  done
  for name in "${NODE_NAMES[@]}"; do
    [ -f "$DIR/$name.pid" ] || continue
    terminate "gateway $name" "$(read_pid "$name")" "$(node_marker "$name")" 30
    rm -f "$DIR/$name.pid"
  done
  if [ -f "$DIR/redis.pid" ]; then
    terminate redis "$(read_pid redis)" "$(redis_marker)" 10
    rm -f "$DIR/redis.pid"
  fi
  rm -f "$DIR/cluster.env"
}

# --- commands -----------------------------------------------------------------------------------------------------

STARTED=0
abort_start() {
  if [ "$STARTED" != 1 ] && [ -f "$DIR/cluster.conf" ]; then
    note "start failed; stopping what was started (logs stay in $DIR)"
    stop_all || true
    rm -f "$DIR/cluster.conf"
  fi
}

cmd_start() {
  mkdir -p "$DIR"
  if [ -f "$DIR/cluster.conf" ]; then
    load_conf
    local running=0 name
    is_running "$(read_pid haproxy)" "$(haproxy_marker)" && running=1
    for name in "${NODE_NAMES[@]}"; do
      is_running "$(read_pid "$name")" "$(node_marker "$name")" && running=1
    done
    is_running "$(read_pid redis)" "$(redis_marker)" && running=1
    [ "$running" = 0 ] || die "a cluster is already running in $DIR; stop it first: $PROG stop"
    note "removing the state of a cluster in $DIR whose processes are gone"
    rm -f "$DIR"/*.pid "$DIR/cluster.conf" "$DIR/cluster.env"
  fi

  local nodes=2 base_port="" redis_port="" lb_port="" stats_port="" build=0 java_opts i jar_given=""
  STORE=redis REDIS_URI="" REDIS_OWNED=0 REDIS_PORT="" API_KEY=tether-local-dev-key GATEWAY_ARGS=()
  java_opts=${CLUSTER_JAVA_OPTS:--XX:+ExitOnOutOfMemoryError}
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
      --base-port) base_port=${2:?--base-port needs a value}; shift 2 ;;
      --redis-port) redis_port=${2:?--redis-port needs a value}; shift 2 ;;
      --lb-port) lb_port=${2:?--lb-port needs a value}; shift 2 ;;
      --stats-port) stats_port=${2:?--stats-port needs a value}; shift 2 ;;
      --api-key) [ $# -ge 2 ] || die "--api-key needs a value (\"\" disables the publish API)"; API_KEY=$2; shift 2 ;;
      --store) STORE=${2:?--store needs a value}; shift 2 ;;
      --redis-uri) REDIS_URI=${2:?--redis-uri needs a value}; shift 2 ;;
      --java-opts) [ $# -ge 2 ] || die "--java-opts needs a value"; java_opts=$2; shift 2 ;;
      --jar) jar_given=${2:?--jar needs a value}; shift 2 ;;
      --build) build=1; shift ;;
      --) shift; GATEWAY_ARGS=("$@"); break ;;
      -h | --help) usage 0 ;;
      *) die "unknown option for start: $1 (try --help)" ;;
    esac
  done
  if ! [[ "$nodes" =~ ^[0-9]+$ ]] || [ "$nodes" -lt 1 ] || [ "$nodes" -gt 64 ]; then
    die "--nodes must be 1..64, got '$nodes'"
  fi
  case $STORE in redis | memory) ;; *) die "--store must be redis or memory, got '$STORE'" ;; esac
  [ "$STORE" = memory ] && [ -n "$REDIS_URI" ] && die "--redis-uri makes no sense with --store memory"
  read -ra JAVA_OPTS_ARR <<<"$java_opts"
  WS_PATH=/ws
  for ((i = 0; i < ${#GATEWAY_ARGS[@]}; i++)); do
    case ${GATEWAY_ARGS[$i]} in
      --path) WS_PATH=${GATEWAY_ARGS[$((i + 1))]:-/ws} ;;
      --path=*) WS_PATH=${GATEWAY_ARGS[$i]#--path=} ;;
      --host | --port | --node-id | --store | --redis-uri | --host=* | --port=* | --node-id=* | --store=* | --redis-uri=*)
        die "${GATEWAY_ARGS[$i]} is set by $PROG per node; use its own options instead" ;;
    esac
  done

  need_tool curl "apt-get install curl"
  need_tool haproxy "apt-get install haproxy"
  need_tool setsid "apt-get install util-linux"
  if [ "$STORE" = redis ] && [ -z "$REDIS_URI" ]; then
    need_tool redis-server "apt-get install redis-server"
    need_tool redis-cli "apt-get install redis-tools"
  fi

  # Ports: given ones must be free, the rest are picked.
  NODE_NAMES=() NODE_PORTS=()
  [ -z "$lb_port" ] || claim_port --lb-port "$lb_port"
  [ -z "$stats_port" ] || claim_port --stats-port "$stats_port"
  [ -z "$redis_port" ] || claim_port --redis-port "$redis_port"
  for ((i = 1; i <= nodes; i++)); do
    NODE_NAMES+=("node-$i")
    if [ -n "$base_port" ]; then
      [[ "$base_port" =~ ^[0-9]+$ ]] || die "--base-port must be a port number, got '$base_port'"
      claim_port "node-$i port (--base-port $base_port + $((i - 1)))" $((base_port + i - 1))
      NODE_PORTS+=($((base_port + i - 1)))
    else
      NODE_PORTS+=("$(free_port)")
    fi
  done
  LB_PORT=${lb_port:-$(free_port)}
  STATS_PORT=${stats_port:-$(free_port)}
  if [ "$STORE" = redis ] && [ -z "$REDIS_URI" ]; then
    REDIS_OWNED=1
    REDIS_PORT=${redis_port:-$(free_port)}
    REDIS_URI=redis://127.0.0.1:$REDIS_PORT
  fi

  # The JDK (scripts/lib/jdk.sh picks one of 21 or newer) and the gateway jar.
  # shellcheck source=scripts/lib/jdk.sh
  source scripts/lib/jdk.sh
  JAVA_BIN=$JAVA_HOME/bin/java
  if [ -n "$jar_given" ]; then
    JAR=$(realpath -m "$jar_given")
    [ -f "$JAR" ] || die "--jar $jar_given: no such file"
  else
    JAR=$ROOT/gateway/target/tether-gateway.jar
    if [ "$build" = 1 ] || [ ! -f "$JAR" ]; then
      note "building $JAR"
      ./mvnw -B -q -ntp -DskipTests -pl gateway -am package || die "gateway build failed"
      [ -f "$JAR" ] || die "the build did not produce $JAR"
    elif [ -n "$(find protocol/src session-redis/src gateway/src -newer "$JAR" -type f -print -quit 2>/dev/null)" ]; then
      note "warning: $JAR is older than the sources; pass --build to rebuild it"
    fi
  fi

  # The nodes run a private copy: a rebuild of the jar while they run would swap classes under their feet
  # (NoClassDefFoundError on the next class they load), and a restarted node must run what the others run.
  cp "$JAR" "$DIR/tether-gateway.jar.tmp"
  mv -f "$DIR/tether-gateway.jar.tmp" "$DIR/tether-gateway.jar"
  JAR_SOURCE=$JAR
  JAR=$DIR/tether-gateway.jar

  # Each proxied WebSocket costs HAProxy two descriptors and a node one: use all the hard limit allows.
  [ "$(ulimit -Hn)" = unlimited ] || ulimit -n "$(ulimit -Hn)"

  # Fresh logs for a fresh cluster; start-node appends to its node's log.
  rm -f "$DIR"/*.log
  save_conf
  trap abort_start EXIT
  if [ "$STORE" = memory ]; then
    note "warning: --store memory: nodes share nothing, so a session cannot resume on another node"
  fi
  if [ "$REDIS_OWNED" = 1 ]; then
    note "starting redis on 127.0.0.1:$REDIS_PORT"
    start_redis
  elif [ "$STORE" = redis ]; then
    note "using external redis $REDIS_URI"
  fi
  for i in "${!NODE_NAMES[@]}"; do
    note "starting gateway ${NODE_NAMES[$i]} on 127.0.0.1:${NODE_PORTS[$i]}"
    start_node "$i"
  done
  for i in "${!NODE_NAMES[@]}"; do
    wait_node "$i"
  done
  write_haproxy_cfg
  note "starting haproxy on 127.0.0.1:$LB_PORT (stats on $STATS_PORT)"
  start_haproxy
  write_env
  STARTED=1
  trap - EXIT
  print_summary
}

# Prints the HAProxy config that start would generate, without starting anything (scripts/check-deploy.sh uses it).
cmd_haproxy_config() {
  local nodes=2 base_port=20001 i
  LB_PORT=20000 STATS_PORT=20100
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
      --base-port) base_port=${2:?--base-port needs a value}; shift 2 ;;
      --lb-port) LB_PORT=${2:?--lb-port needs a value}; shift 2 ;;
      --stats-port) STATS_PORT=${2:?--stats-port needs a value}; shift 2 ;;
      *) die "unknown option for haproxy-config: $1" ;;
    esac
  done
  NODE_NAMES=() NODE_PORTS=()
  for ((i = 1; i <= nodes; i++)); do
    NODE_NAMES+=("node-$i")
    NODE_PORTS+=($((base_port + i - 1)))
  done
  render_haproxy_cfg
}

cmd_status() {
  load_conf
  local i name pid health lb state rc=0
  echo "cluster dir=$DIR store=$STORE nodes=${#NODE_NAMES[@]}"
  if [ "$REDIS_OWNED" = 1 ]; then
    pid=$(read_pid redis)
    if is_running "$pid" "$(redis_marker)" && redis_ping; then state=running; else state=down; rc=2; fi
    echo "redis pid=${pid:--} port=$REDIS_PORT state=$state"
  fi
  for i in "${!NODE_NAMES[@]}"; do
    name=${NODE_NAMES[$i]}
    pid=$(read_pid "$name")
    if is_running "$pid" "$(node_marker "$name")"; then state=running; else state=down; rc=2; fi
    health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${NODE_PORTS[$i]}/health" || true)
    [ "$health" = 200 ] || rc=2
    lb=$(lb_state "$name")
    lb=${lb// /_}
    [ "$lb" = UP ] || rc=2
    echo "node $name pid=${pid:--} port=${NODE_PORTS[$i]} state=$state health=${health:-000} lb=${lb:-unknown}"
  done
  pid=$(read_pid haproxy)
  if is_running "$pid" "$(haproxy_marker)"; then state=running; else state=down; rc=2; fi
  echo "haproxy pid=${pid:--} port=$LB_PORT stats_port=$STATS_PORT state=$state"
  return $rc
}

cmd_kill_node() {
  local name=$1 pid
  load_conf
  node_index "$name" >/dev/null
  pid=$(read_pid "$name")
  is_running "$pid" "$(node_marker "$name")" || die "node $name is not running"
  kill -KILL "$pid"
  wait_gone "$pid" "$(node_marker "$name")" 10 || die "node $name (pid $pid) survived SIGKILL"
  echo "==== $(date -u +%FT%TZ) $PROG kill-node: SIGKILL" >>"$DIR/$name.log"
  rm -f "$DIR/$name.pid"
  write_env
  echo "node $name pid=$pid killed signal=KILL"
}

cmd_stop_node() {
  local name=$1 pid
  load_conf
  node_index "$name" >/dev/null
  pid=$(read_pid "$name")
  is_running "$pid" "$(node_marker "$name")" || die "node $name is not running"
  terminate "gateway $name" "$pid" "$(node_marker "$name")" "$TIMEOUT"
  rm -f "$DIR/$name.pid"
  write_env
  echo "node $name pid=$pid stopped signal=TERM"
}

cmd_start_node() {
  local name=$1 i pid
  load_conf
  i=$(node_index "$name")
  pid=$(read_pid "$name")
  ! is_running "$pid" "$(node_marker "$name")" || die "node $name is already running (pid $pid)"
  # A node that just died may leave its port busy for a moment.
  local deadline=$((SECONDS + 10))
  while port_in_use "${NODE_PORTS[$i]}"; do
    [ "$SECONDS" -lt "$deadline" ] || die "port ${NODE_PORTS[$i]} of $name is taken by another process"
    sleep 0.2
  done
  [ "$REDIS_OWNED" != 1 ] || redis_ping || note "warning: redis on port $REDIS_PORT does not answer"
  start_node "$i"
  wait_node "$i"
  write_env
  # Done when traffic can reach it again: HAProxy needs two good checks (rise 2, inter 2s).
  if is_running "$(read_pid haproxy)" "$(haproxy_marker)"; then
    wait_for "haproxy's view of $name" "$(read_pid "$name")" "$(node_marker "$name")" "$DIR/$name.log" "$TIMEOUT" \
      lb_node_up "$name"
  fi
  echo "node $name pid=$(read_pid "$name") port=${NODE_PORTS[$i]} url=ws://127.0.0.1:${NODE_PORTS[$i]}$WS_PATH"
}

# One step of a rolling restart: the node drains and exits (SIGTERM, waited for up to --timeout), then starts again on
# its port and is back once HAProxy has it UP.
cmd_restart_node() {
  local name=$1
  cmd_stop_node "$name"
  cmd_start_node "$name"
}

cmd_kill_redis() {
  local pid
  load_conf
  [ "$REDIS_OWNED" = 1 ] || die "this cluster did not start its Redis (store $STORE${REDIS_URI:+, $REDIS_URI})"
  pid=$(read_pid redis)
  is_running "$pid" "$(redis_marker)" || die "redis is not running"
  kill -KILL "$pid"
  wait_gone "$pid" "$(redis_marker)" 10 || die "redis (pid $pid) survived SIGKILL"
  echo "==== $(date -u +%FT%TZ) $PROG kill-redis: SIGKILL" >>"$DIR/redis.log"
  rm -f "$DIR/redis.pid"
  write_env
  echo "redis pid=$pid killed signal=KILL"
}

cmd_start_redis() {
  local pid deadline
  load_conf
  [ "$REDIS_OWNED" = 1 ] || die "this cluster did not start its Redis (store $STORE${REDIS_URI:+, $REDIS_URI})"
  pid=$(read_pid redis)
  ! is_running "$pid" "$(redis_marker)" || die "redis is already running (pid $pid)"
  deadline=$((SECONDS + 10))
  while port_in_use "$REDIS_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "redis port $REDIS_PORT is taken by another process"
    sleep 0.2
  done
  start_redis
  write_env
  echo "redis pid=$(read_pid redis) port=$REDIS_PORT uri=$REDIS_URI"
}

cmd_wait_lb() {
  local name=$1 want=$2 deadline state
  load_conf
  node_index "$name" >/dev/null
  case $want in UP | DOWN | MAINT) ;; *) die "state must be UP, DOWN or MAINT, got '$want'" ;; esac
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    state=$(lb_state "$name")
    [ "$state" = "$want" ] && break
    [ "$SECONDS" -lt "$deadline" ] || die "HAProxy reports $name as '${state:-nothing}', not $want, after ${TIMEOUT}s"
    sleep 0.2
  done
  echo "node $name lb=$state"
}

cmd_stop() {
  if [ ! -f "$DIR/cluster.conf" ]; then
    note "no cluster in $DIR; nothing to stop"
    return 0
  fi
  load_conf
  stop_all
  rm -f "$DIR/cluster.conf"
  echo "stopped dir=$DIR"
}

# --- main ---------------------------------------------------------------------------------------------------------

[ $# -ge 1 ] || usage
command=$1
shift
# --dir and --timeout may appear anywhere before "--"; the rest is for the command.
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs a value}; shift 2 ;;
    --) args+=("$@"); break ;;
    *) args+=("$1"); shift ;;
  esac
done
DIR=$(realpath -m "$DIR")
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '$TIMEOUT'"
set -- "${args[@]+"${args[@]}"}"

case $command in
  start) cmd_start "$@" ;;
  status) [ $# -eq 0 ] || usage; cmd_status ;;
  kill-node) [ $# -eq 1 ] || usage; cmd_kill_node "$1" ;;
  stop-node) [ $# -eq 1 ] || usage; cmd_stop_node "$1" ;;
  start-node) [ $# -eq 1 ] || usage; cmd_start_node "$1" ;;
  restart-node) [ $# -eq 1 ] || usage; cmd_restart_node "$1" ;;
  wait-lb) [ $# -eq 2 ] || usage; cmd_wait_lb "$1" "$2" ;;
  kill-redis) [ $# -eq 0 ] || usage; cmd_kill_redis ;;
  start-redis) [ $# -eq 0 ] || usage; cmd_start_redis ;;
  haproxy-config) cmd_haproxy_config "$@" ;;
  stop) [ $# -eq 0 ] || usage; cmd_stop ;;
  -h | --help | help) usage 0 ;;
  *) die "unknown command '$command' (start, status, kill-node, stop-node, start-node, restart-node, wait-lb, kill-redis, start-redis, stop)" ;;
esac
