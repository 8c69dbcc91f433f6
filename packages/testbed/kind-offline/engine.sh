#!/usr/bin/env bash
# A docker engine of the suite's own, in a network namespace of its own, so that nothing it does (bridges,
# iptables rules, published ports) reaches the host's network.
#   engine.sh start ID   starts dockerd; prints NETNS=... DOCKER_HOST=... lines for the callers
#   engine.sh stop ID    stops it and removes its namespace, state and data (every container with them)
# Everything that talks to it (docker, kind, kubectl) runs inside the namespace: nsenter --net=$NETNS.
. "$(dirname "$0")/lib.sh"

id=${2:?usage: engine.sh start|stop ID}
netns=tscni-kind-$id
run=/run/tscni-kind/$id
data=/var/tmp/tscni-kind/$id

start() {
  mkdir -p "$run" "$data"
  # kind mounts the host's /lib/modules into every node; these VMs have none.
  if [ ! -e /lib/modules ]; then mkdir /lib/modules && touch "$run/made-lib-modules"; fi
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  # Entered with nsenter, not `ip netns exec`, which remounts /sys and hides the cgroup mounts from dockerd.
  nsenter --net="/var/run/netns/$netns" dockerd \
    --data-root "$data" --exec-root "$run/exec" --pidfile "$run/dockerd.pid" -H "unix://$run/docker.sock" \
    --add-runtime without-sys-resource="$HERE/runc-without-sys-resource" --default-runtime without-sys-resource \
    >"$run/dockerd.log" 2>&1 &
  local tries=0
  until DOCKER_HOST="unix://$run/docker.sock" docker version >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ] || ! kill -0 $! 2>/dev/null; then
      tail -20 "$run/dockerd.log" >&2; stop; return 1
    fi
    sleep 0.5
  done
  log "dockerd $id ready in network namespace $netns"
  printf 'NETNS=/var/run/netns/%s\nDOCKER_HOST=unix://%s/docker.sock\nDOCKERD_LOG=%s/dockerd.log\n' "$netns" "$run" "$run"
}

stop() {
  local pid
  if [ -f "$run/dockerd.pid" ]; then
    pid=$(cat "$run/dockerd.pid")
    DOCKER_HOST="unix://$run/docker.sock" timeout 60 docker rm -f $(DOCKER_HOST="unix://$run/docker.sock" docker ps -aq) >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # Containers' mounts under the data root go before it does.
  grep -o " $data[^ ]*\| $run[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
  [ -f "$run/made-lib-modules" ] && rmdir /lib/modules 2>/dev/null
  rm -rf "$run" "$data"
}

case "$1" in
start) start ;;
stop) stop ;;
*) echo "usage: engine.sh start|stop ID" >&2; exit 2 ;;
esac
