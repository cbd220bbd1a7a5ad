#!/usr/bin/env python3
"""Tiny MCP stdio server for mcpjail's integration tests (official `mcp` SDK).

Tools:
  echo(text)                 -> text, unchanged
  write_file(path, content)  -> "ok", or "<ERRNO_NAME> <OSError text>", e.g.
                                "EACCES [Errno 13] Permission denied: '/etc/x'"
  read_file(path)            -> the file's text, or "<ERRNO_NAME> <OSError text>"
  read_env(name)             -> the variable's value, or "<unset>" if it is not set
  connect(host, port)        -> "ok", or "<ERRNO_NAME> <OSError text>" (TCP connect, 3 s timeout)
  info()                     -> JSON: pid, ppid, uid, gid, cwd, NoNewPrivs, Seccomp, rlimits

Every result is a plain string; nothing but protocol ever goes to stdout.
Runs on the host venv (target/peers/venv) and, baked in at
/opt/mcpjail-test/echo_server.py, inside the mcpjail-test/python-mcp image.
"""

import errno
import json
import os
import resource
import socket

try:  # mcp >= 2: FastMCP was renamed MCPServer
    from mcp.server.mcpserver import MCPServer as _Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as _Server

mcp = _Server("mcpjail-echo")


def _oserror(e: OSError) -> str:
    name = errno.errorcode.get(e.errno, "E?") if e.errno is not None else "E?"
    return f"{name} {e}"


@mcp.tool()
def echo(text: str) -> str:
    """Return text unchanged."""
    return text


@mcp.tool()
def write_file(path: str, content: str) -> str:
    """Write content to path; return "ok" or the OSError (errno name first)."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
        return "ok"
    except OSError as e:
        return _oserror(e)


@mcp.tool()
def read_file(path: str) -> str:
    """Return the text of path, or the OSError (errno name first)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as e:
        return _oserror(e)


@mcp.tool()
def read_env(name: str) -> str:
    """Return the value of environment variable name, or "<unset>"."""
    return os.environ.get(name, "<unset>")


@mcp.tool()
def connect(host: str, port: int) -> str:
    """Open (and close) a TCP connection; return "ok" or the OSError."""
    try:
        with socket.create_connection((host, port), timeout=3):
            return "ok"
    except OSError as e:
        return _oserror(e)


@mcp.tool()
def info() -> str:
    """JSON with pid, ppid, uid, gid, cwd, NoNewPrivs, Seccomp and some rlimits."""
    status = {}
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("NoNewPrivs", "Seccomp", "CapEff", "CapBnd"):
                    status[key] = value.strip()
    except OSError:
        pass
    limits = {}
    for name in ("RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_DATA", "RLIMIT_AS"):
        soft, hard = resource.getrlimit(getattr(resource, name))
        limits[name] = [soft, hard]  # -1 means unlimited
    return json.dumps(
        {
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "uid": os.getuid(),
            "gid": os.getgid(),
            "cwd": os.getcwd(),
            "status": status,
            "rlimits": limits,
        }
    )


if __name__ == "__main__":
    mcp.run()
