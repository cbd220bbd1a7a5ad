#!/usr/bin/env python3
"""Launch-cost benchmark: mcpjail side by side with its peers, in one run.

Every variant is started the same way (posix_spawn + waitpid, stdio on /dev/null or pipes) and
the rounds are interleaved in a shuffled order, so that machine noise falls on all variants
alike. Reported: median and p90 wall time per launch, and each median's ratio to the static
exec-only floor and to the bare command.

    benches/launch.py --mcpjail target/release/mcpjail [--runs 400] [--only true,mcp,stdio,docker]
"""

import argparse
import json
import os
import random
import select
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "bench")
PEERS = os.path.join(ROOT, "target", "peers")
DEVNULL = os.open(os.devnull, os.O_RDWR)


def spawn_and_wait(argv, env):
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, DEVNULL, 0),
        (os.POSIX_SPAWN_DUP2, DEVNULL, 1),
        (os.POSIX_SPAWN_DUP2, DEVNULL, 2),
    ])
    _, status, usage = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    if status != 0:
        raise SystemExit(f"benchmark variant failed (status {status}): {argv}")
    # Page faults of the launch (wrapper and command: the same process): at a few microseconds
    # each on a VM, they are much of what separates the variants.
    FAULTS.setdefault(tuple(argv), []).append(usage.ru_minflt)
    return (t1 - t0) / 1e6


FAULTS = {}


INIT = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "mcpjail-bench", "version": "1"}},
}).encode() + b"\n"


def mcp_initialize(argv, env):
    """Time from spawn to the server's initialize response (the client's first answer)."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, close_fds=True)
    p.stdin.write(INIT)
    p.stdin.flush()
    buf = b""
    deadline = time.monotonic() + 60
    while b"\n" not in buf:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            p.kill()
            raise SystemExit(f"no initialize response within 60 s: {argv}")
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            raise SystemExit(f"server closed stdout before answering: {argv}")
        buf += chunk
    t1 = time.perf_counter_ns()
    if b'"result"' not in buf.split(b"\n")[0]:
        raise SystemExit(f"unexpected first response from {argv}: {buf[:200]!r}")
    p.stdin.close()
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return (t1 - t0) / 1e6


def pipe_throughput(argv, env, megabytes):
    """MB/s of `head -c N /dev/zero | VARIANT cat > /dev/null`, the pipeline on one CPU: on two
    cores a pipe's throughput is otherwise bimodal (by whether writer and reader share a core),
    which would drown any difference between the variants."""
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)
    pin = "taskset -c 0 " if shutil.which("taskset") else ""
    script = f"{pin}head -c {megabytes}M /dev/zero | {pin}{quoted} > /dev/null"
    t0 = time.perf_counter_ns()
    subprocess.run(["sh", "-c", script], env=env, check=True, stderr=subprocess.DEVNULL)
    t1 = time.perf_counter_ns()
    return megabytes / ((t1 - t0) / 1e9)


def measure(variants, runs, fn):
    samples = {name: [] for name, _, _ in variants}
    for _ in range(3):  # warm the page cache and any lazily built state
        for name, argv, env in variants:
            fn(argv, env)
    for _ in range(runs):
        order = list(variants)
        random.shuffle(order)
        for name, argv, env in order:
            samples[name].append(fn(argv, env))
    return samples


def table(title, samples, unit, floor, bare, higher_is_better=False, faults=None):
    faults = faults or {}
    lines = [f"### {title}", "",
             f"| variant | median {unit} | p90 {unit} | × floor | × bare |"
             + (" page faults |" if faults else ""),
             "|---|---:|---:|---:|---:|" + ("---:|" if faults else "")]
    med = {k: statistics.median(v) for k, v in samples.items()}
    for name, v in samples.items():
        v = sorted(v)
        p90 = v[min(len(v) - 1, int(len(v) * 0.9))]
        if higher_is_better:
            p90 = v[max(0, int(len(v) * 0.1))]
        rf = f"{med[name] / med[floor]:.3f}" if floor in med else "–"
        rb = f"{med[name] / med[bare]:.3f}" if bare in med else "–"
        row = f"| {name} | {med[name]:.3f} | {p90:.3f} | {rf} | {rb} |"
        if faults:
            row += f" {statistics.median(faults[name]):.0f} |"
        lines.append(row)
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcpjail", default=os.path.join(ROOT, "target", "release", "mcpjail"))
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--mcp-runs", type=int, default=40)
    ap.add_argument("--docker-runs", type=int, default=20)
    ap.add_argument("--only", default="true,mcp,stdio,docker")
    ap.add_argument("--as-user", metavar="USER",
                    help="launch of /bin/true only, run as this unprivileged user with a home of "
                         "its own (root pays for dropping its capabilities; a user does not)")
    args = ap.parse_args()
    if args.as_user and os.geteuid() == 0:
        return run_as(args.as_user, args)
    unprivileged = os.geteuid() != 0
    only = set(args.only.split(","))
    mj = os.path.abspath(args.mcpjail)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCPJAIL_")}
    ll_env = dict(env, LL_FS_RO="/", LL_FS_RW="/tmp:/dev/null")
    true = shutil.which("true")
    floor = os.path.join(BENCH, "floor")
    sandboxer = os.path.join(BENCH, "sandboxer")
    confine = os.path.join(BENCH, "confine")
    bwrap, firejail, docker = shutil.which("bwrap"), shutil.which("firejail"), shutil.which("docker")
    out = [f"## mcpjail launch benchmark", "",
           f"- machine: {os.cpu_count()} CPUs, kernel {os.uname().release}",
           f"- mcpjail: {mj} ({os.path.getsize(mj)} bytes)",
           f"- runs: {args.runs} per variant (/bin/true), {args.mcp_runs} (MCP initialize), "
           f"{args.docker_runs} (docker); medians; rounds interleaved in random order",
           f"- as: {'uid ' + str(os.geteuid()) + ', HOME ' + env.get('HOME', '-') if unprivileged else 'root'}",
           ""]

    def peers(cmd):
        v = [("bare", cmd, env),
             ("floor (static exec-only)", [floor] + cmd, env),
             ("mcpjail none", [mj, "--mode", "none", "--"] + cmd, env),
             ("mcpjail sandbox", [mj, "--mode", "sandbox", "--"] + cmd, env),
             # --ro / re-allows every hidden path: read on / again, no per-entry rules (the cost
             # of hiding the secret paths is the difference to the line above)
             ("mcpjail sandbox --ro / (no hidden paths)",
              [mj, "--mode", "sandbox", "--ro", "/", "--"] + cmd, env),
             ("landlock sandboxer example", [sandboxer] + cmd, ll_env),
             # the same confinement hard-coded in C: the kernel's share, no planning at all
             ("confine.c (same confinement, hard-coded)", [confine, "split"] + cmd, env),
             ("confine.c --ro / equivalent", [confine, "ro"] + cmd, env)]
        if bwrap and not unprivileged:
            v.append(("bwrap --ro-bind / /", [bwrap, "--ro-bind", "/", "/", "--dev", "/dev"] + cmd, env))
        if firejail and not unprivileged:
            v.append(("firejail --noprofile", [firejail, "--quiet", "--noprofile"] + cmd, env))
        return v

    if "true" in only:
        variants = peers([true])
        s = measure(variants, args.runs, spawn_and_wait)
        faults = {name: FAULTS[tuple(argv)] for name, argv, _ in variants}
        out.append(table("Launch of /bin/true (ms)", s, "ms", "floor (static exec-only)", "bare",
                         faults=faults))
        print(out[-1], flush=True)

    if "mcp" in only:
        server = os.path.join(PEERS, "node", "node_modules", "@modelcontextprotocol",
                              "server-filesystem", "dist", "index.js")
        node = shutil.which("node")
        if not os.path.exists(server):
            raise SystemExit("run tests/peers/setup.sh first (server-filesystem missing)")
        data = os.path.join(BENCH, "mcp-root")
        os.makedirs(data, exist_ok=True)
        variants = [v for v in peers([node, server, data]) if not v[0].startswith("confine")]
        # the sandbox needs the served directory writable, as a user would grant it
        variants = [(n, a[:3] + ["--rw", data] + a[3:] if n.startswith("mcpjail sandbox") else a, e)
                    for n, a, e in variants]
        s = measure(variants, args.mcp_runs, mcp_initialize)
        out.append(table("MCP initialize round trip, server-filesystem on node (ms)", s, "ms",
                         "floor (static exec-only)", "bare"))
        print(out[-1], flush=True)

    if "stdio" in only:
        cat = shutil.which("cat")
        variants = [("bare", [cat], env), ("mcpjail sandbox", [mj, "--mode", "sandbox", "--", cat], env),
                    ("mcpjail none", [mj, "--mode", "none", "--", cat], env)]
        s = measure(variants, 25, lambda a, e: pipe_throughput(a, e, 512))
        out.append(table("Stdio throughput, 512 MiB through cat, pinned to one CPU "
                         "(MB/s, higher is better)", s, "MB/s", "-", "bare", higher_is_better=True))
        print(out[-1], flush=True)
        if docker and docker_up(docker):
            # the engine's attach path moves tens of MB/s: a smaller volume, fewer rounds
            variants = [("docker run -i --rm", [docker, "run", "-i", "--rm", "alpine:3.18", "cat"], env),
                        ("mcpjail docker", [mj, "--mode", "docker", "--image", "alpine:3.18", "--", "cat"], env)]
            s = measure(variants, 5, lambda a, e: pipe_throughput(a, e, 128))
            out.append(table("Stdio throughput, 128 MiB through cat in a container "
                             "(MB/s, higher is better)", s, "MB/s", "-", "docker run -i --rm",
                             higher_is_better=True))
            print(out[-1], flush=True)

    if "docker" in only:
        if not (docker and docker_up(docker)):
            raise SystemExit("docker engine not reachable: start it (tests/peers/dockerd.sh) or drop 'docker' from --only")
        variants = [
            ("docker run -i --rm --init", [docker, "run", "-i", "--rm", "--init", "alpine:3.18", "true"], env),
            ("mcpjail --mode docker", [mj, "--mode", "docker", "--image", "alpine:3.18", "--", "true"], env),
        ]
        s = measure(variants, args.docker_runs, spawn_and_wait)
        out.append(table("Docker mode vs plain docker run (ms)", s, "ms", "-", "docker run -i --rm --init"))
        print(out[-1], flush=True)

    os.makedirs(BENCH, exist_ok=True)
    results = os.path.join(BENCH, "results-user.md" if unprivileged else "results.md")
    with open(results, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"(written to {os.path.relpath(results, ROOT)})")


def run_as(user, args):
    """Re-run the /bin/true launch table as `user`, with a home of its own holding the usual
    secrets (so that the sandbox hides paths there, as it does for root's)."""
    import pwd
    pw = pwd.getpwnam(user)
    # Where a user's home is: /home/NAME (the depth decides how many rules split read on /).
    home = f"/home/mcpjail-bench-{user}"
    for d in [".ssh", ".aws", ".config/gcloud", ".cache", ".npm", ".local/share", "notes", "src"]:
        os.makedirs(os.path.join(home, d), exist_ok=True)
    for f in [".ssh/id_ed25519", ".netrc", ".bashrc", ".profile", ".gitconfig"]:
        with open(os.path.join(home, f), "a"):
            pass
    for dirpath, dirnames, filenames in os.walk(home):
        for name in [dirpath] + [os.path.join(dirpath, n) for n in filenames]:
            os.chown(name, pw.pw_uid, pw.pw_gid)
    os.chmod(BENCH, 0o755)
    results = os.path.join(BENCH, "results-user.md")
    with open(results, "w"):
        pass
    os.chown(results, pw.pw_uid, pw.pw_gid)
    env = dict(os.environ, HOME=home, USER=user, LOGNAME=user)
    argv = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups",
            sys.executable, os.path.abspath(__file__), "--mcpjail", args.mcpjail,
            "--runs", str(args.runs), "--only", "true"]
    return subprocess.run(argv, env=env).returncode


def docker_up(docker):
    return subprocess.run([docker, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
