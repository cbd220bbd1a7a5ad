//! Regression tests for what fuzzing and the fault tests found, run against the built binary
//! (and, for the --rw race, the library itself, so that the swap can happen exactly between
//! the check and the use).

mod common;

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
