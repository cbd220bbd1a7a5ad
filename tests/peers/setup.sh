#!/usr/bin/env bash
# Install the real MCP peers that mcpjail's integration tests talk to, under target/peers/:
#   target/peers/venv   Python venv: official `mcp` SDK + mcp-server-git (tests/peers/requirements.txt)
#   target/peers/node   npm: @modelcontextprotocol/server-filesystem (tests/peers/node/package*.json)
#   docker images       built locally with `docker import` (no registry needed), if a daemon answers:
#                         alpine:3.18                 busybox-static rootfs
#                         mcpjail-test/python-mcp     host Python + mcp SDK + echo_server.py; also python:3.11
#                         mcpjail-test/node           host node + npm + server-filesystem;  also node:20
# Idempotent: each part carries a hash of its inputs (stamp file, or image label) and is
# rebuilt only when that hash changes. A second run takes about a second.
#
# Env: MCPJAIL_REQUIRE_DOCKER=1  fail (exit 1) when the docker daemon is unreachable
#      MCPJAIL_PEERS_FORCE=1     rebuild everything
#      PYTHON                    interpreter for the venv (default python3; must be >= 3.10)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PEERS=$ROOT/target/peers
PYTHON=${PYTHON:-python3}
FORCE=${MCPJAIL_PEERS_FORCE:-0}
LABEL=org.mcpjail.test.inputs

T0=$(date +%s.%N)
say() { echo "peers: $*" >&2; }
die() { echo "peers: ERROR: $*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}'; }
hash_of() { # hash_of FILE... [-- STRING...]
    { for a in "$@"; do if [ -f "$a" ]; then cat "$a"; else printf '%s\n' "$a"; fi; done; } |
        sha256sum | cut -c1-16
}
stamp_ok() { [ "$FORCE" != 1 ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

mkdir -p "$PEERS"

# ---------------------------------------------------------------- Python venv
setup_venv() {
    local t venv=$PEERS/venv h
    t=$(date +%s.%N)
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        die "$PYTHON is $("$PYTHON" -V 2>&1); the mcp SDK needs Python >= 3.10"
    h=$(hash_of "$HERE/requirements.txt" "$("$PYTHON" -c 'import sys; print(sys.version, sys.base_prefix)')")
    if stamp_ok "$venv/.stamp" "$h" && [ -x "$venv/bin/python" ]; then
        say "venv up to date ($venv)"
        return
    fi
    say "creating venv $venv"
    rm -rf "$venv"
    local pipargs=(install -q --disable-pip-version-check --no-input --no-compile -r "$HERE/requirements.txt")
    if "$PYTHON" -m pip --python "$PYTHON" --version >/dev/null 2>&1; then
        # Faster: no pip/setuptools inside the venv (saves ensurepip), host pip installs into it.
        "$PYTHON" -m venv --without-pip "$venv"
        "$PYTHON" -m pip --python "$venv/bin/python" "${pipargs[@]}"
    else
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip "${pipargs[@]}"
    fi
    "$venv/bin/python" -m compileall -q -j0 "$venv/lib" >/dev/null
    "$venv/bin/python" -c 'import mcp.client.stdio, mcp_server_git' ||
        die "venv built but mcp / mcp_server_git do not import"
    echo "$h" >"$venv/.stamp"
    say "venv ready in $(elapsed "$t")"
}

# ---------------------------------------------------------------- npm servers
setup_node() {
    local t dir=$PEERS/node h
    t=$(date +%s.%N)
    command -v node >/dev/null || die "node not found"
    command -v npm >/dev/null || die "npm not found"
    h=$(hash_of "$HERE/node/package.json" "$HERE/node/package-lock.json" "$(node --version)")
    local entry=$dir/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js
    if stamp_ok "$dir/.stamp" "$h" && [ -f "$entry" ]; then
        say "node servers up to date ($dir)"
        return
    fi
    say "installing npm servers into $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$HERE/node/package.json" "$HERE/node/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    [ -f "$entry" ] || die "npm ci succeeded but $entry is missing"
    echo "$h" >"$dir/.stamp"
    say "node servers ready in $(elapsed "$t")"
}

# ---------------------------------------------------------------- docker images
# A minimal root filesystem: busybox-static with all applets linked, the usual dirs and
# /etc files, /lib -> usr/lib and /lib64 -> usr/lib64 as on merged-/usr Debian.
make_base_rootfs() {
    local r=$1 bb applet
    bb=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
    rm -rf "$r"
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/lib,usr/lib/x86_64-linux-gnu,usr/lib64} \
        "$r"/{etc,dev,proc,sys,run,root,home,var/tmp,var/log,tmp,opt}
    ln -s usr/lib "$r/lib"
    ln -s usr/lib64 "$r/lib64"
    chmod 1777 "$r/tmp" "$r/var/tmp"
    chmod 700 "$r/root"
    cp -L "$bb" "$r/bin/busybox"
    for applet in $("$r/bin/busybox" --list-full); do
        [ -e "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
    done
    copy_libs "$r" "$r/bin/busybox"
    cat >"$r/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
    cat >"$r/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$r/etc/hosts"
    : >"$r/etc/resolv.conf"
    printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$r/etc/nsswitch.conf"
    cat >"$r/etc/os-release" <<'O'
NAME="mcpjail test image"
ID=mcpjail-test
PRETTY_NAME="mcpjail test image (busybox-static rootfs made by tests/peers/setup.sh)"
O
    printf '/usr/local/lib\n/usr/lib/x86_64-linux-gnu\n' >"$r/etc/ld.so.conf"
}

# copy_libs ROOTFS ELF...: copy the host shared libraries the ELF files need (per ldd) into
# ROOTFS/usr/lib/x86_64-linux-gnu (the dynamic loader into usr/lib64 too).
copy_libs() {
    local r=$1 lib
    shift
    for f in "$@"; do ldd "$f" 2>/dev/null || true; done |
        awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u |
        while read -r lib; do
            case $lib in "$r"/*) continue ;; esac
            case $lib in */libpython3*) continue ;; esac # shipped with the interpreter
            cp -Ln "$lib" "$r/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
            case $lib in */ld-linux*) cp -Ln "$lib" "$r/usr/lib64/$(basename "$lib")" ;; esac
        done
    if for f in "$@"; do ldd "$f" 2>/dev/null; done | grep -q 'not found'; then
        for f in "$@"; do ldd "$f" 2>/dev/null | sed "s|^|$f: |" | grep 'not found' >&2 || true; done
        die "unresolved shared libraries (see above)"
    fi
}

finish_rootfs() { # ld.so.cache for the image, so /usr/local/lib is searched too
    ldconfig -r "$1" 2>/dev/null || true
}

image_hash() { docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }

# import_image ROOTFS HASH TAG [EXTRA_TAG...] -- CHANGE...
import_image() {
    local r=$1 h=$2 tag=$3
    shift 3
    local extra=() changes=() t c
    while [ $# -gt 0 ] && [ "$1" != -- ]; do extra+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    for c in "$@"; do changes+=(--change "$c"); done
    tar -C "$r" --numeric-owner --owner=0 --group=0 -cf - . |
        docker import "${changes[@]}" --change "LABEL $LABEL=$h" - "$tag" >/dev/null
    for t in "${extra[@]}"; do
        local old
        old=$(image_hash "$t")
        if docker image inspect "$t" >/dev/null 2>&1 && [ -z "$old" ]; then
            say "note: replacing the tag $t (it named an image not built here)"
        fi
        docker tag "$tag" "$t"
    done
}

# tags_ok HASH TAG...: every tag exists and carries HASH
tags_ok() {
    local h=$1 t
    shift
    [ "$FORCE" = 1 ] && return 1
    for t in "$@"; do [ "$(image_hash "$t")" = "$h" ] || return 1; done
}

PATH_ENV='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

build_alpine() {
    local t h r=$PEERS/rootfs/alpine
    t=$(date +%s.%N)
    h=$(hash_of "$HERE/setup.sh" "$(busybox 2>&1 | head -1)")
    if tags_ok "$h" alpine:3.18; then say "image alpine:3.18 up to date"; return; fi
    say "building image alpine:3.18 (busybox-static rootfs)"
    make_base_rootfs "$r"
    finish_rootfs "$r"
    import_image "$r" "$h" alpine:3.18 -- "ENV $PATH_ENV" 'CMD ["/bin/sh"]'
    rm -rf "$r"
    say "alpine:3.18 built in $(elapsed "$t")"
}

build_python() {
    local t h r=$PEERS/rootfs/python venv=$PEERS/venv py base ver ldlib
    t=$(date +%s.%N)
    py=$venv/bin/python
    base=$("$py" -c 'import sys; print(sys.base_prefix)')
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    ldlib=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("LDLIBRARY") or "")')
    h=$(hash_of "$HERE/setup.sh" "$HERE/requirements.txt" "$HERE/echo_server.py" "$HERE/mcp_client.py" \
        "$(busybox 2>&1 | head -1)" "$(git --version 2>&1)" "$("$py" -c 'import sys; print(sys.version)')" "$base")
    local tags=(python:"$ver")
    [ "$ver" = 3.11 ] || say "note: host Python is $ver, so the image is tagged python:$ver, not python:3.11"
    if tags_ok "$h" mcpjail-test/python-mcp:latest "${tags[@]}"; then
        say "image mcpjail-test/python-mcp up to date"
        return
    fi
    say "building image mcpjail-test/python-mcp (host Python $ver from $base + venv)"
    make_base_rootfs "$r"
    local lib=$r/usr/local/lib/python$ver
    mkdir -p "$lib"
    # The standard library, without tests, GUI and build bits.
    tar -C "$base/lib/python$ver" \
        --exclude=./site-packages --exclude=./test --exclude=./idlelib --exclude=./tkinter \
        --exclude=./turtledemo --exclude=./ensurepip --exclude=./lib2to3 --exclude='./config-*' \
        --exclude='./lib-dynload/_tkinter*' --exclude='./lib-dynload/_test*' \
        --exclude='./lib-dynload/_ctypes_test*' --exclude='./lib-dynload/_xxtestfuzz*' \
        -cf - . | tar -C "$lib" -xf -
    # The venv's packages (mcp SDK, mcp-server-git, ...), without pip/setuptools.
    mkdir -p "$lib/site-packages"
    tar -C "$venv/lib/python$ver/site-packages" \
        --exclude='./pip' --exclude='./pip-*' --exclude='./setuptools' --exclude='./setuptools-*' \
        --exclude=./_distutils_hack --exclude=./distutils-precedence.pth --exclude=./pkg_resources \
        -cf - . | tar -C "$lib/site-packages" -xf -
    cp -L "$base/bin/python$ver" "$r/usr/local/bin/python$ver"
    if [ -n "$ldlib" ] && [ -f "$base/lib/$ldlib" ]; then
        cp -L "$base/lib/$ldlib" "$r/usr/local/lib/"
        local soname
        soname=$(readelf -d "$base/lib/$ldlib" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
        [ -n "$soname" ] && [ "$soname" != "$ldlib" ] && cp -L "$base/lib/$ldlib" "$r/usr/local/lib/$soname"
    fi
    ln -s "python$ver" "$r/usr/local/bin/python3"
    ln -s "python$ver" "$r/usr/local/bin/python"
    printf '#!/usr/local/bin/python3\nfrom mcp_server_git import main\nmain()\n' >"$r/usr/local/bin/mcp-server-git"
    chmod 755 "$r/usr/local/bin/mcp-server-git"
    # git for mcp-server-git (GitPython runs the git binary; status/add/commit are builtins).
    local git
    git=$(if [ -x /usr/bin/git ]; then echo /usr/bin/git; else command -v git || true; fi)
    if [ -n "$git" ]; then
        cp -L "$git" "$r/usr/bin/git"
        mkdir -p "$r/usr/lib/git-core"
        ln -s ../../bin/git "$r/usr/lib/git-core/git"
    else
        say "note: no git on the host; mcp-server-git will not work inside the image"
    fi
    mkdir -p "$r/opt/mcpjail-test"
    cp "$HERE/echo_server.py" "$HERE/mcp_client.py" "$r/opt/mcpjail-test/"
    local elfs
    mapfile -t elfs < <(find "$r/usr/local" -type f \( -name '*.so' -o -name '*.so.*' -o -path '*/bin/python*' \); [ -f "$r/usr/bin/git" ] && echo "$r/usr/bin/git")
    copy_libs "$r" "${elfs[@]}"
    finish_rootfs "$r"
    import_image "$r" "$h" mcpjail-test/python-mcp:latest "${tags[@]}" -- \
        "ENV $PATH_ENV" 'ENV LANG=C.UTF-8' 'ENV PYTHONDONTWRITEBYTECODE=1' 'CMD ["python3"]'
    rm -rf "$r"
    say "mcpjail-test/python-mcp built in $(elapsed "$t")"
}

build_node() {
    local t h r=$PEERS/rootfs/node node npmdir major
    t=$(date +%s.%N)
    node=$(readlink -f "$(command -v node)")
    npmdir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
    major=$(node -p 'process.versions.node.split(".")[0]')
    h=$(hash_of "$HERE/setup.sh" "$HERE/node/package-lock.json" "$(busybox 2>&1 | head -1)" \
        "$(node --version)" "$(npm --version)")
    if tags_ok "$h" mcpjail-test/node:latest node:"$major"; then
        say "image mcpjail-test/node up to date"
        return
    fi
    say "building image mcpjail-test/node (host node $(node --version), npm $(npm --version))"
    make_base_rootfs "$r"
    cp -L "$node" "$r/usr/local/bin/node"
    mkdir -p "$r/usr/local/lib/node_modules"
    cp -a "$npmdir" "$r/usr/local/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
    mkdir -p "$r/opt/mcpjail-test"
    cp -a "$PEERS/node" "$r/opt/mcpjail-test/node"
    copy_libs "$r" "$r/usr/local/bin/node"
    finish_rootfs "$r"
    import_image "$r" "$h" mcpjail-test/node:latest node:"$major" -- \
        "ENV $PATH_ENV" 'ENV LANG=C.UTF-8' 'CMD ["node"]'
    rm -rf "$r"
    say "mcpjail-test/node built in $(elapsed "$t")"
}

setup_images() {
    if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
        say "docker daemon not reachable: docker images were NOT built (start it with tests/peers/dockerd.sh)"
        if [ "${MCPJAIL_REQUIRE_DOCKER:-0}" = 1 ]; then
            die "MCPJAIL_REQUIRE_DOCKER=1 but docker is unavailable"
        fi
        return 0
    fi
    mkdir -p "$PEERS/rootfs"
    build_alpine
    build_python
    build_node
    rmdir "$PEERS/rootfs" 2>/dev/null || true
}

# The venv and the npm install are independent: run them side by side.
setup_node &
node_pid=$!
venv_rc=0
setup_venv || venv_rc=$?
node_rc=0
wait "$node_pid" || node_rc=$?
[ "$venv_rc" = 0 ] || die "Python venv setup failed"
[ "$node_rc" = 0 ] || die "npm setup failed"
setup_images
say "done in $(elapsed "$T0")"
