//! The fuzz targets' bodies, shared by `cargo fuzz` (fuzz_targets/*.rs) and by the corpus
//! replay in tests/reliability_corpus.rs (which includes this file with `#[path]`), so that a
//! machine without a nightly toolchain still runs every input kept in fuzz/corpus/.
//!
//! Each function takes raw bytes, must never panic, and checks what must hold for any input:
//! an invariant that fails is a panic, which libFuzzer reports as a crash.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mcpjail::cli::{self, Command};
use mcpjail::config::Config;
use mcpjail::mode::{self, Inputs, Mode, Source};
use mcpjail::plan::{self, Daemon};
use mcpjail::units;

/// Inputs larger than this say nothing new and slow the search down.
const MAX_INPUT: usize = 16 * 1024;

/// The config file parser on any text: an error names the file, and never panics.
pub fn config(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(Path::new("fuzz.json"), text) {
        Ok(c) => {
            for s in &c.servers {
                assert!(!s.location.is_empty());
                assert!(c.server(&s.name).is_some());
                for (k, _) in &s.env {
                    assert!(cli::valid_env_key(k), "env key {k:?} accepted");
                }
                assert!(
                    s.working_dir
                        .as_ref()
                        .is_none_or(|d| !d.as_os_str().is_empty())
                );
            }
            if let Some(m) = c.global.memory_limit {
                assert!(m >= 1);
            }
            if let Some(n) = c.global.cpu_limit {
                assert!(n > 0.0 && n.is_finite());
            }
        }
        Err(e) => {
            assert!(e.message.starts_with("config fuzz.json: "), "{}", e.message);
            assert!(!e.line().contains('\n'), "one line: {:?}", e.line());
        }
    }
}

/// Mode resolution from a config and a flag, checked against the seven steps of DESIGN.md
/// written out again here, and the two gates.
///
/// Input: byte 0 picks the flag (and whether sandbox is supported), byte 1 the command's name,
/// the rest is the config text.
pub fn mode(data: &[u8]) {
    if data.len() < 2 || data.len() > MAX_INPUT {
        return;
    }
    let flag = match data[0] % 4 {
        0 => None,
        1 => Some(Mode::Docker),
        2 => Some(Mode::Sandbox),
        _ => Some(Mode::None),
    };
    let supported = data[0] & 0x80 == 0;
    let command = [
        "docker",
        "/usr/bin/docker",
        "node",
        "dockerd",
        "/opt/docker/bin/x",
        "",
    ][data[1] as usize % 6];
    let text = String::from_utf8_lossy(&data[2..]);
    let config = Config::parse(Path::new("fuzz.json"), &text).ok();
    let no_server = mcpjail::config::Server::default();
    let servers: Vec<&mcpjail::config::Server> = match &config {
        Some(c) if !c.servers.is_empty() => c.servers.iter().collect(),
        _ => vec![&no_server],
    };
    for s in servers {
        let inputs = Inputs::from_config(flag, &s.isolation, config.as_ref());
        let resolved = mode::resolve(&inputs);
        assert_eq!(resolved, reference(&inputs), "{inputs:?}");
        let docker = mode::is_docker_command(command);
        assert_eq!(docker, command == "docker" || command.ends_with("/docker"));
        let ((m, source), warning) = mode::gate(resolved, docker, supported);
        // The gates only ever make the mode none, and say why.
        assert!(m == resolved.0 || m == Mode::None, "{resolved:?} -> {m:?}");
        if docker && resolved.0 != Mode::None {
            assert_eq!((m, source), (Mode::None, Source::DockerCommand));
        }
        if m != resolved.0 {
            assert!(matches!(source, Source::DockerCommand | Source::Platform));
        }
        assert_eq!(warning.is_some(), source == Source::Platform);
        if !supported {
            assert_ne!(m, Mode::Sandbox);
        }
    }
}

/// DESIGN.md, "Mode resolution", as a table: first match wins.
fn reference(i: &Inputs) -> (Mode, Source) {
    let enabled = |e: bool| if e { Mode::Docker } else { Mode::None };
    let steps = [
        (i.flag, Source::Flag),
        (i.server_mode, Source::ServerMode),
        (i.server_enabled.map(enabled), Source::ServerEnabled),
        (i.global_mode, Source::GlobalMode),
        (i.global_enabled.map(enabled), Source::GlobalEnabled),
        (
            i.have_config.then_some(Mode::None),
            Source::ConfigWithoutIsolation,
        ),
        (Some(Mode::Sandbox), Source::NoConfig),
    ];
    steps
        .into_iter()
        .find_map(|(m, s)| m.map(|m| (m, s)))
        .unwrap_or((Mode::Sandbox, Source::NoConfig))
}

/// SIZE, N, DUR, PORTS and USER on any text.
pub fn units(data: &[u8]) {
    if data.len() > 256 {
        return;
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(n) = units::parse_size(s) {
        assert!(n >= 1, "{s:?}");
        // Bytes written out again read back the same (below 2^53 a decimal is exact).
        if n < 1 << 53 {
            assert_eq!(units::parse_size(&n.to_string()), Ok(n), "{s:?}");
        }
    }
    if let Ok(n) = units::parse_cpus(s) {
        assert!(n > 0.0 && n <= 4096.0 && n.is_finite(), "{s:?} -> {n}");
    }
    if let Ok(d) = units::parse_duration(s) {
        assert!(d.as_secs_f64() <= 1e9 + 1.0, "{s:?} -> {d:?}");
        // Written out again in milliseconds, it reads back the same to within a microsecond:
        // DUR is summed in f64, so `5999940009ms` comes back 1ns off (found by fuzzing; a
        // stop timeout has no use for nanoseconds).
        let again = units::parse_duration(&format!("{}ms", d.as_millis()))
            .unwrap_or_else(|e| panic!("{s:?} -> {d:?}, written in ms: {e}"));
        let diff = again.abs_diff(Duration::from_millis(d.as_millis() as u64));
        assert!(
            diff <= Duration::from_micros(1),
            "{s:?} -> {d:?} -> {again:?}"
        );
    }
    if let Ok(ports) = units::parse_ports(s) {
        assert!(!ports.is_empty() && ports.len() <= 1024, "{s:?}");
        assert!(
            ports.windows(2).all(|w| w[0] < w[1]),
            "{s:?}: sorted, no duplicates"
        );
        assert!(!ports.contains(&0), "{s:?}");
    }
    if let Ok((uid, gid)) = units::parse_user(s) {
        assert_ne!(uid, u32::MAX, "{s:?}");
        assert_ne!(gid, Some(u32::MAX), "{s:?}");
    }
}

/// The whole argv → Plan path, as `explain` runs it, for every mode, without a docker engine:
/// config text, then a NUL, then the arguments separated by NULs.
///
/// Planning reads files (`--rw` paths, COMMAND on PATH) and asks the kernel for its Landlock
/// ABI; it never executes anything, and `Daemon::Skip` keeps the docker planner off the engine.
pub fn plan(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (config_text, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let args: Vec<OsString> = rest
        .split(|&b| b == 0)
        .filter(|a| !rest.is_empty() || !a.is_empty())
        .map(|a| OsString::from_vec(a.to_vec()))
        .collect();
    if args.len() > 64 {
        return;
    }
    let Ok(cli) = cli::parse(args) else { return };
    if cli.info.is_some() || !matches!(cli.command, Command::Run | Command::Explain) {
        return;
    }
    let config = if config_text.is_empty() {
        None
    } else {
        let Ok(text) = std::str::from_utf8(config_text) else {
            return;
        };
        match Config::parse(Path::new("fuzz.json"), text) {
            Ok(c) => Some(c),
            Err(_) => return,
        }
    };
    let rw_paths: Vec<PathBuf> = cli
        .rw
        .iter()
        .chain(
            config
                .as_ref()
                .zip(cli.server.as_ref())
                .and_then(|(c, name)| c.server(name))
                .map(|s| s.isolation.rw_paths.iter())
                .into_iter()
                .flatten(),
        )
        .cloned()
        .collect();
    let plan = match plan::build_with(&cli, config, Daemon::Skip) {
        Ok(plan) => plan,
        Err(e) => {
            assert!(!e.message.is_empty());
            assert!(!e.line().contains('\n'), "one line: {:?}", e.line());
            return;
        }
    };
    check_plan(&plan, &rw_paths);
}

/// What holds for every plan, whatever it was built from.
pub fn check_plan(plan: &plan::Plan, rw_paths: &[PathBuf]) {
    assert!(!plan.argv.is_empty());
    assert_eq!(
        Path::new(&plan.argv[0]),
        plan.program,
        "argv[0] is the program executed"
    );
    let json = plan.to_json();
    let text = serde_json::to_string(&json).expect("a plan serialises");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    assert_eq!(json["mode"], plan.mode.as_str());
    assert_eq!(
        json["argv"],
        serde_json::json!(plan.argv),
        "explain shows the argv that runs"
    );
    let names: Vec<&str> = plan.env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        json["env"],
        serde_json::json!(names),
        "explain shows names only"
    );
    for (i, (k, _)) in plan.env.iter().enumerate() {
        assert!(
            !plan.env[..i].iter().any(|(k2, _)| k2 == k),
            "{k} twice in the environment"
        );
    }
    assert!(
        plan.strict || plan.failure.is_none() || plan.failure.as_ref().is_some_and(|f| f.exit != 0)
    );
    if plan.strict && !plan.warnings.is_empty() {
        assert!(
            plan.failure.is_some(),
            "--strict with warnings must not run"
        );
    }
    match plan.mode {
        Mode::Sandbox => {
            assert!(plan.sandbox.is_some() && plan.docker.is_none());
            let named = |p: &Path| {
                rw_paths
                    .iter()
                    .any(|r| r.canonicalize().is_ok_and(|r| r == p))
            };
            let writes: Vec<&str> = json["sandbox"]["write"]
                .as_array()
                .expect("sandbox.write")
                .iter()
                .map(|v| v.as_str().expect("a path"))
                .collect();
            if writes.contains(&"/") {
                assert!(
                    named(Path::new("/")),
                    "/ writable without --rw /: {writes:?}"
                );
            }
            let home = plan
                .env
                .iter()
                .find(|(k, _)| k == "HOME")
                .map(|(_, v)| Path::new(v));
            if let Some(home) = home.and_then(|h| h.canonicalize().ok()) {
                let home_str = home.display().to_string();
                if writes.contains(&home_str.as_str()) {
                    assert!(
                        named(&home),
                        "$HOME {home_str} writable without --rw: {writes:?}"
                    );
                }
            }
        }
        Mode::Docker => {
            assert!(plan.docker.is_some() && plan.sandbox.is_none());
            let d = &json["docker"];
            assert_eq!(d["argv"], json["argv"]);
            assert_eq!(plan.argv.get(1).map(String::as_str), Some("run"));
            for k in d["env"].as_array().expect("docker.env") {
                let k = k.as_str().expect("a name");
                assert!(!k.contains('='), "-e {k}: a value in argv");
            }
            assert!(
                json["docker"]["daemon"].is_null(),
                "the engine was not asked"
            );
        }
        Mode::None => assert!(plan.sandbox.is_none() && plan.docker.is_none()),
    }
    // Everything execve needs can be prepared (or is refused with an error, never a panic).
    let _ = mcpjail::exec::prepare(plan);
}
