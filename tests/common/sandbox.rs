//! For the sandbox escape tests (tests/sandbox.rs, tests/sandbox_hardening.rs): a private HOME
//! and TMPDIR, and a probe script run once unconfined (the control) and once in the sandbox.
//! Each test file brings its own probe script and its own `denied` check.

use std::path::Path;
use std::process::{Command, Output};

use super::{TempDir, json, mcpjail, run, stderr, stdout};

/// The system interpreter, not a version manager's shim script.
pub fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A private HOME and TMPDIR for the sandboxed process, so that its default writable paths are
/// known and never include the test's "outside" directories.
pub struct Env {
    pub home: TempDir,
    pub tmp: TempDir,
    /// The Python probe: `python3 -c PROBE OP ARGS…` prints `ok`, or the errno and exits 3.
    script: &'static str,
}

impl Env {
    pub fn with_probe(tag: &str, script: &'static str) -> Env {
        Env {
            home: TempDir::new(&format!("{tag}-home")),
            tmp: TempDir::new(&format!("{tag}-tmp")),
            script,
        }
    }

    /// `mcpjail --mode MODE FLAGS… -- ARGV…`
    pub fn cmd(&self, mode: &str, flags: &[&str], argv: &[&str]) -> Command {
        let mut args = vec!["--mode", mode];
        args.extend_from_slice(flags);
        args.push("--");
        args.extend_from_slice(argv);
        let mut c = mcpjail(&args);
        c.env("HOME", self.home.path())
            .env("TMPDIR", self.tmp.path());
        c
    }

    pub fn probe(&self, mode: &str, flags: &[&str], op: &str, args: &[&str]) -> Output {
        let mut argv = vec![python(), "-c", self.script, op];
        argv.extend_from_slice(args);
        run(self.cmd(mode, flags, &argv))
    }

    /// The escape works unconfined (the control) …
    #[track_caller]
    pub fn works_unconfined(&self, op: &str, args: &[&str]) {
        let o = self.probe("none", &[], op, args);
        assert_ok(&o, &format!("control: {op} {args:?} under --mode none"));
    }

    #[track_caller]
    pub fn allowed(&self, flags: &[&str], op: &str, args: &[&str]) {
        let o = self.probe("sandbox", flags, op, args);
        assert_ok(&o, &format!("{op} {args:?} in the sandbox with {flags:?}"));
    }

    /// `mcpjail explain --mode sandbox FLAGS… -- true` with this HOME and TMPDIR.
    pub fn explain(&self, flags: &[&str]) -> serde_json::Value {
        let mut args = vec!["explain", "--mode", "sandbox"];
        args.extend_from_slice(flags);
        args.extend(["--", "true"]);
        let mut c = mcpjail(&args);
        c.env("HOME", self.home.path())
            .env("TMPDIR", self.tmp.path());
        let o = run(c);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        json(&o)
    }
}

/// An unprivileged user for the test: created if missing (`nobody` if useradd is unavailable).
pub fn test_user() -> (u32, u32) {
    let id = |flag: &str, user: &str| -> Option<u32> {
        let o = Command::new("id").args([flag, user]).output().ok()?;
        String::from_utf8_lossy(&o.stdout).trim().parse().ok()
    };
    let user = "mcpjail-test";
    if id("-u", user).is_none() {
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                user,
            ])
            .status();
    }
    let user = if id("-u", user).is_some() {
        user
    } else {
        "nobody"
    };
    (
        id("-u", user).expect("a test user"),
        id("-g", user).expect("its group"),
    )
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

/// For tests that need root (to make a setuid binary, to switch users): says so when skipped.
pub fn skip_unless_root() -> bool {
    if !is_root() {
        eprintln!("skipped: needs root");
    }
    !is_root()
}

#[track_caller]
pub fn assert_ok(o: &Output, what: &str) {
    assert_eq!(
        (o.status.code(), stdout(o).as_str()),
        (Some(0), "ok\n"),
        "{what}: stderr {:?}",
        stderr(o)
    );
}
