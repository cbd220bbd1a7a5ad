//! Shared helpers for the integration tests: they run the built binary for real.
#![allow(dead_code)]

pub mod sandbox;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mcpjail")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mcpjail ARGS` with MCPJAIL_* variables of the test runner removed.
pub fn mcpjail<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(bin());
    c.args(args);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MCPJAIL_") {
            c.env_remove(k);
        }
    }
    c
}

/// Run with `input` on stdin; collect stdout and stderr.
pub fn run_with_input(mut cmd: Command, input: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn mcpjail");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap();
    out
}

pub fn run(cmd: Command) -> Output {
    run_with_input(cmd, b"")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert the shape of every mcpjail failure: exit 125 (or `code`), exactly one stderr line
/// `mcpjail: error: …` containing `want`, nothing on stdout.
#[track_caller]
pub fn assert_error(o: &Output, code: i32, want: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "status; stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "want one stderr line, got: {err}");
    assert!(lines[0].starts_with("mcpjail: error: "), "{err}");
    assert!(lines[0].contains(want), "want {want:?} in {err:?}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
}

/// Scratch space for tests: the target dir, unless the checkout is beneath /tmp (or $TMPDIR),
/// which is a default writable path of the sandbox — CI may clone anywhere — then /var/tmp.
pub fn scratch() -> PathBuf {
    let repo = repo();
    let tmp = std::env::var_os("TMPDIR").map(PathBuf::from);
    if repo.starts_with("/tmp") || tmp.is_some_and(|t| repo.starts_with(t)) {
        PathBuf::from("/var/tmp/mcpjail-test-tmp")
    } else {
        repo.join("target/test-tmp")
    }
}

/// A directory under `scratch()`, removed on drop. (No tempfile crate: /tmp is a sandbox's own
/// writable default, and tests want paths they control.)
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = scratch();
        let dir = base.join(format!(
            "{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir.canonicalize().unwrap())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parse explain's stdout.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("explain output is not JSON ({e}): {}", stdout(o)))
}

/// The docker engine is shared by every test binary, and one fault test (tests/faults_daemon.rs)
/// stops and restarts it. Tests that use the engine call `engine_shared()`: a shared flock on
/// target/docker-engine.lock, held until the test process exits. The test that stops the engine
/// holds `engine_exclusive()`, so it never overlaps another docker test, whether tests run as
/// processes (nextest) or as threads of one binary (cargo test). A binary that takes the
/// exclusive lock must not call `engine_shared()` itself.
pub fn engine_shared() {
    static HELD: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    HELD.get_or_init(|| engine_lock(libc::LOCK_SH));
}

/// Released on drop.
pub struct EngineExclusive(#[allow(dead_code)] std::fs::File);

pub fn engine_exclusive() -> EngineExclusive {
    EngineExclusive(engine_lock(libc::LOCK_EX))
}

fn engine_lock(how: libc::c_int) -> std::fs::File {
    use std::os::fd::AsRawFd;
    let path = repo().join("target/docker-engine.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    loop {
        // SAFETY: flock on a descriptor we own; blocks until granted.
        if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
            return file;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::Interrupted,
            "flock {}: {e}",
            path.display()
        );
    }
}

/// Containers (any state) labelled with this server name.
pub fn containers_of(server: &str) -> Vec<String> {
    let o = Command::new("docker")
        .args(["ps", "-a", "-q", "--filter"])
        .arg(format!("label=mcpproxy.server={server}"))
        .output()
        .expect("docker ps");
    assert!(
        o.status.success(),
        "docker ps: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}
