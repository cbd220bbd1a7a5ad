//! Property tests of the plan's invariants, over generated flags, configs and environments:
//!
//! - a sandbox plan never makes `/` (or `$HOME` itself) writable unless `--rw` names it;
//! - env values never appear in a docker argv, nor anywhere in what explain prints;
//! - explain and run agree: the argv and environment names explain shows are those the server
//!   was executed with (its own /proc/PID/cmdline and environ), in mode none and sandbox.
//!
//! Plans are built with the library (`plan::build_with`, no docker engine asked), except for the
//! last property, which runs the binary.
// These run the real Linux kernel (Landlock, /proc, tmpfs); elsewhere there is nothing to test.
#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use mcpjail::cli;
use mcpjail::config::Config;
use mcpjail::plan::{self, Daemon};
use proptest::prelude::*;
use proptest::test_runner::Config as Cases;

use common::{TempDir, mcpjail, run};

fn cases(n: u32) -> Cases {
    Cases {
        cases: n,
        // No files next to the tests: a failure prints its minimal input, which goes into a
        // regression test by hand.
        failure_persistence: None,
        ..Cases::default()
    }
}

/// Paths that are `/`, `$HOME` or neither, spelled in every way that resolves to them.
struct Fixture {
    dir: TempDir,
    home: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = TempDir::new("props");
        let home = dir.join("home");
        for d in ["real/sub", "home/.cache", "tmp"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::os::unix::fs::symlink("/", dir.join("to_root")).unwrap();
        std::os::unix::fs::symlink(&home, dir.join("to_home")).unwrap();
        std::os::unix::fs::symlink("/", home.join(".npm")).unwrap();
        Fixture { dir, home }
    }

    fn paths(&self) -> Vec<String> {
        let d = self.dir.path().display().to_string();
        let mut out: Vec<String> = ["/", "//", "/.", "/tmp/..", "/tmp", "/etc", "/nonexistent"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for rel in [
            "to_root",
            "to_root/.",
            "real",
            "real/sub",
            "real/../../../../../../../../../..",
            "to_home",
            "home",
            "home/.",
            "home/.npm",
            "tmp",
        ] {
            out.push(format!("{d}/{rel}"));
        }
        out
    }
}

fn canonical(p: &str) -> Option<PathBuf> {
    Path::new(p).canonicalize().ok()
}

proptest! {
    #![proptest_config(cases(400))]

    /// `/` and `$HOME` reach the writable set only through `--rw` (or the config's rw_paths),
    /// however TMPDIR, HOME, working_dir and the cache directories are spelled.
    #[test]
    fn no_writable_root_or_home_unless_named(
        tmpdir in prop::option::of(0usize..17),
        home in prop::option::of(0usize..17),
        working_dir in prop::option::of(0usize..17),
        config_tmpdir in prop::option::of(0usize..17),
        rw in prop::collection::vec(0usize..17, 0..2),
        config_rw in prop::collection::vec(0usize..17, 0..2),
        ro in prop::collection::vec(0usize..17, 0..2),
    ) {
        let fx = Fixture::new();
        let paths = fx.paths();
        let p = |i: usize| paths[i % paths.len()].clone();
        let mut args: Vec<String> = vec!["--mode".into(), "sandbox".into()];
        // The default HOME is the fixture's (its .npm is a symlink to /).
        args.extend(["-e".into(), format!("HOME={}", home.map(p).unwrap_or(fx.home.display().to_string()))]);
        if let Some(t) = tmpdir {
            args.extend(["-e".into(), format!("TMPDIR={}", p(t))]);
        }
        for r in &rw {
            args.extend(["--rw".into(), p(*r)]);
        }
        for r in &ro {
            args.extend(["--ro".into(), p(*r)]);
        }
        args.extend(["--server".into(), "s".into(), "--".into(), "true".into()]);
        let mut server = serde_json::json!({"name": "s", "command": "true", "isolation": {}});
        if let Some(w) = working_dir {
            server["working_dir"] = p(w).into();
        }
        if let Some(t) = config_tmpdir {
            server["env"] = serde_json::json!({"TMPDIR": p(t)});
        }
        server["isolation"]["rw_paths"] = config_rw.iter().map(|i| p(*i)).collect();
        let text = serde_json::json!({"mcpServers": [server]}).to_string();

        let cli = cli::parse(&args).unwrap();
        let config = Config::parse(Path::new("props.json"), &text).unwrap();
        let Ok(plan) = plan::build_with(&cli, Some(config), Daemon::Skip) else {
            // a named path that does not exist: an error, nothing planned
            return Ok(());
        };
        let json = plan.to_json();
        let writes: Vec<PathBuf> = json["sandbox"]["write"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| PathBuf::from(v.as_str().unwrap()))
            .collect();
        let named: Vec<PathBuf> = rw.iter().chain(&config_rw).filter_map(|i| canonical(&p(*i))).collect();
        if writes.contains(&PathBuf::from("/")) {
            prop_assert!(named.contains(&PathBuf::from("/")), "/ writable, --rw named {named:?}: {args:?} {text}");
        }
        let home_env = plan.env.iter().find(|(k, _)| k == "HOME").map(|(_, v)| v.clone());
        if let Some(home_real) = home_env.as_deref().and_then(canonical)
            && writes.contains(&home_real)
        {
            prop_assert!(named.contains(&home_real), "$HOME {} writable, --rw named {named:?}: {args:?} {text}", home_real.display());
        }
        // And what the fuzz targets check of every plan.
        let named_rw: Vec<PathBuf> = rw.iter().chain(&config_rw).map(|i| PathBuf::from(p(*i))).collect();
        check_plan(&plan, &named_rw);
    }
}

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;
use targets::check_plan;

/// A value no other input contains: `val` + 16 characters drawn so that a substring match can
/// only be the value itself (spaces, `=`, quotes and unicode included).
fn secret() -> impl Strategy<Value = String> {
    "[a-z0-9 =\"'é,:]{6,16}".prop_map(|s| format!("VAL{s}Q"))
}

fn env_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][A-Z0-9_]{0,6}".prop_filter("not a key mcpjail sets itself", |k| k != "PATH"),
        // Variables the docker CLI reads itself go through --env-file instead of -e.
        Just("HOME".to_string()),
        Just("DOCKER_HOST".to_string()),
        Just("TMPDIR".to_string()),
        Just("HTTPS_PROXY".to_string()),
    ]
}

proptest! {
    #![proptest_config(cases(300))]

    /// Env values, from `-e KEY=VALUE` and from the config's env, never appear in the docker
    /// argv (ps would show them) nor in explain's JSON; the names do appear as `-e KEY`.
    #[test]
    fn env_values_never_in_docker_argv_or_explain(
        flag_env in prop::collection::vec((env_key(), secret()), 0..4),
        config_env in prop::collection::vec((env_key(), secret()), 0..4),
        docker_command in any::<bool>(),
        extra in prop::collection::vec(prop_oneof![Just("--read-only"), Just("--cap-drop=ALL"), Just("-e"), Just("FOO")], 0..3),
        mode in prop_oneof![Just("docker"), Just("sandbox"), Just("none")],
    ) {
        let mut args: Vec<String> = vec!["--mode".into(), mode.into(), "--server".into(), "s".into()];
        for (k, v) in &flag_env {
            args.extend(["-e".into(), format!("{k}={v}")]);
        }
        for x in &extra {
            args.push(format!("--docker-arg={x}"));
        }
        args.push("--".into());
        if docker_command {
            args.extend(["docker", "run", "-i", "--rm", "alpine:3.18", "sh"].map(String::from));
        } else {
            args.extend(["sh", "-c", "echo hi"].map(String::from));
        }
        let env: serde_json::Map<String, serde_json::Value> =
            config_env.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        let text = serde_json::json!({"mcpServers": [{"name": "s", "command": "sh", "env": env}]}).to_string();
        let cli = cli::parse(&args).unwrap();
        let config = Config::parse(Path::new("props.json"), &text).unwrap();
        let plan = match plan::build_with(&cli, Some(config), Daemon::Skip) {
            Ok(plan) => plan,
            Err(e) => {
                // The only refusal here: nothing, values are plain text without newlines.
                return Err(TestCaseError::fail(format!("{args:?} {text}: {}", e.message)));
            }
        };
        let json = serde_json::to_string(&plan.to_json()).unwrap();
        for (k, v) in flag_env.iter().chain(&config_env) {
            for a in &plan.argv {
                prop_assert!(!a.contains(v.as_str()), "the value of {k} in argv element {a:?}: {:?}", plan.argv);
            }
            // The sandbox names the paths it makes writable, $TMPDIR and $HOME's among them.
            let shown_path = mode == "sandbox" && !docker_command && (k == "HOME" || k == "TMPDIR");
            if !shown_path {
                prop_assert!(!json.contains(v.as_str()), "the value of {k} in explain: {json}");
            }
            // The value still reaches the server (docker: through the CLI's environment or the
            // env file; the others: the server's own environment).
            if mode != "docker" || docker_command {
                prop_assert!(plan.env.iter().any(|(_, val)| val == v) || flag_env.iter().chain(&config_env).any(|(k2, v2)| k2 == k && v2 != v));
            }
        }
        if plan.docker.is_some() {
            let keys: Vec<&str> = plan.argv.windows(2).filter(|w| w[0] == "-e").map(|w| w[1].as_str()).collect();
            for (k, _) in flag_env.iter().chain(&config_env) {
                // the variables the docker CLI reads itself go through --env-file instead
                if !mcpjail::docker::cli_reads(k) {
                    prop_assert!(keys.contains(&k.as_str()), "-e {k} missing: {:?}", plan.argv);
                }
            }
        }
    }
}

// ---- explain and run agree

/// The server for the agreement check: prints its own argv and environment as the kernel has
/// them (/proc/$$/cmdline and /proc/$$/environ; `$$` is the shell mcpjail executed), then its
/// working directory.
const SHOW_SELF: &str = r#"cat /proc/$$/cmdline; printf '\n--environ--\n'; tr '\0' '\n' </proc/$$/environ; printf -- '--cwd--\n%s\n' "$PWD""#;

fn arg() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("--".to_string()),
        Just("-e".to_string()),
        Just("explain".to_string()),
        Just("--mode=docker".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,8}",
    ]
}

fn split(o: &Output) -> (Vec<String>, Vec<String>) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let (argv, rest) = out
        .split_once("\n--environ--\n")
        .unwrap_or_else(|| panic!("{out}"));
    let (environ, _) = rest.split_once("--cwd--\n").unwrap();
    let argv = argv.split('\0').map(String::from).collect::<Vec<_>>();
    // cmdline ends with a NUL: the last piece is empty.
    let argv = argv[..argv.len() - 1].to_vec();
    let mut names: Vec<String> = environ
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect();
    names.sort();
    (argv, names)
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn explain_shows_the_argv_and_environment_that_run(
        args in prop::collection::vec(arg(), 0..5),
        env in prop::collection::vec(
            ("[A-Z][A-Z0-9_]{0,5}".prop_filter("PATH finds the server", |k| k != "PATH"), "[ -~]{0,10}"),
            0..3,
        ),
        sandbox in any::<bool>(),
    ) {
        let mut opts: Vec<String> = vec!["--mode".into(), if sandbox { "sandbox" } else { "none" }.into()];
        for (k, v) in &env {
            opts.extend(["-e".into(), format!("{k}={v}")]);
        }
        let mut tail: Vec<String> = ["--", "sh", "-c", SHOW_SELF, "sh"].map(String::from).to_vec();
        tail.extend(args.iter().cloned());

        let explain = run(mcpjail(["explain"].iter().map(|s| s.to_string()).chain(opts.clone()).chain(tail.clone())));
        prop_assert_eq!(explain.status.code(), Some(0), "{}", common::stderr(&explain));
        let plan = common::json(&explain);
        let planned_argv: Vec<String> = serde_json::from_value(plan["argv"].clone()).unwrap();
        let mut planned_env: Vec<String> = serde_json::from_value(plan["env"].clone()).unwrap();
        planned_env.sort();

        let ran = run(mcpjail(opts.iter().cloned().chain(tail.clone())));
        prop_assert_eq!(ran.status.code(), Some(0), "{}", common::stderr(&ran));
        let (argv, names) = split(&ran);
        prop_assert_eq!(&argv, &planned_argv, "argv: explain said {:?}, the server has {:?}", planned_argv, argv);
        prop_assert_eq!(&names, &planned_env, "environment names");
        prop_assert_eq!(&argv[4..], &args[..]);
    }
}
