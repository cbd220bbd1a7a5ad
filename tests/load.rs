//! Load: many servers launched at once from one parent, as a proxy spawns them.
//!
//! - 200 sandbox launches, all alive at the same time, each confined to its own `--rw` dir;
//!   each writes inside, then tries outside (a shared dir, and its neighbour's dir).
//! - 20 docker-mode MCP servers answering at the same time; all containers gone afterwards.
//!
//! Both check the parent afterwards: every child reaped (no zombie, no child left), and its
//! file descriptors exactly those it had before. Timeouts here only stop a hung test; nothing
//! asserts how fast anything is. .config/nextest.toml runs these tests alone.
// These run the real Linux kernel (Landlock, /proc, tmpfs); elsewhere there is nothing to test.
#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use common::{TempDir, mcpjail};

/// The two tests count the parent's fds and children: never at the same time (cargo test runs
/// a binary's tests as threads).
static ALONE: Mutex<()> = Mutex::new(());

fn open_fds() -> BTreeSet<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// What a child of this process starts with: stdio, plus every descriptor of ours without
/// close-on-exec (a test runner may leave some open; those pass through mcpjail unchanged,
/// as through any exec). Sorted as `ls` sorts names: `0 1 10 2 251`.
fn inherited_fds() -> String {
    let mut names: Vec<String> = open_fds()
        .into_iter()
        .filter(|f| {
            let fd: i32 = f.parse().unwrap();
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            fd > 2 && flags >= 0 && flags & libc::FD_CLOEXEC == 0
        })
        .chain(["0", "1", "2"].map(String::from))
        .collect();
    names.sort();
    names.join(" ")
}

/// Processes whose parent is this one, with their state (`Z` for a zombie).
fn children() -> Vec<(u32, char)> {
    let me = std::process::id();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // Threads of this process are not children.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let mut fields = rest.split(' ');
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid: u32 = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid == me {
            out.push((pid, state));
        }
    }
    out
}

/// Descriptors beyond stdio may be open in the parent (the harness's own); the point is that
/// the launches added none. Also raise the soft fd limit: 200 children with three pipes each.
fn raise_nofile() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain get/set of this process's own limit.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        r.rlim_cur = r.rlim_max.min(65536);
        libc::setrlimit(libc::RLIMIT_NOFILE, &r);
    }
}

const SANDBOX_N: usize = 200;

/// The server: waits for a line on stdin (so that all of them are alive at once), writes its
/// own dir, tries the shared dir and the next server's dir, answers on stdout and exits with its
/// own status.
const SCRIPT: &str = r#"read go || exit 99
echo inside > "$1/own"
(echo out > "$2/escape-$3") 2>/dev/null && echo "wrote outside" >&2
(echo out > "$4/intruder-$3") 2>/dev/null && echo "wrote next door" >&2
echo "done $3 $go"
exit "$5""#;

#[test]
fn two_hundred_concurrent_sandbox_launches_stay_apart() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    raise_nofile();
    let base = TempDir::new("load-sb");
    let outside = base.join("outside");
    std::fs::create_dir(&outside).unwrap();
    let dirs: Vec<_> = (0..SANDBOX_N)
        .map(|i| {
            let d = base.join(&format!("s{i}"));
            std::fs::create_dir(&d).unwrap();
            d
        })
        .collect();
    let fds_before = open_fds();
    let server_fds = inherited_fds();
    assert!(children().is_empty(), "children before: {:?}", children());

    let mut running: Vec<Child> = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let next = &dirs[(i + 1) % SANDBOX_N];
        let status = (i % 100 + 1).to_string();
        let mut c = mcpjail(["--mode", "sandbox", "--rw"]);
        c.arg(dir)
            .args(["--", "/bin/sh", "-c", SCRIPT, "server"])
            .arg(dir)
            .arg(&outside)
            .arg(i.to_string())
            .arg(next)
            .arg(&status)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        running.push(c.spawn().expect("spawn mcpjail"));
    }
    // Each server's descriptors, seen from here once mcpjail has become the shell (which then
    // waits for its line, with no redirection of its own open).
    let mcpjail_exe = std::fs::canonicalize(common::bin()).unwrap();
    for (i, child) in running.iter().enumerate() {
        let proc = format!("/proc/{}", child.id());
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::fs::read_link(format!("{proc}/exe")).is_ok_and(|e| e == mcpjail_exe) {
            assert!(
                Instant::now() < deadline,
                "server {i}: mcpjail never executed it"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut fds: Vec<String> = std::fs::read_dir(format!("{proc}/fd"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        fds.sort();
        assert_eq!(
            fds.join(" "),
            server_fds,
            "server {i} started with descriptors mcpjail opened"
        );
    }
    // All 200 exist now (each waits for its line); release them.
    for child in &mut running {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let mut failures = Vec::new();
    for (i, child) in running.into_iter().enumerate() {
        let out = wait_with_timeout(child, Duration::from_secs(120));
        let want = (i % 100 + 1) as i32;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(want)
            || stdout != format!("done {i} go\n")
            || !stderr.is_empty()
        {
            failures.push(format!(
                "server {i}: status {:?} (want {want}), stdout {stdout:?}, stderr {stderr:?}",
                out.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {SANDBOX_N} went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );

    for (i, dir) in dirs.iter().enumerate() {
        let own = std::fs::read_to_string(dir.join("own")).unwrap_or_default();
        assert_eq!(
            own, "inside\n",
            "server {i} could not write its own --rw dir"
        );
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.starts_with("intruder")),
            "a neighbour wrote into server {i}'s dir: {names:?}"
        );
    }
    let escaped: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
    assert!(
        escaped.is_empty(),
        "servers wrote outside their --rw: {escaped:?}"
    );

    assert_eq!(children(), [], "children left (state Z is a zombie)");
    assert_eq!(open_fds(), fds_before, "the parent's descriptors changed");
}

fn wait_with_timeout(mut child: Child, limit: Duration) -> std::process::Output {
    // Readers first: a child blocked on a full stdout pipe would never exit.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pid {} still runs after {limit:?}: hung", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

// ---- docker

const DOCKER_N: usize = 20;

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run docker")
}

/// Managed containers (any state) whose server label starts with `prefix`.
fn containers_with_prefix(prefix: &str) -> Vec<String> {
    let o = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=mcpproxy.managed=true",
        "--format",
        "{{.Label \"mcpproxy.server\"}} {{.ID}} {{.Status}}",
    ]);
    assert!(
        o.status.success(),
        "docker ps: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(String::from)
        .collect()
}

struct McpServer {
    child: Child,
    lines: Receiver<String>,
}

impl McpServer {
    fn send(&mut self, msg: serde_json::Value) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    fn response(&self, id: u64, limit: Duration) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no response {id} from pid {}: {e}", self.child.id()));
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not JSON-RPC on stdout ({e}): {line:?}"));
            if v["id"] == id {
                return v;
            }
        }
    }
}

#[test]
fn twenty_concurrent_docker_servers_answer_and_leave_no_container() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    common::engine_shared();
    let o = docker(&["image", "inspect", "--format", "{{.Id}}", "python:3.11"]);
    assert!(
        o.status.success(),
        "python:3.11 missing: run tests/peers/setup.sh"
    );
    let prefix = format!("load-{}-", std::process::id());
    let fds_before = open_fds();

    let mut servers: Vec<McpServer> = (0..DOCKER_N)
        .map(|i| {
            let mut c = mcpjail(["--mode", "docker", "--stop-timeout", "5s", "--server"]);
            c.arg(format!("{prefix}{i}"))
                .args(["--", "python3", "/opt/mcpjail-test/echo_server.py"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            let mut child = c.spawn().expect("spawn mcpjail");
            let stdout = child.stdout.take().unwrap();
            let (tx, lines) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            McpServer { child, lines }
        })
        .collect();

    let limit = Duration::from_secs(180);
    for s in &mut servers {
        s.send(
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "load", "version": "0"}}}),
        );
    }
    for (i, s) in servers.iter_mut().enumerate() {
        let init = s.response(1, limit);
        assert_eq!(
            init["result"]["serverInfo"]["name"], "mcpjail-echo",
            "server {i}: {init}"
        );
        s.send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s.send(
            serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": format!("hello {i}")}}}),
        );
    }
    // All 20 containers run at this point: each has answered and waits for more.
    assert_eq!(
        containers_with_prefix(&prefix).len(),
        DOCKER_N,
        "{:?}",
        containers_with_prefix(&prefix)
    );
    for (i, s) in servers.iter().enumerate() {
        let r = s.response(2, limit);
        assert_eq!(
            r["result"]["content"][0]["text"],
            format!("hello {i}"),
            "server {i}: {r}"
        );
    }
    // The client closes stdin: each server sees EOF and exits, and so does its mcpjail.
    for s in &mut servers {
        drop(s.child.stdin.take());
    }
    for (i, s) in servers.into_iter().enumerate() {
        let mut child = s.child;
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break st;
            }
            assert!(
                Instant::now() < deadline,
                "server {i}: mcpjail still runs after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(0), "server {i}");
    }
    // `--rm` removes them; the engine may finish that a moment after the CLI exits.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !containers_with_prefix(&prefix).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        containers_with_prefix(&prefix),
        Vec::<String>::new(),
        "containers left behind"
    );
    assert_eq!(children(), [], "children left (state Z is a zombie)");
    // The reader threads end with their pipes; give them the moment they need to close.
    let deadline = Instant::now() + Duration::from_secs(10);
    while open_fds() != fds_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(open_fds(), fds_before, "the parent's descriptors changed");
}
