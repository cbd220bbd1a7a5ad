//! Docker mode against a real docker engine, with images built locally by tests/peers/setup.sh
//! (`alpine:3.18` is a busybox rootfs, `python:3.11` carries the MCP SDK). No registry is
//! reachable, so nothing is pulled. These tests fail, never skip, when no engine answers: CI
//! starts one (tests/peers/dockerd.sh).
//!
//! Tests run in parallel; each uses its own server name and so its own containers, and a guard
//! removes them if a test fails halfway.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use common::{
    TempDir, assert_error, containers_of, json, mcpjail, repo, run, run_with_input, stderr, stdout,
};

/// The engine and the test images must be there; a missing one is a failure, not a skip.
fn engine() {
    common::engine_shared();
    static CHECK: Once = Once::new();
    CHECK.call_once(|| {
        let info = Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .output();
        match info {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "no docker engine answers (start one with tests/peers/dockerd.sh): {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run the docker CLI: {e}"),
        }
        for image in ["alpine:3.18", "python:3.11"] {
            let o = docker(&["image", "inspect", "--format", "{{.Id}}", image]);
            assert!(
                o.status.success(),
                "image {image} missing: run tests/peers/setup.sh"
            );
        }
    });
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run docker")
}

/// A server name no other test (or earlier run) uses.
fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The engine marks a container running only after its process has started (and may already
/// have printed): wait for that before looking at states.
fn wait_running(server: &str) {
    let t = Instant::now();
    loop {
        let ids = containers_of(server);
        if let [id] = ids.as_slice() {
            let o = docker(&["inspect", "--format", "{{.State.Status}}", id]);
            if String::from_utf8_lossy(&o.stdout).trim() == "running" {
                return;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "container of {server} not running: {ids:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Removes a test's containers when it ends, passed or not.
struct Leftovers(String);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for id in containers_of(&self.0) {
            let _ = docker(&["rm", "-f", &id]);
        }
    }
}

/// `mcpjail --mode docker --server NAME ARGS…`, with the guard.
fn jail(server: &str, args: &[&str]) -> (Command, Leftovers) {
    engine();
    let mut cmd = mcpjail(["--mode", "docker", "--server", server]);
    cmd.args(args);
    (cmd, Leftovers(server.to_string()))
}

/// A running mcpjail with piped stdio; its stdout arrives line by line.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn mcpjail");
        let stdin = child.stdin.take();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Running {
            child,
            stdin,
            lines,
            stderr,
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    #[track_caller]
    fn line(&self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => l,
            Err(e) => panic!("no line from the server within {timeout:?}: {e}"),
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    fn send(&mut self, text: &str) {
        self.stdin
            .as_mut()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }

    /// Exit status (128+N for a signal) and stderr, waiting at most `timeout`.
    #[track_caller]
    fn finish(mut self, timeout: Duration) -> (i32, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mcpjail did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        use std::os::unix::process::ExitStatusExt;
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        (code, self.stderr.join().unwrap())
    }
}

/// The docker CLI that mcpjail started (its only child named docker).
fn cli_child(pid: i32) -> i32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        if fields.get(1) == Some(&pid.to_string().as_str()) && stat.contains("(docker)") {
            return p;
        }
    }
    panic!("mcpjail {pid} has no docker child");
}

/// Running, as opposed to gone or a zombie waiting for its new parent to reap it.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rfind(')')
            .is_some_and(|i| !stat[i + 2..].starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn echo_through_the_container() {
    let server = unique("echo");
    let (mut cmd, _guard) = jail(&server, &[]);
    cmd.args(["--", "cat"]);
    let o = run_with_input(cmd, b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n"
    );
    assert_eq!(
        stderr(&o),
        "",
        "mcpjail and the CLI say nothing on a clean run"
    );
    assert!(containers_of(&server).is_empty(), "--rm leaves nothing");
}

#[test]
fn megabytes_arrive_byte_exact() {
    let server = unique("bytes");
    let (mut cmd, _guard) = jail(&server, &[]);
    cmd.args(["--", "cat"]);
    // 8 MiB of xorshift noise: every byte value, no line structure.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let input: Vec<u8> = (0..8 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let o = run_with_input(cmd, &input);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(o.stdout.len(), input.len());
    assert!(o.stdout == input, "the bytes differ");
}

#[test]
fn exit_status_propagates() {
    for (script, want) in [("exit 7", 7), ("exit 0", 0), ("kill -KILL $$", 137)] {
        let server = unique("exit");
        let (mut cmd, _guard) = jail(&server, &[]);
        cmd.args(["--", "sh", "-c", script]);
        let o = run(cmd);
        assert_eq!(
            o.status.code(),
            Some(want),
            "{script}; stderr: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn rw_mount_writes_land_on_the_host_and_ro_refuses() {
    let dir = TempDir::new("docker-rw");
    let d = dir.path().to_str().unwrap().to_string();
    let server = unique("rw");
    let (mut cmd, _guard) = jail(&server, &["--rw", &d]);
    cmd.args([
        "--",
        "sh",
        "-c",
        &format!("echo written-inside > {d}/out.txt"),
    ]);
    let o = run(cmd);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).unwrap(),
        "written-inside\n"
    );

    let (mut cmd, _guard) = jail(&server, &["--ro", &d]);
    cmd.args([
        "--",
        "sh",
        "-c",
        &format!("cat {d}/out.txt && echo x > {d}/ro.txt"),
    ]);
    let o = run(cmd);
    assert_eq!(
        stdout(&o),
        "written-inside\n",
        "readable through the :ro mount"
    );
    assert_ne!(o.status.code(), Some(0), "write through :ro must fail");
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("ro.txt").exists());

    // a missing path is an error before anything runs (docker would create it, root-owned)
    let (mut cmd, _guard) = jail(&server, &["--rw", &format!("{d}/missing")]);
    cmd.args(["--", "true"]);
    assert_error(&run(cmd), 125, "--rw");
}

#[test]
fn secrets_arrive_but_never_show_and_labels_are_set() {
    let server = unique("secret");
    let secret = format!("s3cr3t-{}-{}", std::process::id(), unique("v"));
    let home = format!("/home-{secret}");
    let token = format!("SECRET_TOKEN={secret}");
    let home_arg = format!("HOME={home}");
    let (mut cmd, _guard) = jail(&server, &["-e", &token, "-e", &home_arg]);
    cmd.args([
        "--",
        "sh",
        "-c",
        "echo \"token=$SECRET_TOKEN home=$HOME\"; read x; echo bye",
    ]);
    let mut r = Running::start(cmd);
    // the values arrive: one through the CLI's environment, one (HOME, which the CLI reads
    // itself) through --env-file on a pipe
    assert_eq!(
        r.line(Duration::from_secs(30)),
        format!("token={secret} home={home}")
    );

    // ...and are nowhere to be seen
    wait_running(&server);
    let ps = run(mcpjail(["ps"]));
    assert_eq!(ps.status.code(), Some(0), "{}", stderr(&ps));
    let ps_json = run(mcpjail(["ps", "--json"]));
    let host_ps = Command::new("ps")
        .args(["-eww", "-o", "args"])
        .output()
        .unwrap();
    let explain = run(mcpjail([
        "explain", "--mode", "docker", "-e", &token, "-e", &home_arg, "--", "sh",
    ]));
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
    for (what, text) in [
        ("mcpjail ps", stdout(&ps)),
        ("mcpjail ps --json", stdout(&ps_json)),
        (
            "ps -ef",
            String::from_utf8_lossy(&host_ps.stdout).into_owned(),
        ),
        ("explain", stdout(&explain)),
    ] {
        assert!(!text.contains(&secret), "{what} shows the secret:\n{text}");
    }
    let plan = json(&explain);
    let argv: Vec<&str> = plan["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let e = argv
        .iter()
        .position(|a| *a == "SECRET_TOKEN")
        .expect("-e SECRET_TOKEN in argv");
    assert_eq!(argv[e - 1], "-e");
    assert!(
        argv.windows(2).any(|w| w == ["--env-file", "/dev/fd/3"]),
        "{argv:?}"
    );
    assert_eq!(plan["docker"]["env_file"], serde_json::json!(["HOME"]));

    // mcpjail ps lists it, owned by this mcpjail, alive
    let list: serde_json::Value = serde_json::from_slice(&ps_json.stdout).unwrap();
    let mine: Vec<&serde_json::Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["server"] == server.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{list}");
    assert_eq!(mine[0]["owner_pid"], r.pid());
    assert_eq!(mine[0]["owner"], "alive");
    assert_eq!(mine[0]["state"], "running");
    assert!(
        stdout(&ps)
            .lines()
            .any(|l| l.contains(&server) && l.contains("alive") && l.contains("running"))
    );

    // the labels are on the running container
    let ids = containers_of(&server);
    assert_eq!(ids.len(), 1);
    let o = docker(&["inspect", "--format", "{{json .Config.Labels}}", &ids[0]]);
    let labels: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(labels["mcpproxy.managed"], "true");
    assert_eq!(labels["mcpproxy.server"], server.as_str());
    assert_eq!(labels["mcpproxy.owner"], r.pid().to_string().as_str());
    assert!(
        labels["mcpproxy.owner_start"]
            .as_str()
            .is_some_and(|s| s.parse::<u64>().is_ok())
    );
    let name = docker(&["inspect", "--format", "{{.Name}}", &ids[0]]);
    assert!(
        String::from_utf8_lossy(&name.stdout)
            .trim()
            .starts_with(&format!("/mcpproxy-{server}-"))
    );

    r.send("go\n");
    assert_eq!(r.line(Duration::from_secs(10)), "bye");
    let (code, err) = r.finish(Duration::from_secs(20));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(&secret));
    assert!(containers_of(&server).is_empty());
}

#[test]
fn sigterm_stops_a_container_that_ignores_it() {
    let server = unique("sigterm");
    let (mut cmd, _guard) = jail(&server, &["--stop-timeout", "2s"]);
    cmd.args([
        "--",
        "sh",
        "-c",
        "trap '' TERM; echo ready; while :; do sleep 1; done",
    ]);
    let r = Running::start(cmd);
    assert_eq!(r.line(Duration::from_secs(30)), "ready");
    let t = Instant::now();
    r.signal(libc::SIGTERM);
    let (code, err) = r.finish(Duration::from_secs(30));
    let took = t.elapsed();
    assert_eq!(code, 137, "killed after the stop timeout; stderr: {err}");
    assert!(
        took >= Duration::from_millis(1500),
        "it should have waited the stop timeout: {took:?}"
    );
    assert!(
        took < Duration::from_secs(12),
        "stop timeout 2s, took {took:?}"
    );
    assert!(
        containers_of(&server).is_empty(),
        "a container was left behind"
    );
}

#[test]
fn sigterm_is_a_graceful_stop_for_a_server_that_honours_it() {
    let server = unique("graceful");
    // default stop timeout (30 s): the server exits on SIGTERM long before it
    let (mut cmd, _guard) = jail(&server, &[]);
    cmd.args(["--", "sh", "-c", "echo ready; exec sleep 1000"]);
    let r = Running::start(cmd);
    assert_eq!(r.line(Duration::from_secs(30)), "ready");
    let t = Instant::now();
    r.signal(libc::SIGINT);
    let (code, err) = r.finish(Duration::from_secs(30));
    assert_eq!(
        code, 143,
        "the server died of the SIGTERM sent inside; stderr: {err}"
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(containers_of(&server).is_empty());
}

#[test]
fn cleanup_removes_orphans_after_sigkill_and_keeps_live_owners() {
    let orphan = unique("orphan");
    let live = unique("live");
    let (mut cmd, _g1) = jail(&orphan, &[]);
    cmd.args(["--", "sh", "-c", "echo ready; exec sleep 1000"]);
    let r = Running::start(cmd);
    assert_eq!(r.line(Duration::from_secs(30)), "ready");
    let (mut cmd, _g2) = jail(&live, &[]);
    cmd.args(["--", "sh", "-c", "echo ready; read x; exit 0"]);
    let alive = Running::start(cmd);
    assert_eq!(alive.line(Duration::from_secs(30)), "ready");

    let cli = cli_child(r.pid());
    r.signal(libc::SIGKILL);
    // PR_SET_PDEATHSIG: the CLI dies with mcpjail
    let t = Instant::now();
    while running(cli) && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!running(cli), "the docker CLI outlived mcpjail");
    // SAFETY: the CLI's pid; killing it again is what the test asks for and harmless if gone.
    unsafe { libc::kill(cli, libc::SIGKILL) };
    let (code, _) = r.finish(Duration::from_secs(5));
    assert_eq!(code, 137);
    assert_eq!(
        containers_of(&orphan).len(),
        1,
        "the orphan is still there for cleanup to find"
    );

    let ps = run(mcpjail(["ps", "--json"]));
    let list: serde_json::Value = serde_json::from_slice(&ps.stdout).unwrap();
    let owner = |server: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["server"] == server)
            .map(|c| c["owner"].clone())
    };
    assert_eq!(owner(&orphan), Some("gone".into()));
    assert_eq!(owner(&live), Some("alive".into()));

    // without --all, a container whose owner lives stays
    let o = run(mcpjail(["cleanup", "--server", &live]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(containers_of(&live).len(), 1);

    let o = run(mcpjail(["cleanup", "--server", &orphan]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("removed mcpproxy-"), "{}", stdout(&o));
    assert!(containers_of(&orphan).is_empty(), "cleanup left the orphan");

    let (code, err) = alive.finish(Duration::from_secs(20));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn dead_docker_host_is_daemon_down_quickly() {
    engine();
    let t = Instant::now();
    let mut cmd = mcpjail(["--mode", "docker", "--", "true"]);
    cmd.env("DOCKER_HOST", "unix:///nonexistent");
    let o = run(cmd);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_error(&o, 125, "MCPX_DOCKER_DAEMON_DOWN");
    assert!(stderr(&o).contains("docs/errors/MCPX_DOCKER_DAEMON_DOWN.md"));

    // explain prints the plan with the error, and exits 125
    let mut cmd = mcpjail(["explain", "--mode", "docker", "--", "true"]);
    cmd.env("DOCKER_HOST", "unix:///nonexistent");
    let o = run(cmd);
    assert_eq!(o.status.code(), Some(125));
    let plan = json(&o);
    assert!(
        plan["error"]
            .as_str()
            .unwrap()
            .starts_with("MCPX_DOCKER_DAEMON_DOWN"),
        "{plan}"
    );
    assert_eq!(plan["docker"]["image"], "alpine:3.18");

    // a TCP port nobody listens on
    let mut cmd = mcpjail(["--mode", "docker", "--", "true"]);
    cmd.env("DOCKER_HOST", "tcp://127.0.0.1:1");
    assert_error(&run(cmd), 125, "MCPX_DOCKER_DAEMON_DOWN");
}

#[test]
fn socket_without_permission_is_no_permission() {
    engine();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: cannot drop to another user to be refused by the socket");
        return;
    }
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        common::bin(),
        "--mode",
        "docker",
        "--",
        "true",
    ]);
    assert_error(&run(cmd), 125, "MCPX_DOCKER_NO_PERMISSION");
}

#[test]
fn missing_image_that_cannot_be_pulled() {
    let server = unique("pull");
    let image = format!("mcpjail-test/no-such-image:{server}");
    let (mut cmd, _guard) = jail(&server, &["--image", &image]);
    cmd.args(["--", "true"]);
    let o = run(cmd);
    assert_error(&o, 125, "MCPX_DOCKER_IMAGE_PULL_FAILED");
    assert!(stderr(&o).contains(&image));
    assert!(containers_of(&server).is_empty());

    // explain does not pull: it says the image is absent and exits 0
    let o = run(mcpjail([
        "explain", "--mode", "docker", "--image", &image, "--", "true",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["docker"]["daemon"]["image_present"], false);
}

#[test]
fn docker_cli_not_on_path() {
    let mut cmd = mcpjail(["--mode", "docker", "--", "true"]);
    cmd.env("PATH", "/nonexistent");
    assert_error(&run(cmd), 125, "MCPX_DOCKER_CLI_NOT_FOUND");
}

#[test]
fn mcp_sdk_client_talks_to_a_python_server_in_the_container() {
    engine();
    let python = repo().join("target/peers/venv/bin/python");
    let client = repo().join("tests/peers/mcp_client.py");
    assert!(
        python.exists(),
        "run tests/peers/setup.sh (no {})",
        python.display()
    );
    let server = unique("mcp");
    let _guard = Leftovers(server.clone());
    let o = Command::new(&python)
        .arg(&client)
        .args(["--strict-stdout", "--timeout", "90", "--list-tools"])
        .args(["--call", "echo", r#"{"text": "through the jail ✓"}"#])
        .args(["--call", "read_env", r#"{"name": "API_KEY"}"#])
        .args([
            "--call",
            "write_file",
            r#"{"path": "/etc/mcpjail-test", "content": "x"}"#,
        ])
        .arg("--")
        .arg(common::bin())
        .args([
            "--mode",
            "docker",
            "--server",
            &server,
            "-e",
            "API_KEY=key-from-host",
        ])
        .args(["--", "python3", "/opt/mcpjail-test/echo_server.py"])
        .env_remove("MCPJAIL_LOG")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "client failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["server_name"], "mcpjail-echo");
    assert!(r["tools"].as_array().unwrap().iter().any(|t| t == "echo"));
    assert_eq!(r["calls"][0]["text"], "through the jail ✓");
    assert_eq!(r["calls"][1]["text"], "key-from-host");
    // the container's /etc is its own: the write succeeds there and not on the host
    assert_eq!(r["calls"][2]["text"], "ok");
    assert!(!std::path::Path::new("/etc/mcpjail-test").exists());
    assert_eq!(r["stdout_errors"], serde_json::json!([]));
    assert!(containers_of(&server).is_empty());
}

#[test]
fn cli_fallback_for_a_non_default_context() {
    engine();
    // A docker context of our own, in a config directory of our own.
    let cfg = TempDir::new("docker-ctx");
    let ctx = unique("ctx");
    let o = Command::new("docker")
        .env("DOCKER_CONFIG", cfg.path())
        .args([
            "context",
            "create",
            &ctx,
            "--docker",
            "host=unix:///var/run/docker.sock",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let with_ctx = |mut c: Command| {
        c.env("DOCKER_CONFIG", cfg.path())
            .env("DOCKER_CONTEXT", &ctx)
            .env_remove("DOCKER_HOST");
        c
    };

    let o = run(with_ctx(mcpjail([
        "explain", "--mode", "docker", "--", "cat",
    ])));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    assert_eq!(plan["docker"]["daemon"]["via"], "docker CLI", "{plan}");
    assert!(
        plan["docker"]["daemon"]["endpoint"]
            .as_str()
            .unwrap()
            .contains(&ctx)
    );

    let server = unique("ctx");
    let (cmd, _guard) = jail(&server, &["--stop-timeout", "1s"]);
    let mut cmd = with_ctx(cmd);
    cmd.args([
        "--",
        "sh",
        "-c",
        "trap '' TERM; read line; echo \"got $line\"; while :; do sleep 1; done",
    ]);
    let mut r = Running::start(cmd);
    r.send("hello\n");
    assert_eq!(r.line(Duration::from_secs(30)), "got hello");

    let ps = run(with_ctx(mcpjail(["ps", "--json"])));
    assert_eq!(ps.status.code(), Some(0), "{}", stderr(&ps));
    assert!(stdout(&ps).contains(&server));

    r.signal(libc::SIGTERM);
    let (code, err) = r.finish(Duration::from_secs(30));
    assert_eq!(code, 137, "{err}");
    assert!(containers_of(&server).is_empty());
}

#[test]
fn docker_in_docker_runs_as_given_with_label_and_env() {
    engine();
    let o = run(mcpjail([
        "explain",
        "--mode",
        "docker",
        "-e",
        "DIND_VAR=dind-value",
        "--",
        "docker",
        "run",
        "--rm",
        "-i",
        "alpine:3.18",
        "sh",
        "-c",
        "echo $DIND_VAR",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    assert_eq!(plan["mode"], "none");
    let argv: Vec<&str> = plan["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        &argv[1..],
        [
            "run",
            "--label",
            "mcpproxy.managed=true",
            "-e",
            "DIND_VAR",
            "--rm",
            "-i",
            "alpine:3.18",
            "sh",
            "-c",
            "echo $DIND_VAR"
        ]
    );
    assert!(!stdout(&o).contains("dind-value"));

    let mut cmd = mcpjail(["--mode", "docker", "-e", "DIND_VAR=dind-value", "--"]);
    cmd.args([
        "docker",
        "run",
        "--rm",
        "-i",
        "alpine:3.18",
        "sh",
        "-c",
        "echo $DIND_VAR",
    ]);
    let o = run(cmd);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "dind-value\n");
}

#[test]
fn explain_shows_the_documented_argv() {
    engine();
    let cfg = TempDir::new("docker-cfg");
    let config = cfg.write(
        "mcp_config.json",
        r#"{"docker_isolation": {"enabled": true, "memory_limit": "1g", "cpu_limit": "0.5",
                                 "network_mode": "none", "timeout": "5s",
                                 "extra_args": ["--cap-drop=ALL"],
                                 "default_images": {"python3": "mcpjail-test/python-mcp:latest"}},
            "mcpServers": [{"name": "my server/1", "command": "/usr/bin/python3",
                            "args": ["-m", "mcp_server_git"], "env": {"GIT_TOKEN": "tok"},
                            "isolation": {"working_dir": "/work", "extra_args": ["--read-only"]}}]}"#,
    );
    let o = run(mcpjail([
        "explain",
        "--config",
        config.to_str().unwrap(),
        "--server",
        "my server/1",
        "--docker-arg",
        "--pids-limit=64",
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    assert_eq!(plan["mode"], "docker");
    let d = &plan["docker"];
    assert_eq!(d["image"], "mcpjail-test/python-mcp:latest");
    assert_eq!(
        d["image_source"],
        "docker_isolation.default_images[python3]"
    );
    assert_eq!(d["stop_timeout"], "5s");
    let name = d["name"].as_str().unwrap();
    assert!(name.starts_with("mcpproxy-my-server-1-"), "{name}");
    let argv: Vec<String> = plan["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        argv,
        d["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    let pid_label = argv
        .iter()
        .find(|a| a.starts_with("mcpproxy.owner="))
        .unwrap()
        .clone();
    let start = argv.iter().position(|a| a == "--name").unwrap();
    assert_eq!(&argv[1..5], ["run", "-i", "--rm", "--init"]);
    assert_eq!(
        &argv[5..11],
        [
            "--label",
            "mcpproxy.managed=true",
            "--label",
            "mcpproxy.server=my server/1",
            "--label",
            pid_label.as_str()
        ]
    );
    assert_eq!(
        &argv[start..],
        [
            "--name",
            name,
            "--memory",
            "1g",
            "--cpus",
            "0.5",
            "--network",
            "none",
            "--workdir",
            "/work",
            "-e",
            "GIT_TOKEN",
            "--cap-drop=ALL",
            "--read-only",
            "--pids-limit=64",
            "mcpjail-test/python-mcp:latest",
            "python3",
            "-m",
            "mcp_server_git",
        ]
    );
}

#[test]
fn sigterm_before_the_container_exists_leaves_nothing() {
    let server = unique("early");
    let (mut cmd, _guard) = jail(&server, &["--stop-timeout", "3s"]);
    cmd.args([
        "--",
        "sh",
        "-c",
        "trap '' TERM; echo ready; while :; do sleep 1; done",
    ]);
    let r = Running::start(cmd);
    // the CLI is still creating the container: the stop waits for it to exist
    std::thread::sleep(Duration::from_millis(50));
    r.signal(libc::SIGTERM);
    let (code, err) = r.finish(Duration::from_secs(40));
    assert!(code == 137 || code == 143, "status {code}; stderr: {err}");
    assert!(
        containers_of(&server).is_empty(),
        "a container was left behind"
    );
}

#[test]
fn cleanup_all_removes_containers_of_live_owners_too() {
    let server = unique("all");
    let (mut cmd, _guard) = jail(&server, &[]);
    cmd.args(["--", "sh", "-c", "echo ready; exec sleep 1000"]);
    let r = Running::start(cmd);
    assert_eq!(r.line(Duration::from_secs(30)), "ready");
    let o = run(mcpjail(["cleanup", "--all", "--server", &server]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("--all"), "{}", stdout(&o));
    assert!(containers_of(&server).is_empty());
    // its mcpjail sees the container end (SIGTERM from the stop) and exits with the CLI's status
    let (code, err) = r.finish(Duration::from_secs(20));
    assert_eq!(code, 143, "{err}");
}

#[test]
fn ps_and_cleanup_name_a_dead_engine() {
    engine();
    for args in [&["ps"][..], &["ps", "--json"], &["cleanup"]] {
        let mut cmd = mcpjail(args);
        cmd.env("DOCKER_HOST", "unix:///nonexistent");
        assert_error(&run(cmd), 125, "MCPX_DOCKER_DAEMON_DOWN");
    }
}

#[test]
fn signals_ignored_by_the_parent_stay_ignored_and_the_status_still_arrives() {
    // nohup-style: SIGHUP ignored, and SIGCHLD ignored too (which would make the kernel reap
    // the CLI and lose its status if mcpjail did not reset it for itself).
    let server = unique("ignored");
    let _guard = Leftovers(server.clone());
    engine();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "trap '' CHLD HUP; exec \"$0\" \"$@\"", common::bin()]);
    cmd.args([
        "--mode",
        "docker",
        "--server",
        &server,
        "--",
        "sh",
        "-c",
        "echo ready; read x; exit 7",
    ]);
    let mut r = Running::start(cmd);
    assert_eq!(r.line(Duration::from_secs(30)), "ready");
    r.signal(libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        containers_of(&server).len(),
        1,
        "SIGHUP was ignored by the parent: no stop"
    );
    r.send("go\n");
    let (code, err) = r.finish(Duration::from_secs(20));
    assert_eq!(code, 7, "{err}");
}
