#!/usr/bin/env bash
# What docker mode costs on top of the docker run it wraps:
#
#   mcpjail --mode docker --image IMAGE -- true     (probe + supervised docker run)
#   docker run -i --rm --init IMAGE true             (the same container, plain)
#   mcpjail explain --mode docker -- true            (planning and the probe alone)
#
# Runs are interleaved (ABAB…) so that drift in the engine hits both sides alike; prints
# medians, the ratio, and mcpjail's added milliseconds. Not a test: numbers vary by host.
#
# Usage: benches/docker_overhead.sh [MCPJAIL] [RUNS] [IMAGE]
#        defaults: target/release/mcpjail, 30, alpine:3.18
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mcpjail=${1:-target/release/mcpjail}
runs=${2:-30}
image=${3:-alpine:3.18}

[ -x "$mcpjail" ] || { echo "docker_overhead: $mcpjail not built (cargo build --release)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "docker_overhead: no docker engine (tests/peers/dockerd.sh)" >&2; exit 1; }
docker image inspect "$image" >/dev/null 2>&1 || { echo "docker_overhead: image $image missing (tests/peers/setup.sh)" >&2; exit 1; }

plain() { docker run -i --rm --init "$image" true </dev/null; }
jailed() { "$mcpjail" --mode docker --image "$image" -- true </dev/null; }
probe() { "$mcpjail" explain --mode docker --image "$image" -- true >/dev/null; }

# ms, as a decimal, of one run of "$@"
time_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "docker_overhead: '$*' failed" >&2; exit 1; }
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) / 1e6 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# warm up the image, the engine's caches and the binary
for _ in 1 2 3; do plain; jailed; probe; done

p=() j=() e=()
for i in $(seq 1 "$runs"); do
    if [ $((i % 2)) = 0 ]; then
        p+=("$(time_ms plain)"); j+=("$(time_ms jailed)")
    else
        j+=("$(time_ms jailed)"); p+=("$(time_ms plain)")
    fi
    e+=("$(time_ms probe)")
done

mp=$(printf '%s\n' "${p[@]}" | median)
mj=$(printf '%s\n' "${j[@]}" | median)
me=$(printf '%s\n' "${e[@]}" | median)
echo "docker mode overhead, $runs interleaved runs each, image $image, medians:"
printf '  %-48s %9.1f ms\n' "docker run -i --rm --init $image true" "$mp"
printf '  %-48s %9.1f ms\n' "mcpjail --mode docker -- true" "$mj"
printf '  %-48s %9.1f ms\n' "mcpjail explain --mode docker (plan + probe)" "$me"
awk -v a="$mj" -v b="$mp" 'BEGIN { printf "  ratio mcpjail / plain: %.3f   (mcpjail adds %+.1f ms)\n", a / b, a - b }'
