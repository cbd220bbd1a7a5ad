#!/usr/bin/env bash
# Builds the benchmark's peers into target/bench/: the static exec-only floor, the same
# confinement as mcpjail's hard-coded in C (benches/confine.c), and the landlock crate's example
# sandboxer (from the crates.io release mcpjail depends on). bwrap, firejail and
# docker come from Debian (.ci/run and `make bench` install them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=target/bench
mkdir -p "$out"

missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v firejail >/dev/null || missing+=(firejail)
command -v gcc >/dev/null || missing+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -e /usr/lib/aarch64-linux-gnu/libc.a ] || missing+=(libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
fi

for c in floor confine; do
    if [ ! -x "$out/$c" ] || [ "benches/$c.c" -nt "$out/$c" ]; then
        gcc -static -O2 -o "$out/$c" "benches/$c.c"
    fi
done

# The sandboxer is an example of the landlock crate, so `cargo install` cannot build it; build it
# from the registry's copy of the crate, at the version in our Cargo.lock.
version=$(awk '/^name = "landlock"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ ! -x "$out/sandboxer" ] || [ "$(cat "$out/sandboxer.version" 2>/dev/null)" != "$version" ]; then
    cargo fetch --locked >/dev/null
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/landlock-"$version" | head -1)
    work="$out/landlock-$version"
    rm -rf "$work" && cp -r "$src" "$work"
    (cd "$work" && CARGO_TARGET_DIR=target cargo build --quiet --release --example sandboxer)
    cp "$work/target/release/examples/sandboxer" "$out/sandboxer"
    echo "$version" > "$out/sandboxer.version"
fi
echo "bench peers: $out/floor $out/confine $out/sandboxer (landlock $version)"
