#!/usr/bin/env bash
# One Apache Kafka broker+controller (KRaft) on 127.0.0.1 for tests, from Maven Central jars.
#
#   kafka.sh            start on free ports; prints KAFKA_BROKERS=127.0.0.1:<port> (and KAFKA_PORT=…,
#                       KAFKA_DIR=…); with KAFKA_ADVERTISED_PORT set, clients are sent to that port
#                       then runs until killed (SIGTERM/SIGINT) or until its parent process is gone
#   kafka.sh stop DIR   stops the broker whose KAFKA_DIR is DIR (via DIR/kafka.pid)
#
# Faults for tests: SIGUSR1 kills the broker's JVM with SIGKILL (prints KAFKA_KILLED); SIGUSR2
# starts it again on the same storage dir and ports (prints KAFKA_RESTARTED once it answers).
#
# The jars are fetched once with `mvn dependency:copy-dependencies` on pom.xml next to this file,
# into ${AIN_CACHE_DIR:-~/.cache/ain}/kafka/<version>/libs. The storage dir is a fresh temp dir,
# removed on stop. Test helpers run this through test/services/kafka.ts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start_timeout_s="${KAFKA_START_TIMEOUT_S:-90}"
heap="${KAFKA_HEAP:--Xmx512m}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

if [[ "${1:-}" == "stop" ]]; then
  dir="${2:?usage: kafka.sh stop KAFKA_DIR}"
  [[ -f "$dir/kafka.pid" ]] || die "no $dir/kafka.pid: nothing to stop"
  kill -TERM "$(cat "$dir/kafka.pid")" 2>/dev/null || true
  exit 0
fi
[[ $# -eq 0 ]] || die "usage: kafka.sh | kafka.sh stop KAFKA_DIR"

command -v java >/dev/null || die "java is not installed; Kafka needs Java 17."
command -v node >/dev/null || die "node is not on PATH (used to pick free ports)."

version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
[[ -n "$version" ]] || die "no <kafka.version> in $here/pom.xml"
cache="${AIN_CACHE_DIR:-$HOME/.cache/ain}/kafka/$version"
libs="$cache/libs"

# Fetch once; the marker is written last so an interrupted download is redone, not half-used.
if [[ ! -f "$cache/.complete" ]]; then
  command -v mvn >/dev/null || die "mvn is not installed; it fetches Kafka $version from Maven Central."
  echo "kafka.sh: fetching Kafka $version into $libs (first run only)" >&2
  rm -rf "$libs.partial" && mkdir -p "$cache"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$libs.partial" >&2 || die "mvn could not fetch Kafka $version (is Maven Central reachable?)"
  rm -rf "$libs" && mv "$libs.partial" "$libs" && touch "$cache/.complete"
fi

# Free ports: let the OS pick two, then release them (a small race, fine for one machine's tests).
read -r port controller_port < <(node -e '
  const net = require("node:net");
  const pick = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  Promise.all([pick(), pick()]).then(([a, b]) => console.log(a, b));')
[[ "$port" != "$controller_port" ]] || die "could not pick two distinct free ports"
# Clients may be told to reach the broker through another port (a fault-injecting proxy in tests).
advertised_port="${KAFKA_ADVERTISED_PORT:-$port}"
# Like Kafka's own Uuid.randomUuid: never a leading '-', which the tool would read as an option.
cluster_id="$(node -e '
  const { randomBytes } = require("node:crypto");
  let id; do id = randomBytes(16).toString("base64url"); while (id.startsWith("-"));
  console.log(id);')"

dir="$(mktemp -d "${TMPDIR:-/tmp}/ain-kafka.XXXXXX")"
java_pid=""
parent_pid="$PPID"
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$java_pid" ]] && kill -0 "$java_pid" 2>/dev/null; then
    kill -TERM "$java_pid" 2>/dev/null || true
    # A clean shutdown takes a few seconds; bound it, then force.
    for _ in $(seq 1 100); do kill -0 "$java_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$java_pid" 2>/dev/null || true
    wait "$java_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$advertised_port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
unclean.leader.election.enable=false
# A broker SIGKILLed and restarted re-registers only once the controller has dropped its old
# session: short sessions bring it back in seconds instead of Kafka's default 9 s or more.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
PROPS
cat > "$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS

jvm=(java "$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$dir/log4j.properties" -cp "$libs/*")
"${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
  || { cat "$dir/format.log" >&2; die "formatting the KRaft storage dir failed"; }

count_started() {
  local n
  n="$(grep -c "Kafka Server started" "$dir/server.log" 2>/dev/null || true)"
  echo "${n:-0}"
}
start_broker() {
  local started_lines
  started_lines="$(count_started)"
  "${jvm[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/stdout.log" 2>&1 &
  java_pid=$!
  local deadline=$((SECONDS + start_timeout_s))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (( $(count_started) > started_lines )); do
    if ! kill -0 "$java_pid" 2>/dev/null; then
      tail -n 30 "$dir/server.log" "$dir/stdout.log" >&2 || true
      die "the broker exited during startup"
    fi
    if (( SECONDS >= deadline )); then
      tail -n 30 "$dir/server.log" >&2 || true
      die "the broker did not answer on 127.0.0.1:$port within ${start_timeout_s}s"
    fi
    sleep 0.2
  done
}
killed=""
kill_broker() {
  killed=1
  kill -KILL "$java_pid" 2>/dev/null || true
  wait "$java_pid" 2>/dev/null || true
  echo "KAFKA_KILLED"
}
restart_broker() {
  start_broker
  killed=""
  echo "KAFKA_RESTARTED"
}

echo "$$" > "$dir/kafka.pid"
start_broker
trap kill_broker USR1
trap restart_broker USR2

echo "KAFKA_PORT=$port"
echo "KAFKA_BROKERS=127.0.0.1:$advertised_port"
echo "KAFKA_DIR=$dir"

# Run until killed, the broker dies (not by SIGUSR1), or whoever started us is gone (so a crashed
# test leaks nothing). `sleep & wait` so the fault signals are handled at once.
while { [[ -n "$killed" ]] || kill -0 "$java_pid" 2>/dev/null; } && kill -0 "$parent_pid" 2>/dev/null; do
  sleep 0.2 & wait $! || true
done
kill -0 "$java_pid" 2>/dev/null || [[ -n "$killed" ]] || { tail -n 30 "$dir/server.log" >&2 || true; die "the broker exited"; }
