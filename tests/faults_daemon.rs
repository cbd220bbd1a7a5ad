//! The docker engine stopped while mcpjail supervises a running container: mcpjail exits with
//! a clear error and a non-zero status, and `mcpjail cleanup`, once the engine is back, leaves
//! nothing behind.
//!
//! This stops the machine's shared engine. It holds the exclusive engine lock (every other
//! docker test holds it shared, see tests/common), .config/nextest.toml runs it alone, and the
//! engine is started again (tests/peers/dockerd.sh) even when the test fails.
// These run the real Linux kernel (Landlock, /proc, tmpfs); elsewhere there is nothing to test.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{containers_of, mcpjail, repo};

const HANG: Duration = Duration::from_secs(120);
const PIDFILE: &str = "/var/run/docker.pid";

fn engine_answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Start the engine again (if it is not up) and wait until `docker info` answers.
fn restart_engine() {
    let script = repo().join("tests/peers/dockerd.sh");
    let ok = Command::new("bash")
        .arg(&script)
        .status()
        .is_ok_and(|s| s.success());
    let deadline = Instant::now() + HANG;
    while !engine_answers() {
        assert!(
            ok && Instant::now() < deadline,
            "{} could not start the engine again",
            script.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Puts the engine back whatever happens to the test.
struct EngineBack;

impl Drop for EngineBack {
    fn drop(&mut self) {
        if !engine_answers() {
            restart_engine();
        }
    }
}

fn stop_engine() {
    let pid: i32 = std::fs::read_to_string(PIDFILE)
        .unwrap_or_else(|e| {
            panic!("{PIDFILE}: {e} (this test stops a dockerd started by tests/peers/dockerd.sh)")
        })
        .trim()
        .parse()
        .unwrap();
    // SAFETY: signalling the engine's pid, read from its own pid file.
    assert_eq!(
        unsafe { libc::kill(pid, libc::SIGTERM) },
        0,
        "kill dockerd {pid}"
    );
    let deadline = Instant::now() + HANG;
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "dockerd {pid} did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn engine_stopped_under_a_running_container() {
    let _alone = common::engine_exclusive();
    if !engine_answers() {
        restart_engine();
    }
    let _back = EngineBack;
    let server = format!("f-daemon-{}", std::process::id());

    // A server that ignores SIGTERM: the engine's shutdown has to kill it.
    let mut child = mcpjail([
        "--mode",
        "docker",
        "--stop-timeout",
        "2s",
        "--server",
        &server,
    ])
    .args([
        "--",
        "sh",
        "-c",
        "echo ready; trap '' TERM; while :; do sleep 1; done",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Kept open: a client that stops reading would be a fault of its own (tests/faults.rs).
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    assert_eq!(containers_of(&server).len(), 1);

    stop_engine();
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mcpjail still runs {HANG:?} after the engine stopped");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    // The docker CLI may say something of its own first; mcpjail's line is the last.
    let last = err.lines().last().unwrap_or_default();
    eprintln!("mcpjail exited {status:?}, saying: {last}");
    assert_eq!(status.code(), Some(125), "status {status:?}, stderr: {err}");
    assert!(
        last.starts_with("mcpjail: error: container mcpproxy-")
            && last.contains("lost its docker engine")
            && last.contains("MCPX_DOCKER_DAEMON_DOWN"),
        "one clear line: {err}"
    );

    restart_engine();
    let o = common::run(mcpjail(["cleanup"]));
    assert_eq!(o.status.code(), Some(0), "cleanup: {}", common::stderr(&o));
    assert_eq!(
        containers_of(&server),
        Vec::<String>::new(),
        "left after cleanup"
    );
}
