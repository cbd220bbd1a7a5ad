#!/usr/bin/env bash
# `make demo`: a real MCP server (the official filesystem server, from npm) driven by a real MCP
# client (the official Python SDK) through mcpjail, first in sandbox mode, then — if a docker
# engine answers — in docker mode. Shows what mcpjail enforced and what the kernel refused.
#
#   scripts/demo.sh [PATH/TO/mcpjail]        (peers from tests/peers/setup.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
mcpjail=$(realpath "${1:-target/release/mcpjail}")
py=$root/target/peers/venv/bin/python
client=$root/tests/peers/mcp_client.py
server=$root/target/peers/node/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js
[ -x "$py" ] && [ -f "$server" ] || { echo "demo: run tests/peers/setup.sh first" >&2; exit 1; }

work=$root/target/demo
rm -rf "$work" && mkdir -p "$work/notes" "$work/elsewhere"
echo "hello from the host" > "$work/notes/readme.txt"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { "$py" "$root/scripts/demo_show.py" "$1"; }

say "the plan: mcpjail explain --mode sandbox --rw notes -- node server-filesystem notes elsewhere"
"$mcpjail" explain --mode sandbox --rw "$work/notes" -- node "$server" "$work/notes" "$work/elsewhere" |
    show plan

say "the server may serve notes/ and elsewhere/, but mcpjail lets it write only to notes/"
"$py" "$client" \
    --call read_text_file "{\"path\": \"$work/notes/readme.txt\"}" \
    --call write_file "{\"path\": \"$work/notes/todo.txt\", \"content\": \"buy milk\"}" \
    --call write_file "{\"path\": \"$work/elsewhere/pwned.txt\", \"content\": \"escaped\"}" \
    -- "$mcpjail" --mode sandbox --rw "$work/notes" -- node "$server" "$work/notes" "$work/elsewhere" |
    show calls
echo "on the host: notes/todo.txt $( [ -f "$work/notes/todo.txt" ] && echo exists || echo MISSING )," \
    "elsewhere/pwned.txt $( [ -e "$work/elsewhere/pwned.txt" ] && echo 'EXISTS (escape!)' || echo 'does not exist' )"

if docker info >/dev/null 2>&1 && docker image inspect node:20 >/dev/null 2>&1; then
    say "docker mode: the same server in a container (node:20), notes/ bind-mounted read-write"
    "$mcpjail" explain --mode docker --rw "$work/notes" --ro "$root/target/peers/node" -- \
        node "$server" "$work/notes" | show docker
    "$py" "$client" \
        --call write_file "{\"path\": \"$work/notes/from-container.txt\", \"content\": \"hi\"}" \
        -- "$mcpjail" --mode docker --rw "$work/notes" --ro "$root/target/peers/node" -- \
        node "$server" "$work/notes" | show calls
    echo "on the host: notes/from-container.txt $( [ -f "$work/notes/from-container.txt" ] && echo exists || echo MISSING )"
else
    say "docker mode skipped: no docker engine (tests/peers/dockerd.sh starts one) or no node:20 image"
fi
