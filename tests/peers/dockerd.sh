#!/usr/bin/env bash
# Start a local Docker engine for the integration tests, if none answers yet.
# Idempotent: exits 0 at once when `docker info` already works.
# Env: DOCKERD_LOG (default /tmp/dockerd.log), DOCKERD_WAIT seconds (default 30).
set -euo pipefail

log=${DOCKERD_LOG:-/tmp/dockerd.log}
wait_s=${DOCKERD_WAIT:-30}

say() { echo "dockerd.sh: $*" >&2; }

if docker info >/dev/null 2>&1; then
    say "docker engine already up"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    say "ERROR: dockerd not found (apt-get install docker.io)"
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    say "ERROR: must run as root to start dockerd"
    exit 1
fi

# A stale pid file from a dead daemon makes dockerd refuse to start.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
    rm -f "$pidfile"
fi

if [ -f "$pidfile" ]; then
    say "dockerd already running (pid $(cat "$pidfile")), waiting for it"
else
    say "starting dockerd (log: $log)"
    # setsid + nohup: the daemon outlives this script and its session.
    setsid nohup dockerd --storage-driver=overlay2 >>"$log" 2>&1 </dev/null &
fi

for _ in $(seq 1 $((wait_s * 2))); do
    if docker info >/dev/null 2>&1; then
        say "docker engine up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
        exit 0
    fi
    sleep 0.5
done

say "ERROR: docker engine did not come up within ${wait_s}s; last lines of $log:"
tail -n 40 "$log" >&2 || true
exit 1
