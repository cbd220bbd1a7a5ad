//! The core, end to end: the built binary's command line, config files, explain and mode none.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use common::*;
use serde_json::Value;

fn explain(args: &[&str]) -> (Value, std::process::Output) {
    let mut a = vec!["explain"];
    a.extend_from_slice(args);
    let out = run(mcpjail(&a));
    (json(&out), out)
}

// ---- explain for each config format ------------------------------------------------------

const MCPPROXY: &str = r#"{
  "listen": "127.0.0.1:8080",
  "docker_isolation": {"enabled": true, "memory_limit": "256m"},
  "mcpServers": [
    {"name": "docker-default", "command": "uvx", "args": ["mcp-server-fetch"], "enabled": true},
    {"name": "trusted", "command": "sh", "args": ["-c", "echo trusted"],
     "env": {"API_KEY": "s3cret-value", "DEBUG": "1"}, "working_dir": "/tmp",
     "isolation": {"mode": "none"}},
    {"name": "legacy-off", "command": "cat", "isolation": {"enabled": false}},
    {"name": "boxed", "command": "cat", "isolation": {"mode": "sandbox"}}
  ]
}"#;

#[test]
fn explain_mcpproxy_config() {
    let dir = TempDir::new("core");
    let cfg = dir.write("mcp_config.json", MCPPROXY);
    let cfg = cfg.to_str().unwrap();

    let (plan, out) = explain(&["--config", cfg, "--server", "trusted"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(plan["mode"], "none");
    assert_eq!(plan["mode_source"], "server isolation.mode");
    assert_eq!(plan["server"], "trusted");
    assert_eq!(plan["config_format"], "mcpproxy");
    assert_eq!(
        plan["argv"],
        serde_json::json!(["/usr/bin/sh", "-c", "echo trusted"])
    );
    assert_eq!(plan["cwd"], "/tmp");
    let env: Vec<&str> = plan["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        env.contains(&"API_KEY") && env.contains(&"DEBUG"),
        "{env:?}"
    );
    // names only: the secret never appears anywhere in explain's output
    assert!(!stdout(&out).contains("s3cret-value"));

    let (plan, _) = explain(&["--config", cfg, "--server", "legacy-off"]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("none"), Some("server isolation.enabled"))
    );

    let (plan, _) = explain(&["--config", cfg, "--server", "docker-default"]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("docker"), Some("docker_isolation.enabled"))
    );

    let (plan, _) = explain(&["--config", cfg, "--server", "boxed"]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("sandbox"), Some("server isolation.mode"))
    );

    // the flag wins over everything in the file
    let (plan, _) = explain(&[
        "--mode",
        "none",
        "--config",
        cfg,
        "--server",
        "docker-default",
        "--",
        "cat",
    ]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("none"), Some("--mode"))
    );
    assert_eq!(
        plan["argv"][0], "/usr/bin/cat",
        "a command after -- replaces the configured one"
    );
}

#[test]
fn explain_claude_cursor_config() {
    let dir = TempDir::new("core");
    let cfg = dir.write(
        "claude_desktop_config.json",
        r#"{"mcpServers": {"fs": {"command": "cat", "args": ["-u"], "env": {"TOKEN": "hunter2"}},
                           "remote": {"url": "https://example.invalid/mcp"}},
            "globalShortcut": "Ctrl+Space"}"#,
    );
    let cfg = cfg.to_str().unwrap();
    let (plan, out) = explain(&["-c", cfg, "-s", "fs"]);
    assert_eq!(plan["config_format"], "mcpServers");
    // a client config says nothing about isolation: none, as mcpproxy would
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("none"), Some("config without isolation settings"))
    );
    assert_eq!(plan["argv"], serde_json::json!(["/usr/bin/cat", "-u"]));
    assert!(plan["env"].as_array().unwrap().iter().any(|v| v == "TOKEN"));
    assert!(!stdout(&out).contains("hunter2"));

    let out = run(mcpjail(["explain", "-c", cfg, "-s", "remote"]));
    assert_error(
        &out,
        125,
        "server \"remote\" (mcpServers.remote) has no command",
    );
}

#[test]
fn explain_vscode_configs() {
    let dir = TempDir::new("core");
    let mcp_json = dir.write(
        "mcp.json",
        r#"{"inputs": [], "servers": {"git": {"type": "stdio", "command": "cat", "cwd": "/"}}}"#,
    );
    let (plan, out) = explain(&["--config", mcp_json.to_str().unwrap(), "--server", "git"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(plan["config_format"], "vscode");
    assert_eq!(plan["cwd"], "/");
    let settings = dir.write(
        "settings.json",
        r#"{"editor.tabSize": 4, "mcp": {"servers": {"git": {"command": "cat"}}}}"#,
    );
    let (plan, _) = explain(&["--config", settings.to_str().unwrap(), "--server", "git"]);
    assert_eq!(plan["config_format"], "vscode");
    assert_eq!(plan["argv"][0], "/usr/bin/cat");
}

#[test]
fn explain_global_mode_and_defaults() {
    let dir = TempDir::new("core");
    let cfg = dir.write(
        "c.json",
        r#"{"docker_isolation": {"mode": "sandbox", "enabled": true}}"#,
    );
    let (plan, _) = explain(&["--config", cfg.to_str().unwrap(), "--", "cat"]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("sandbox"), Some("docker_isolation.mode"))
    );
    // no config at all: mcpjail is a jail
    let (plan, _) = explain(&["--", "cat"]);
    assert_eq!(
        (plan["mode"].as_str(), plan["mode_source"].as_str()),
        (Some("sandbox"), Some("default without config"))
    );
    // --server alone reads ~/.mcpproxy/mcp_config.json
    let home = TempDir::new("home");
    std::fs::create_dir_all(home.join(".mcpproxy")).unwrap();
    std::fs::write(home.join(".mcpproxy/mcp_config.json"), MCPPROXY).unwrap();
    let mut cmd = mcpjail(["explain", "--server", "legacy-off"]);
    cmd.env("HOME", home.path());
    let out = run(cmd);
    let plan = json(&out);
    assert_eq!(plan["mode_source"], "server isolation.enabled");
    assert!(
        plan["config"]
            .as_str()
            .unwrap()
            .ends_with(".mcpproxy/mcp_config.json")
    );
}

#[test]
fn explain_docker_command_is_never_wrapped() {
    let (plan, _) = explain(&[
        "--mode", "docker", "--", "docker", "run", "-i", "--rm", "img",
    ]);
    assert_eq!(plan["mode"], "none");
    assert_eq!(plan["mode_source"], "docker command (never wrapped)");
}

#[test]
fn explain_reports_command_not_found_with_its_status() {
    let (plan, out) = explain(&["--mode", "none", "--", "surely-not-a-command-xyz"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(plan["error"], "surely-not-a-command-xyz: command not found");
}

#[test]
fn explain_none_mode_reports_flags_it_cannot_enforce() {
    let (plan, out) = explain(&[
        "--mode",
        "none",
        "--memory",
        "64m",
        "--network",
        "none",
        "--",
        "cat",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let w = plan["warnings"].to_string();
    assert!(
        w.contains("--memory") && w.contains("--network none"),
        "{w}"
    );
    let (plan, out) = explain(&["--strict", "--mode", "none", "--memory", "64m", "--", "cat"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        plan["error"]
            .as_str()
            .unwrap()
            .starts_with("--strict: not enforced: --memory")
    );
}

// ---- mode none runs the server transparently ----------------------------------------------

#[test]
fn none_mode_stdio_is_byte_exact() {
    let mut data = vec![0u8; 6 << 20];
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    std::io::Read::read_exact(&mut f, &mut data).unwrap();
    let out = run_with_input(mcpjail(["--mode", "none", "--", "cat"]), &data);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout == data,
        "stdout differs from stdin ({} vs {} bytes)",
        out.stdout.len(),
        data.len()
    );
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn none_mode_is_the_same_process_and_keeps_exit_status() {
    let out = run(mcpjail(["--mode", "none", "--", "sh", "-c", "exit 42"]));
    assert_eq!(out.status.code(), Some(42));
    // execve, not a child: the server dies of the signal itself
    let out = run(mcpjail([
        "--mode",
        "none",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ]));
    assert_eq!(out.status.signal(), Some(libc::SIGTERM));
    // which a shell reports as 128+N
    let script = format!(
        "'{}' --mode none -- sh -c 'kill -KILL $$'; echo status=$?",
        bin()
    );
    let out = run({
        let mut c = Command::new("sh");
        c.args(["-c", &script]);
        c
    });
    assert_eq!(stdout(&out).trim(), "status=137");
    // same pid: the server's parent is the test, not mcpjail
    let out = run(mcpjail(["--mode", "none", "--", "sh", "-c", "echo $PPID"]));
    assert_eq!(stdout(&out).trim(), std::process::id().to_string());
}

#[test]
fn none_mode_runs_a_program_named_like_a_subcommand_after_double_dash() {
    let dir = TempDir::new("core");
    let script = dir.write("explain", "#!/bin/sh\necho \"I am explain: $*\"\n");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut cmd = mcpjail(["--mode", "none", "--", "explain", "--mode", "x"]);
    cmd.env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "I am explain: --mode x\n");
}

/// The server must start with the signal dispositions and mask it would have had if started
/// directly. Rust's runtime ignores SIGPIPE, and an ignored signal survives execve.
#[test]
fn none_mode_keeps_signal_dispositions_and_mask() {
    let status_lines = |via_mcpjail: bool, ignore_pipe: bool| {
        let target = if via_mcpjail {
            format!(
                "['{}', '--mode', 'none', '--', 'cat', '/proc/self/status']",
                bin()
            )
        } else {
            "['cat', '/proc/self/status']".to_string()
        };
        let py = format!(
            "import os, signal\n\
             signal.signal(signal.SIGPIPE, signal.SIG_IGN if {ignore_pipe} else signal.SIG_DFL)\n\
             signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n\
             signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGUSR2, signal.SIGWINCH}})\n\
             argv = {target}\n\
             os.execvp(argv[0], argv)\n",
            ignore_pipe = if ignore_pipe { "True" } else { "False" },
        );
        let out = run({
            let mut c = Command::new("python3");
            c.args(["-c", &py]);
            c
        });
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("SigIgn") || l.starts_with("SigBlk"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    for ignore_pipe in [false, true] {
        let direct = status_lines(false, ignore_pipe);
        assert_eq!(direct.len(), 2);
        assert_eq!(
            status_lines(true, ignore_pipe),
            direct,
            "SIGPIPE ignored by parent: {ignore_pipe}"
        );
    }
}

#[test]
fn none_mode_environment() {
    let mut cmd = mcpjail([
        "--mode",
        "none",
        "-e",
        "ADDED=yes",
        "-e",
        "FROM_ENV",
        "-e",
        "UNSET_HERE_XYZ",
        "--",
        "env",
    ]);
    cmd.env("FROM_ENV", "inherited-value")
        .env("MCPJAIL_SECRET", "x")
        .env("KEPT", "k");
    let out = run(cmd);
    assert!(out.status.success());
    let env = stdout(&out);
    for want in ["ADDED=yes", "FROM_ENV=inherited-value", "KEPT=k"] {
        assert!(env.lines().any(|l| l == want), "{want} missing from {env}");
    }
    assert!(!env.contains("MCPJAIL_"), "{env}");
    assert!(!env.contains("UNSET_HERE_XYZ"));
    assert!(
        stderr(&out).contains("-e UNSET_HERE_XYZ: not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn none_mode_configured_env_and_working_dir() {
    let dir = TempDir::new("core");
    let cfg = dir.write(
        "c.json",
        &format!(
            r#"{{"mcpServers": [{{"name": "s", "command": "sh", "args": ["-c", "pwd; echo $API_KEY"],
                 "env": {{"API_KEY": "abc"}}, "working_dir": "{}", "isolation": {{"mode": "none"}}}}]}}"#,
            dir.path().display()
        ),
    );
    let out = run(mcpjail([
        "--config",
        cfg.to_str().unwrap(),
        "--server",
        "s",
        "-e",
        "API_KEY=override",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}\noverride\n", dir.path().display())
    );
}

#[test]
fn none_mode_exit_statuses_for_commands_that_cannot_run() {
    let out = run(mcpjail([
        "--mode",
        "none",
        "--",
        "surely-not-a-command-xyz",
    ]));
    assert_error(&out, 127, "surely-not-a-command-xyz: command not found");
    let out = run(mcpjail(["--mode", "none", "--", "/etc/passwd"]));
    assert_error(&out, 126, "/etc/passwd: cannot execute");
    let out = run(mcpjail(["--mode", "none", "--", "/"]));
    assert_error(&out, 126, "is a directory");
}

#[test]
fn nothing_but_the_server_reaches_stdout() {
    let out = run(mcpjail(["-vvv", "--mode", "none", "--", "true"]));
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("mcpjail: "),
        "verbose logging goes to stderr"
    );
}

// ---- bad input: one line, exit 125, the command never runs ---------------------------------

#[test]
fn bad_input_is_one_line_and_exit_125_and_nothing_runs() {
    let dir = TempDir::new("bad");
    let marker = dir.join("ran");
    let touch = format!("touch '{}'", marker.display());
    let cfg = |name: &str, text: &str| dir.write(name, text).to_str().unwrap().to_string();

    let malformed = cfg("malformed.json", r#"{"mcpServers": [ {"name": "a", }"#);
    let wrong_type = cfg("wrong.json", r#"{"docker_isolation": {"enabled": "yes"}}"#);
    let bad_mode = cfg(
        "mode.json",
        r#"{"mcpServers": [{"name": "a", "command": "true"}, {"name": "b", "command": "true"},
                           {"name": "c", "command": "true", "isolation": {"mode": "jail"}}]}"#,
    );
    let bad_size = cfg(
        "size.json",
        r#"{"docker_isolation": {"memory_limit": "plenty"}}"#,
    );
    let servers = cfg(
        "servers.json",
        r#"{"mcpServers": {"fs": {"command": "true"}}}"#,
    );
    let missing = dir.join("missing.json").to_str().unwrap().to_string();

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--config", &malformed], "not valid JSON"),
        (
            vec!["--config", &wrong_type],
            "docker_isolation.enabled: expected true or false, found a string",
        ),
        (
            vec!["--config", &bad_mode],
            "mcpServers[2].isolation.mode: unknown mode \"jail\"",
        ),
        (
            vec!["--config", &bad_size],
            "docker_isolation.memory_limit: \"plenty\": invalid size",
        ),
        (vec!["--config", &missing], "cannot read"),
        (
            vec!["--config", &servers, "--server", "nope"],
            "--server nope: no such server",
        ),
        (
            vec!["--mode", "jail"],
            "--mode jail: expected one of docker, sandbox, none",
        ),
        (vec!["--bogus"], "unknown option --bogus"),
        (vec!["--memory", "lots"], "--memory lots: invalid size"),
        (vec!["--cpus", "-2"], "--cpus -2: invalid CPU count"),
        (vec!["--cpus", "zero"], "--cpus zero: invalid CPU count"),
        (
            vec!["--stop-timeout", "1y"],
            "--stop-timeout 1y: invalid duration",
        ),
        (
            vec!["--allow-connect", "http"],
            "--allow-connect http: invalid port list",
        ),
        (
            vec!["-e", "BAD-KEY=1"],
            "--env BAD-KEY=1: not a valid environment variable name",
        ),
    ];
    for (args, want) in cases {
        for explain in [false, true] {
            let mut all: Vec<&str> = if explain { vec!["explain"] } else { vec![] };
            all.extend(
                ["--mode", "none"]
                    .iter()
                    .filter(|_| !args.contains(&"--mode")),
            );
            all.extend(&args);
            all.extend(["--", "sh", "-c", &touch]);
            let out = run(mcpjail(&all));
            assert_error(&out, 125, want);
            assert!(!marker.exists(), "{all:?} ran the command");
        }
    }

    // a missing value and a missing command have no COMMAND to protect, but the same shape
    assert_error(
        &run(mcpjail(["--mode"])),
        125,
        "missing argument for option '--mode'",
    );
    assert_error(&run(mcpjail(["--mode", "none"])), 125, "no command given");
    assert_error(&run(mcpjail(["explain"])), 125, "no command given");
    assert_error(
        &run(mcpjail(["--mode", "none", "--"])),
        125,
        "no command given",
    );
}

#[test]
fn help_and_version() {
    let out = run(mcpjail(["--help"]));
    assert!(out.status.success());
    let help = stdout(&out);
    for long in [
        "--mode",
        "--config",
        "--server",
        "--strict",
        "--rw",
        "--ro",
        "--memory",
        "--stop-timeout",
    ] {
        assert!(help.contains(long), "{long} missing from --help");
    }
    let out = run(mcpjail(["-V"]));
    assert_eq!(
        stdout(&out),
        format!("mcpjail {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn log_levels_from_flags_and_mcpjail_log() {
    // (args, MCPJAIL_LOG, the stderr lines wanted); every line on stderr, stdout the server's
    let info = "mcpjail: info: mode none (--mode): ";
    let warning = "mcpjail: warning: not enforced: --cpus (mode none confines nothing)";
    let cases: &[(&[&str], Option<&str>, &[&str])] = &[
        (&[], None, &[warning]),
        (&["-v"], None, &[warning, info]),
        (&["-q"], None, &[]),
        (&["--log-level", "info"], None, &[warning, info]),
        // MCPJAIL_LOG is a filter spec (env_logger's); flags win over it
        (&[], Some("info"), &[warning, info]),
        (&[], Some("mcpjail=info"), &[warning, info]),
        (&[], Some("mcpjail::plan=info"), &[warning]),
        (&[], Some("error"), &[]),
        (&["-v"], Some("error"), &[warning, info]),
    ];
    for (flags, spec, want) in cases {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend(["--mode", "none", "--cpus", "1", "--", "echo", "out"]);
        let mut c = mcpjail(&args);
        if let Some(spec) = spec {
            c.env("MCPJAIL_LOG", spec);
        }
        let o = run(c);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{flags:?} {spec:?}: {}",
            stderr(&o)
        );
        assert_eq!(stdout(&o), "out\n", "{flags:?} {spec:?}");
        let err = stderr(&o);
        let got: Vec<&str> = err.lines().collect();
        assert_eq!(got.len(), want.len(), "{flags:?} {spec:?}: {err}");
        for (line, w) in got.iter().zip(want.iter()) {
            assert!(
                line.starts_with(w),
                "{flags:?} {spec:?}: {line:?} is not {w:?}"
            );
        }
    }
}
