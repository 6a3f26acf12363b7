#!/usr/bin/env bash
# A Docker engine for tests, on a unix socket (no TCP, no bridge, no iptables).
#
#   docker.sh   prints DOCKER_HOST=unix://<socket> once the engine answers, then runs until killed
#               (SIGTERM/SIGINT) or until its parent process is gone, and then stops the engine
#               it started.
#
# A running engine is reused (left running): $DOCKER_HOST when it is a unix socket, else
# /var/run/docker.sock. Otherwise dockerd is started with its own exec-root, pidfile and socket in a
# fresh temp dir; its data-root (the image cache) is ${AIN_CACHE_DIR:-~/.cache/ain}/docker/data,
# or a temp dir while another docker.sh holds that one. A machine without dockerd gets Debian's
# docker.io package (root, or sudo without a password). Test helpers run this through docker.ts.
set -euo pipefail

start_timeout_s="${DOCKER_START_TIMEOUT_S:-60}"
die() { echo "docker.sh: $*" >&2; exit 1; }
[[ $# -eq 0 ]] || die "usage: docker.sh (takes no arguments)"
command -v node >/dev/null || die "node is not on PATH (used to ping the engine)."

# Whether an engine answers GET /_ping on the unix socket $1.
answers() {
  [[ -S "$1" ]] || return 1
  node -e '
    const req = require("node:http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on("error", () => process.exit(1)); req.on("timeout", () => process.exit(1));' "$1"
}

parent_pid="$PPID"
wait_for_parent() { while kill -0 "$parent_pid" 2>/dev/null; do sleep 1; done; }

host="${DOCKER_HOST:-}"
for socket in "${host#unix://}" /var/run/docker.sock; do
  [[ -n "$socket" && "$socket" != tcp://* ]] || continue
  if answers "$socket"; then
    echo "docker.sh: reusing the engine at $socket" >&2
    echo "DOCKER_HOST=unix://$socket"
    wait_for_parent
    exit 0
  fi
done

if ! command -v dockerd >/dev/null; then
  sudo=()
  [[ "$(id -u)" -eq 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null && sudo=(sudo -n); } \
    || die "dockerd is not installed and this user cannot install it (needs root): apt-get install docker.io"
  echo "docker.sh: installing Debian's docker.io (first run only)" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >&2 || die "apt-get update failed"
  "${sudo[@]}" apt-get install -y -qq docker.io >&2 || die "apt-get install docker.io failed"
  command -v dockerd >/dev/null || die "docker.io installed no dockerd"
fi
[[ "$(id -u)" -eq 0 ]] || die "dockerd needs root to start; start the system engine instead (systemctl start docker)"

# A short path: the engine's and containerd's sockets live under it (unix sockets allow ~100 bytes).
dir="$(mktemp -d /tmp/ain-docker.XXXXXX)"
cache="${AIN_CACHE_DIR:-$HOME/.cache/ain}/docker"
mkdir -p "$cache"
exec 9>"$cache/data.lock"
if flock -n 9; then data_root="$cache/data"; else data_root="$dir/data"; exec 9>&-; fi

dockerd_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$dockerd_pid" ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    # The engine stops its containers and its containerd first; bound it, then force.
    for _ in $(seq 1 150); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  rm -rf "$dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

socket="$dir/docker.sock"
dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none --ip-forward=false --ip-masq=false \
  --data-root "$data_root" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" -H "unix://$socket" \
  --log-level=warn >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!

deadline=$((SECONDS + start_timeout_s))
until answers "$socket"; do
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    tail -n 30 "$dir/dockerd.log" >&2 || true
    die "dockerd exited during startup"
  fi
  if (( SECONDS >= deadline )); then
    tail -n 30 "$dir/dockerd.log" >&2 || true
    die "dockerd did not answer on $socket within ${start_timeout_s}s"
  fi
  sleep 0.2
done

echo "DOCKER_HOST=unix://$socket"
echo "DOCKER_DIR=$dir"

# Run until killed, the engine dies, or whoever started us is gone (so a crashed test leaks nothing).
while kill -0 "$dockerd_pid" 2>/dev/null && kill -0 "$parent_pid" 2>/dev/null; do sleep 1; done
kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 30 "$dir/dockerd.log" >&2 || true; die "dockerd exited"; }
