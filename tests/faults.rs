//! Faults around a running server: the client closing stdin, closing stdout, vanishing with
//! SIGKILL; a full disk in the `--rw` dir. Sandbox (and none) mode, where the server *is*
//! mcpjail's process, and docker mode, where mcpjail supervises the CLI.
//!
//! The docker engine stopped under a running container is tests/faults_daemon.rs (it must run
//! alone). Timeouts here only end a hung test: nothing asserts how fast anything is.
// These run the real Linux kernel (Landlock, /proc, tmpfs); elsewhere there is nothing to test.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, containers_of, mcpjail, repo};

const HANG: Duration = Duration::from_secs(120);

fn python() -> PathBuf {
    repo().join("target/peers/venv/bin/python")
}

fn echo_server() -> PathBuf {
    repo().join("tests/peers/echo_server.py")
}

fn unique(tag: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("f-{tag}-{}-{n}", std::process::id())
}

/// Removes a test's containers if it fails halfway.
struct Leftovers(String);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for id in containers_of(&self.0) {
            let _ = Command::new("docker").args(["rm", "-f", &id]).output();
        }
    }
}

fn docker_jail(server: &str, args: &[&str]) -> (Command, Leftovers) {
    common::engine_shared();
    let mut c = mcpjail([
        "--mode",
        "docker",
        "--stop-timeout",
        "3s",
        "--server",
        server,
    ]);
    c.args(args);
    (c, Leftovers(server.to_string()))
}

fn wait(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {HANG:?}: hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pid_alive(pid: u32) -> bool {
    // A zombie has no more to do: it counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rfind(')').is_some_and(|i| !s[i + 2..].starts_with('Z')))
}

fn wait_gone(pid: u32, what: &str) {
    let deadline = Instant::now() + HANG;
    while pid_alive(pid) {
        assert!(
            Instant::now() < deadline,
            "{what} (pid {pid}) still runs after {HANG:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"faults","version":"0"}}}"#;

/// Start an MCP server through mcpjail and complete `initialize`.
fn start_mcp(mut cmd: Command) -> (Child, BufReader<std::process::ChildStdout>) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn mcpjail");
    writeln!(child.stdin.as_mut().unwrap(), "{INITIALIZE}").unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("\"serverInfo\""), "initialize: {line:?}");
    (child, out)
}

// ---- the client closes stdin

/// MCP's shutdown: the client closes the server's stdin. The server sees EOF and exits, and
/// mcpjail with it, status 0.
#[test]
fn closing_stdin_ends_a_sandboxed_server() {
    for mode in ["sandbox", "none"] {
        let mut c = mcpjail(["--mode", mode, "--"]);
        c.arg(python()).arg(echo_server());
        let (mut child, _out) = start_mcp(c);
        drop(child.stdin.take());
        let status = wait(&mut child, mode);
        assert_eq!(status.code(), Some(0), "{mode}: {status:?}");
    }
}

#[test]
fn closing_stdin_ends_a_docker_server_and_its_container() {
    let server = unique("stdin");
    let (c, _guard) = docker_jail(
        &server,
        &["--", "python3", "/opt/mcpjail-test/echo_server.py"],
    );
    let (mut child, _out) = start_mcp(c);
    assert_eq!(containers_of(&server).len(), 1);
    drop(child.stdin.take());
    let status = wait(&mut child, "mcpjail --mode docker");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(
        containers_of(&server),
        Vec::<String>::new(),
        "container left after EOF"
    );
}

// ---- the client closes stdout

/// A server that writes after the client closed its stdout gets EPIPE (by default as SIGPIPE,
/// the disposition mcpjail leaves as it found it), not a hang.
#[test]
fn closing_stdout_gives_a_sandboxed_server_epipe() {
    let script = r#"while :; do echo y || { echo "write failed" >&2; exit 3; }; done"#;
    for mode in ["sandbox", "none"] {
        let mut child = mcpjail(["--mode", mode, "--", "/bin/sh", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, "y\n");
        drop(out);
        let status = wait(&mut child, mode);
        assert!(
            status.signal() == Some(libc::SIGPIPE) || status.code() == Some(3),
            "{mode}: the server should see EPIPE: {status:?}"
        );
    }
}

/// In docker mode the docker CLI writes the server's output: it dies on EPIPE and used to leave
/// the container running, attached to nobody (found here). mcpjail now stops and removes it
/// before it exits.
#[test]
fn closing_stdout_stops_the_docker_container() {
    let server = unique("stdout");
    let (mut c, _guard) = docker_jail(
        &server,
        &["--", "sh", "-c", "while :; do echo y; sleep 0.1; done"],
    );
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "y\n");
    assert_eq!(containers_of(&server).len(), 1);
    drop(out);
    let status = wait(&mut child, "mcpjail --mode docker");
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_ne!(status.code(), Some(0), "{status:?} {err}");
    eprintln!("mcpjail: {status:?}, stderr: {err}");
    assert_eq!(
        containers_of(&server),
        Vec::<String>::new(),
        "container left running"
    );
}

// ---- the client vanishes (SIGKILL)

/// A client process (python) that starts COMMAND with pipes, prints the child's pid and the
/// first line it wrote, then sleeps: the test kills it with SIGKILL.
const CLIENT: &str = r#"
import subprocess, sys, time
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"0"}}}\n')
p.stdin.flush()
print(p.pid, p.stdout.readline().decode().strip()[:40], flush=True)
time.sleep(3600)
"#;

fn client<I, S>(args: I) -> (Child, u32)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut child = Command::new(python())
        .args(["-c", CLIENT])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid: u32 = line
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("client said {line:?}"));
    assert!(line.contains("jsonrpc"), "the server answered: {line:?}");
    (child, pid)
}

/// Sandbox: the server is mcpjail's own process; when its client dies, its stdin ends and an
/// MCP server exits.
#[test]
fn a_killed_client_leaves_no_sandboxed_server() {
    let args = [
        common::bin().into(),
        "--mode".into(),
        "sandbox".into(),
        "--".into(),
        python(),
        echo_server(),
    ];
    let (mut c, server_pid) = client(args);
    c.kill().unwrap();
    c.wait().unwrap();
    wait_gone(server_pid, "the sandboxed server");
}

/// Docker: a server that reads nothing and ignores SIGTERM, so that only mcpjail can end it.
/// mcpjail notices that nobody reads the server's output any more, stops the container (kill
/// after the stop timeout) and exits; nothing is left.
#[test]
fn a_killed_client_leaves_no_container() {
    let server = unique("client");
    common::engine_shared();
    let _guard = Leftovers(server.clone());
    let script = r#"read line; echo '{"jsonrpc":"2.0","id":1,"result":{}}'; trap '' TERM; while :; do sleep 1; done"#;
    let (mut c, mcpjail_pid) = client([
        common::bin(),
        "--mode",
        "docker",
        "--stop-timeout",
        "2s",
        "--server",
        &server,
        "--",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(containers_of(&server).len(), 1);
    c.kill().unwrap();
    c.wait().unwrap();
    wait_gone(mcpjail_pid, "mcpjail");
    assert_eq!(
        containers_of(&server),
        Vec::<String>::new(),
        "container outlived its client"
    );
}

// ---- a full disk in the --rw dir

/// A small tmpfs mounted for the test (root only), unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Option<Tmpfs> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("not root: cannot mount a tmpfs; the full-disk test cannot run");
            return None;
        }
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("{options},mode=0777"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "mount: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Some(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The server writes until the disk is full: it sees ENOSPC, its status comes back, and it
/// still cannot write outside. mcpjail itself needs no space: a HOME on the full disk (where
/// it would create ~/.npm) costs a warning, not the launch.
#[test]
fn a_full_disk_in_the_rw_dir_is_the_servers_enospc() {
    let dir = TempDir::new("full");
    let disk = dir.join("disk");
    std::fs::create_dir(&disk).unwrap();
    let Some(_mount) = Tmpfs::mount(&disk, "size=512k,nr_inodes=64") else {
        return;
    };
    let outside = dir.join("outside");
    std::fs::create_dir(&outside).unwrap();
    // Blocks, then inodes: both run out.
    let script = r#"
        err=$(head -c 1048576 /dev/zero 2>&1 >"$1/big") && exit 10
        case "$err" in *"No space left on device"*) ;; *) echo "$err" >&2; exit 11 ;; esac
        i=0; while true >"$1/f$i"; do i=$((i+1)); done 2>/dev/null
        [ "$i" -gt 0 ] || exit 13
        (echo x > "$2/escape") 2>/dev/null && exit 12
        exit 28"#;
    let mut c = mcpjail(["--mode", "sandbox", "-e"]);
    c.arg(format!("HOME={}", disk.display()))
        .arg("--rw")
        .arg(&disk)
        .args(["--", "/bin/sh", "-c", script, "sh"])
        .arg(&disk)
        .arg(&outside);
    let o = common::run(c);
    let err = common::stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(28),
        "ENOSPC seen and reported by the server: {err}"
    );
    assert!(!outside.join("escape").exists());

    // Full now: the next launch still runs, and says what it could not create (~/.npm was
    // created by the first launch, before the disk filled; ~/.local/share is asked for again).
    std::fs::remove_dir(disk.join(".local/share")).unwrap();
    let _ = std::fs::write(disk.join("last-inode"), "");
    let mut c = mcpjail(["--mode", "sandbox", "-e"]);
    c.arg(format!("HOME={}", disk.display()))
        .args(["--", "/bin/sh", "-c", "echo ran"]);
    let o = common::run(c);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(common::stdout(&o), "ran\n");
    assert!(
        err.contains("no space left on device"),
        "the warning names the cause: {err}"
    );

    // Docker: the same tmpfs bind-mounted.
    common::engine_shared();
    let server = unique("full");
    let _guard = Leftovers(server.clone());
    let mut c = mcpjail(["--mode", "docker", "--server", &server, "--rw"]);
    c.arg(&disk)
        .args(["--", "sh", "-c", "echo more > \"$1/more\" || exit 28", "sh"])
        .arg(&disk);
    let o = common::run(c);
    assert_eq!(o.status.code(), Some(28), "{}", common::stderr(&o));
    assert_eq!(containers_of(&server), Vec::<String>::new());
}
