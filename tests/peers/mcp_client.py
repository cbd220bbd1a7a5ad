#!/usr/bin/env python3
"""A small real MCP stdio client (official `mcp` SDK) for mcpjail's integration tests.

Usage:
  mcp_client.py [--list-tools] [--call TOOL JSON_ARGS]... [--timeout SECS]
                [--cwd DIR] [--sdk-env] [--strict-stdout] -- SERVER_CMD [ARG...]

Starts SERVER_CMD (in tests usually `mcpjail ... -- node ...`), initializes a session,
optionally lists tools, then performs the --call requests in order, and prints ONE JSON
object on stdout:

  {"server_name": "...", "server_version": "...", "protocol_version": "...",
   "tools": ["name", ...],                     # [] unless --list-tools
   "calls": [{"tool": "...", "is_error": false, "text": "...",
              "structured": ... (only if the server sent structured content),
              "rpc_error": {"code": N, "message": "..."} (only for a JSON-RPC error)}],
   "stdout_errors": ["..."]}                   # lines on the server's stdout that were not
                                               # JSON-RPC (a protocol error; the SDK skips them)

Exit status: 0 if the session worked (tool errors and JSON-RPC errors of single calls are
reported in "calls", not fatal); 1 if the server could not be started or initialize failed
or the session broke (reason on stderr, nothing on stdout); 2 on bad usage; 3 on timeout;
4 with --strict-stdout when the session worked but "stdout_errors" is not empty (the JSON
is printed all the same).

The server's stderr goes straight to this process's stderr. The server gets this
process's whole environment (the SDK alone would pass only a small allowlist; --sdk-env
restores that behaviour).
"""

import argparse
import json
import os
import sys


def parse_args(argv):
    if "--" not in argv:
        print("mcp_client.py: error: missing '--' before the server command", file=sys.stderr)
        sys.exit(2)
    i = argv.index("--")
    opts, server = argv[:i], argv[i + 1 :]
    if not server:
        print("mcp_client.py: error: no server command after '--'", file=sys.stderr)
        sys.exit(2)
    p = argparse.ArgumentParser(prog="mcp_client.py", usage=__doc__.split("\n\n")[1])
    p.add_argument("--list-tools", action="store_true")
    p.add_argument("--call", nargs=2, action="append", default=[], metavar=("TOOL", "JSON_ARGS"))
    p.add_argument("--timeout", type=float, default=60.0, help="whole-session timeout (s)")
    p.add_argument("--cwd", default=None)
    p.add_argument("--sdk-env", action="store_true", help="use the SDK's default env allowlist")
    p.add_argument("--strict-stdout", action="store_true", help="exit 4 if the server wrote non-JSON-RPC to stdout")
    args = p.parse_args(opts)
    calls = []
    for tool, raw in args.call:
        try:
            arguments = json.loads(raw)
        except json.JSONDecodeError as e:
            p.error(f"--call {tool}: JSON_ARGS is not JSON: {e}")
        if not isinstance(arguments, dict):
            p.error(f"--call {tool}: JSON_ARGS must be a JSON object")
        calls.append((tool, arguments))
    return args, calls, server


def _attr(obj, *names, default=None):
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _text_of(content):
    parts = []
    for block in content or []:
        if getattr(block, "type", None) == "text":
            parts.append(block.text)
    return "\n".join(parts)


async def run(args, calls, server):
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(
        command=server[0],
        args=server[1:],
        env=None if args.sdk_env else dict(os.environ),
        cwd=args.cwd,
    )
    out = {"server_name": None, "server_version": None, "protocol_version": None, "tools": [], "calls": [],
           "stdout_errors": []}

    async def on_message(message):
        # Transport-level faults (e.g. a non-JSON line on the server's stdout) arrive here.
        if isinstance(message, Exception):
            out["stdout_errors"].append(f"{type(message).__name__}: {message}"[:300])

    with anyio.fail_after(args.timeout):
        async with stdio_client(params, errlog=sys.stderr) as (read, write):
            async with ClientSession(read, write, message_handler=on_message) as session:
                try:
                    init = await session.initialize()
                except Exception as e:  # noqa: BLE001 - report any failure
                    raise SessionFailure(f"initialize failed: {type(e).__name__}: {e}") from e
                info = _attr(init, "server_info", "serverInfo")
                out["server_name"] = _attr(info, "name")
                out["server_version"] = _attr(info, "version")
                out["protocol_version"] = _attr(init, "protocol_version", "protocolVersion")
                if args.list_tools:
                    try:
                        res = await session.list_tools()
                    except Exception as e:  # noqa: BLE001
                        raise SessionFailure(f"tools/list failed: {type(e).__name__}: {e}") from e
                    out["tools"] = [t.name for t in res.tools]
                for tool, arguments in calls:
                    entry = {"tool": tool}
                    try:
                        res = await session.call_tool(tool, arguments)
                    except Exception as e:  # noqa: BLE001
                        err = _attr(e, "error")
                        if err is None or not hasattr(err, "code"):
                            raise SessionFailure(f"tools/call {tool} failed: {type(e).__name__}: {e}") from e
                        entry.update(is_error=True, text=err.message,
                                     rpc_error={"code": err.code, "message": err.message})
                    else:
                        entry["is_error"] = bool(_attr(res, "is_error", "isError", default=False))
                        entry["text"] = _text_of(res.content)
                        structured = _attr(res, "structured_content", "structuredContent")
                        if structured is not None:
                            entry["structured"] = structured
                    out["calls"].append(entry)
    return out


class SessionFailure(Exception):
    pass


def _flatten(e):
    """Yield leaf exceptions of (possibly nested) exception groups."""
    subs = getattr(e, "exceptions", None)
    if subs:
        for s in subs:
            yield from _flatten(s)
    else:
        yield e


def main():
    args, calls, server = parse_args(sys.argv[1:])
    import anyio

    try:
        out = anyio.run(run, args, calls, server)
    except TimeoutError:
        print(f"mcp_client.py: error: timed out after {args.timeout}s", file=sys.stderr)
        sys.exit(3)
    except BaseException as e:  # noqa: BLE001 - includes exception groups
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        leaves = list(_flatten(e))
        if any(isinstance(x, TimeoutError) for x in leaves):
            print(f"mcp_client.py: error: timed out after {args.timeout}s", file=sys.stderr)
            sys.exit(3)
        for x in leaves:
            if isinstance(x, SessionFailure):
                msg = str(x)
                break
        else:
            msg = "; ".join(f"{type(x).__name__}: {x}" for x in leaves) or repr(e)
        print(f"mcp_client.py: error: {msg} (server: {' '.join(server)})", file=sys.stderr)
        sys.exit(1)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    if args.strict_stdout and out["stdout_errors"]:
        print(f"mcp_client.py: error: server wrote {len(out['stdout_errors'])} non-JSON-RPC line(s) to stdout",
              file=sys.stderr)
        sys.exit(4)


if __name__ == "__main__":
    main()
