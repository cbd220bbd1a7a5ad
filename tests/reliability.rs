//! Regression tests for what fuzzing and the fault tests found, run against the built binary
//! (and, for the --rw race, the library itself, so that the swap can happen exactly between
//! the check and the use).
// These run the real Linux kernel (Landlock, /proc, tmpfs); elsewhere there is nothing to test.
#![cfg(target_os = "linux")]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TempDir, assert_error, mcpjail, run};

/// Fuzzing (config target) found messages that quote a user's value with a newline in it: the
/// "one `mcpjail: error:` line" contract broke, and a value could forge a line of its own.
#[test]
fn errors_stay_one_line_whatever_they_quote() {
    let o = run(mcpjail([
        "--mode",
        "sandbox",
        "--rw",
        "/nonexistent\nmcpjail: error: forged",
        "--",
        "true",
    ]));
    assert_error(
        &o,
        125,
        "--rw /nonexistent\\nmcpjail: error: forged: no such file",
    );

    let dir = TempDir::new("rel-oneline");
    let cfg = dir.write(
        "c.json",
        r#"{"docker_isolation": {"memory_limit": "1\nx"}, "mcpServers": []}"#,
    );
    let o = run(mcpjail([
        "explain".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
        "--".as_ref(),
        "true".as_ref(),
    ]));
    assert_error(
        &o,
        125,
        "docker_isolation.memory_limit: \"1\\nx\": invalid size",
    );

    let cfg = dir.write("ok.json", r#"{"mcpServers": []}"#);
    let mut c = mcpjail(["--server", "a\rb", "--config"]);
    c.arg(&cfg).args(["--", "true"]);
    let o = run(c);
    assert_error(&o, 125, "--server a\\rb: no such server");
}

/// Fuzzing (units target) found DUR as bare seconds taken without the ceiling that `30s`-style
/// values had: `--stop-timeout 18446744073709551615` was accepted, and the first SIGTERM then
/// panicked (Instant + Duration overflow) and aborted mcpjail, leaving its container running.
#[test]
fn huge_durations_are_refused_when_parsed_not_at_stop_time() {
    for value in [
        "18446744073709551615",
        "999990000000",
        "99999999999999999999999",
    ] {
        let o = run(mcpjail([
            "explain",
            "--mode",
            "docker",
            "--stop-timeout",
            value,
            "--",
            "sh",
        ]));
        assert_error(
            &o,
            125,
            &format!("--stop-timeout {value}: duration too long"),
        );
    }
    let dir = TempDir::new("rel-dur");
    let cfg = dir.write(
        "c.json",
        r#"{"docker_isolation": {"enabled": true, "timeout": "999990000000"}, "mcpServers": [{"name": "s", "command": "sh"}]}"#,
    );
    let mut c = mcpjail(["explain", "--server", "s", "--config"]);
    c.arg(&cfg);
    let o = run(c);
    assert_error(
        &o,
        125,
        "docker_isolation.timeout: \"999990000000\": duration too long",
    );
}

// ---- --rw on a path replaced by a symlink between check and use

/// The server's script for the race tests: try to write into `secret` by its own name.
fn escape_script(secret: &Path) -> String {
    format!(
        "echo escaped > {}/pwned 2>/dev/null; exit 0",
        secret.display()
    )
}

/// Not a test by itself: the process that `swap_*` tests start (the test binary run again, with
/// RELIABILITY_HELPER set). It plans `--mode sandbox --rw RW -- sh -c SCRIPT` with the library,
/// prints the planned writable paths, optionally swaps RW for a symlink to SECRET (the attacker's
/// move between check and use), then confines and execs exactly as mcpjail does.
#[test]
fn helper_plan_then_confine_and_exec() {
    let Ok(mode) = std::env::var("RELIABILITY_HELPER") else {
        return;
    };
    let var = |k: &str| PathBuf::from(std::env::var_os(k).unwrap());
    let (rw, secret) = (var("RELIABILITY_RW"), var("RELIABILITY_SECRET"));
    let cli = mcpjail::cli::parse([
        "--mode".into(),
        "sandbox".into(),
        "--rw".into(),
        rw.clone().into_os_string(),
        "--".into(),
        "/bin/sh".into(),
        "-c".into(),
        escape_script(&secret).into(),
    ])
    .unwrap();
    let plan = mcpjail::plan::build(&cli).unwrap();
    let writes = plan.to_json()["sandbox"]["write"].clone();
    eprintln!("planned write: {writes}");
    if mode == "swap" {
        let aside = rw.with_extension("checked");
        std::fs::rename(&rw, &aside).unwrap();
        symlink(&secret, &rw).unwrap();
    }
    let e = mcpjail::sandbox::exec(&plan);
    eprintln!("{}", e.line());
    std::process::exit(e.exit);
}

fn helper(mode: &str, rw: &Path, secret: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "helper_plan_then_confine_and_exec",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("RELIABILITY_HELPER", mode)
    .env("RELIABILITY_RW", rw)
    .env("RELIABILITY_SECRET", secret);
    c
}

/// The swap happens exactly between the check (planning resolved `--rw` to a real directory)
/// and the use (the ruleset is built): the rule must not bind the symlink's target.
#[test]
fn rw_swapped_for_a_symlink_after_the_check_grants_nothing_else() {
    let dir = TempDir::new("rel-swap");
    let (rw, secret) = (dir.join("rw"), dir.join("secret"));
    std::fs::create_dir(&rw).unwrap();
    std::fs::create_dir(&secret).unwrap();
    let o = run(helper("swap", &rw, &secret));
    let err = common::stderr(&o);
    assert!(
        err.contains("planned write: [") && err.contains(&format!("\"{}\"", rw.display())),
        "the check saw the real directory: {err}"
    );
    assert!(
        !secret.join("pwned").exists(),
        "--rw {} was swapped for a symlink to {} after the check, and the server wrote there \
         (status {:?}): {err}",
        rw.display(),
        secret.display(),
        o.status.code()
    );
    // What mcpjail does instead: refuse, naming the path, rather than run with another rule.
    assert_eq!(o.status.code(), Some(125), "{err}");
    assert!(err.contains("changed since it was checked"), "{err}");
}

/// The same as a race: another thread swaps `--rw` and a symlink to `secret` back and forth
/// (renameat2 RENAME_EXCHANGE, atomic) while launches plan and confine. Whatever each launch
/// saw when it checked, the server may write to `secret` only if the plan said so.
#[test]
fn rw_raced_against_symlink_swaps_never_grants_more_than_planned() {
    let dir = TempDir::new("rel-race");
    let (rw, other, secret) = (dir.join("rw"), dir.join("other"), dir.join("secret"));
    std::fs::create_dir(&rw).unwrap();
    std::fs::create_dir(&secret).unwrap();
    symlink(&secret, &other).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flipper = {
        let (a, b) = (cstring(&rw), cstring(&other));
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // SAFETY: two valid NUL-terminated paths.
                let r = unsafe {
                    libc::renameat2(
                        libc::AT_FDCWD,
                        a.as_ptr(),
                        libc::AT_FDCWD,
                        b.as_ptr(),
                        libc::RENAME_EXCHANGE,
                    )
                };
                assert_eq!(r, 0, "renameat2: {}", std::io::Error::last_os_error());
                swaps += 1;
            }
            swaps
        })
    };
    let secret_str = format!("\"{}\"", secret.display());
    let (mut refused, mut planned_secret, mut ran) = (0, 0, 0);
    for i in 0..300 {
        let o = run(helper("race", &rw, &secret));
        let err = common::stderr(&o);
        let planned = err
            .lines()
            .find(|l| l.starts_with("planned write: "))
            .unwrap_or_else(|| panic!("launch {i}: no plan: {err}"));
        let wrote = secret.join("pwned").exists();
        if planned.contains(&secret_str) {
            planned_secret += 1;
        } else {
            assert!(
                !wrote,
                "launch {i}: the plan did not make {} writable, and the server wrote there: \
                 {planned}; {err}",
                secret.display()
            );
        }
        match o.status.code() {
            Some(0) => ran += 1,
            Some(125) if err.contains("changed since it was checked") => refused += 1,
            other => panic!("launch {i}: status {other:?}: {err}"),
        }
        let _ = std::fs::remove_file(secret.join("pwned"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = flipper.join().unwrap();
    eprintln!(
        "300 launches against {swaps} swaps: {ran} ran ({planned_secret} planned the symlink's \
         target), {refused} refused a changed path"
    );
}

fn cstring(p: &Path) -> std::ffi::CString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap()
}
