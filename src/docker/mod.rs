//! Docker mode: `docker run -i --rm --init …` built from the request, run by the docker CLI with
//! stdio inherited, and supervised so that a SIGTERM to mcpjail becomes a graceful stop.
//!
//! - `images`: which image, and the command's name inside it;
//! - `argv`: the `docker run` argv (pure), container names, docker-in-docker;
//! - `daemon`: the engine API (probe, stop, kill, list, remove), CLI fallback;
//! - `supervise`: fork/exec of the CLI and the signal loop;
//! - `ps`: `mcpjail ps` and `mcpjail cleanup`;
//! - `owner`: the owner identity in the labels; `codes`: the named failures;
//! - `cmdline`: hiding `-e KEY=VALUE` values from mcpjail's own `ps` line.

mod argv;
mod cmdline;
mod codes;
mod daemon;
mod images;
mod owner;
mod ps;
mod supervise;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::env;
use crate::error::{Error, Result, bail};
use crate::exec;
use crate::plan::{Enforcement, Plan, Request};
use codes::Code;

pub use argv::cli_reads;
pub use ps::{cleanup, ps};

/// mcpproxy's default `timeout`.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A value that must never be printed: Debug shows only that it is there.
#[derive(Clone, Default)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// What the engine said before the run (the probe).
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub endpoint: String,
    pub via: &'static str,
    pub image_present: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DockerPlan {
    pub image: String,
    pub image_source: String,
    pub runtime: String,
    /// The docker CLI argv (the same as the plan's `argv`).
    pub argv: Vec<String>,
    /// The container's name (`mcpproxy-SANITIZED-RANDOM`).
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub memory: u64,
    pub cpus: f64,
    pub network: String,
    pub mounts: Vec<argv::Mount>,
    pub stop_timeout: Duration,
    /// Names passed with `-e KEY` (values in the CLI's environment).
    pub env_keys: Vec<String>,
    /// Variables the CLI itself reads, passed through `--env-file` on a pipe instead.
    env_file: Vec<(String, Secret)>,
    /// Filled by the probe; `None` when it was not reached (CLI missing).
    pub probe: Option<Probe>,
}

impl DockerPlan {
    pub fn to_json(&self) -> Value {
        let labels: Map<String, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let mounts: Vec<Value> = self
            .mounts
            .iter()
            .map(|m| json!({"path": m.path, "mode": if m.read_only { "ro" } else { "rw" }}))
            .collect();
        json!({
            "image": self.image,
            "image_source": self.image_source,
            "runtime": self.runtime,
            "argv": self.argv,
            "name": self.name,
            "labels": labels,
            "memory": argv::format_size(self.memory),
            "cpus": argv::format_cpus(self.cpus),
            "network": self.network,
            "mounts": mounts,
            "stop_timeout": show_duration(self.stop_timeout),
            // Names only, as everywhere: values may be secrets.
            "env": self.env_keys,
            "env_file": self.env_file.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            "daemon": self.probe.as_ref().map(|p| json!({
                "endpoint": p.endpoint,
                "via": p.via,
                "image_present": p.image_present,
            })),
        })
    }

    /// The `--env-file` text: `KEY=VALUE` lines (values checked for newlines when planning).
    fn env_file_text(&self) -> Option<String> {
        (!self.env_file.is_empty()).then(|| {
            self.env_file
                .iter()
                .map(|(k, v)| format!("{k}={}\n", v.0))
                .collect()
        })
    }
}

/// Plan a docker-mode run: image, argv, the CLI's environment, and the probe of the engine.
pub fn plan(req: &Request, plan: &mut Plan, daemon: crate::plan::Daemon) -> Result<()> {
    let Decided {
        spec,
        choice,
        env_file,
    } = decide(req)?;
    let env_keys = spec.env_keys.clone();
    let mounts = spec.mounts.clone();

    // The docker CLI's environment: mcpjail's own (minus MCPJAIL_*), which the CLI needs to
    // find its engine and config, plus the values of the `-e KEY`s.
    let mut environment = env::inherited();
    for k in &env_keys {
        if let Some((_, v)) = req.env.iter().rev().find(|(key, _)| key == k) {
            env::set(&mut environment, k, v);
        }
    }
    let path_var = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let cli = exec::resolve("docker", &path_var, None);
    let program = cli
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "docker".into());
    plan.argv = argv::build(&program, &spec);
    plan.program = PathBuf::from(&program);
    plan.env = environment;

    let mut docker = DockerPlan {
        image: choice.image,
        image_source: choice.source,
        runtime: choice.runtime,
        argv: plan.argv.clone(),
        name: spec.name.clone(),
        labels: argv::labels(&spec),
        memory: spec.memory,
        cpus: spec.cpus,
        network: spec.network.clone(),
        mounts,
        stop_timeout: req.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
        env_keys,
        env_file,
        probe: None,
    };
    plan.warnings.extend(sandbox_only(req));
    plan.enforcement = if plan.warnings.is_empty() {
        Enforcement::Full
    } else {
        Enforcement::Partial
    };

    match cli {
        Err(_) => {
            plan.failure = Some(Code::CliNotFound.error(format!(
                "the docker CLI was not found on PATH ({path_var}); install docker (docker.io or docker-ce-cli), or use --mode sandbox"
            )));
        }
        Ok(_) if daemon == crate::plan::Daemon::Skip => {}
        Ok(cli) => match probe(&cli, &docker.image, &req.docker_args) {
            Ok(p) => docker.probe = Some(p),
            Err(e) => plan.failure = Some(e),
        },
    }
    plan.docker = Some(docker);
    Ok(())
}

/// What the docker run will be, from the request alone (no probe, no CLI lookup).
#[derive(Debug)]
struct Decided {
    spec: argv::Spec,
    choice: images::Choice,
    env_file: Vec<(String, Secret)>,
}

fn decide(req: &Request) -> Result<Decided> {
    let command = &req.command[0];
    let explicit = req
        .image
        .as_deref()
        .map(|i| (i, "--image or isolation.image"));
    let choice = images::choose(command, explicit, &req.global);
    let table = images::table(&req.global);
    let server = req
        .server
        .clone()
        .unwrap_or_else(|| images::basename(command).to_string());

    let (mut env_keys, mut env_file) = (Vec::new(), Vec::new());
    for (k, v) in &req.env {
        if argv::cli_reads(k) {
            if v.contains(['\n', '\0']) {
                bail!(
                    "env {k}: a value with a newline cannot be passed to docker for a variable the docker CLI itself reads"
                );
            }
            env_file.push((k.clone(), Secret(v.clone())));
        } else {
            env_keys.push(k.clone());
        }
    }
    let mut mounts = Vec::new();
    for (paths, read_only, what) in [(&req.ro, true, "--ro"), (&req.rw, false, "--rw")] {
        for p in paths {
            mounts.push(argv::Mount {
                path: mount_path(p, what)?,
                read_only,
            });
        }
    }

    let spec = argv::Spec {
        name: argv::container_name(&server),
        server,
        owner: owner::Owner::this_process(),
        memory: req.memory.unwrap_or(argv::DEFAULT_MEMORY),
        cpus: req.cpus.unwrap_or(argv::DEFAULT_CPUS),
        network: req
            .network
            .clone()
            .unwrap_or_else(|| argv::DEFAULT_NETWORK.to_string()),
        workdir: req.workdir.clone(),
        mounts,
        env_keys,
        env_file: !env_file.is_empty(),
        extra_args: req.docker_args.clone(),
        image: choice.image.clone(),
        command: std::iter::once(images::command_inside(command, &table))
            .chain(req.command[1..].iter().cloned())
            .collect(),
    };
    Ok(Decided {
        spec,
        choice,
        env_file,
    })
}

/// Ask the engine for the image: that one request shows whether the engine is up, whether we
/// may talk to it, and whether a run has to pull first. snap's docker is asked about only when
/// the run wants `no-new-privileges`, which snap's AppArmor confinement breaks.
fn probe(cli: &Path, image: &str, extra_args: &[String]) -> Result<Probe> {
    let daemon = daemon::Daemon::new(cli)?;
    let present = daemon.image_present(image).map_err(|e| snap_hint(e, cli))?;
    if daemon::wants_no_new_privileges(extra_args)
        && daemon::is_snap(cli, daemon.root_dir().as_deref())
    {
        return Err(Code::SnapApparmor.error(
            "snap-installed docker cannot start containers with --security-opt no-new-privileges (its AppArmor \
             profile blocks them); drop that option, install docker from a .deb package, or use --mode sandbox",
        ));
    }
    Ok(Probe {
        endpoint: daemon.endpoint(),
        via: daemon.via(),
        image_present: present,
    })
}

/// A permission failure with snap's docker has its own cause and fix.
fn snap_hint(e: Error, cli: &Path) -> Error {
    if e.message.starts_with(Code::NoPermission.as_str()) && daemon::is_snap(cli, None) {
        return Code::SnapApparmor.error(format!(
            "the docker CLI is snap's and was refused ({}); snap's docker confines its clients with AppArmor: \
             use a docker installed from a .deb package, or --mode sandbox",
            e.message
        ));
    }
    e
}

/// `-v` takes an absolute host path (a relative one would name a volume) without `:` or `,`;
/// a missing one would be created by the engine as an empty root-owned directory.
fn mount_path(p: &Path, what: &str) -> Result<String> {
    let abs =
        std::path::absolute(p).map_err(|e| Error::new(format!("{what} {}: {e}", p.display())))?;
    if let Err(e) = std::fs::metadata(&abs) {
        bail!("{what} {}: {e}", p.display());
    }
    let s = abs
        .to_str()
        .ok_or_else(|| Error::new(format!("{what} {}: not valid UTF-8", p.display())))?;
    if s.contains([':', ',']) {
        bail!("{what} {s}: a path with ':' or ',' cannot be bind-mounted with -v");
    }
    Ok(s.to_string())
}

/// Options that only the sandbox implements; in docker mode they are said, not ignored.
fn sandbox_only(req: &Request) -> Vec<String> {
    let asked = [
        (
            !req.allow_connect.is_empty() || !req.allow_bind.is_empty(),
            "--allow-connect/--allow-bind (sandbox only; docker mode uses --network)",
        ),
        (req.allow_unix, "--allow-unix (sandbox only)"),
        (
            !req.hide.is_empty(),
            "--hide (sandbox only; the container sees only its image and its mounts)",
        ),
        (req.keep_caps, "--keep-caps (sandbox only)"),
        (
            req.user.is_some(),
            "--user (sandbox only; for docker use --docker-arg --user=UID:GID)",
        ),
    ];
    asked
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, what)| what.to_string())
        .collect()
}

/// Docker-in-docker prevention, on the mode-none plan of a `docker` command: it runs as given,
/// with the managed label and the configured `-e KEY`s added after `run` (values are already
/// in its environment).
pub fn dind(req: &Request, plan: &mut Plan) {
    if plan.failure.is_some() {
        return;
    }
    let keys: Vec<String> = req.env.iter().map(|(k, _)| k.clone()).collect();
    match argv::dind(&plan.argv, &keys) {
        Some(argv) => plan.argv = argv,
        None => log::info!(
            "docker-in-docker: `{}` is not a `docker run`; running it unchanged",
            plan.argv.join(" ")
        ),
    }
}

/// Run the container under supervision; returns the exit status for mcpjail.
#[inline(never)] // not on the sandbox and none launch paths (see main.rs)
pub fn run(plan: &Plan) -> Result<i32> {
    let Some(docker) = &plan.docker else {
        bail!("docker mode without a docker plan")
    };
    if docker.probe.as_ref().is_some_and(|p| !p.image_present) {
        log::info!("image {} is not present locally: pulling it", docker.image);
        daemon::pull(&plan.program, &docker.image)?;
    }
    cmdline::hide_env_values();
    supervise::run(plan, docker)
}

/// `30s`, `500ms`: how DUR is written on the command line.
fn show_duration(d: Duration) -> String {
    match d.as_millis() {
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Global;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn request(command: &[&str]) -> Request {
        Request {
            command: strings(command),
            ..Request::default()
        }
    }

    /// The argv after the labels and the name, which vary by process.
    fn tail(d: &Decided) -> Vec<String> {
        let a = argv::build("docker", &d.spec);
        let at = a.iter().position(|x| x == "--memory").unwrap();
        a[at..].to_vec()
    }

    #[test]
    fn docker_defaults_apply_when_nothing_is_written() {
        let d = decide(&request(&[
            "npx",
            "-y",
            "@modelcontextprotocol/server-everything",
        ]))
        .unwrap();
        assert_eq!(
            tail(&d),
            strings(&[
                "--memory",
                "512m",
                "--cpus",
                "1.0",
                "--network",
                "bridge",
                "node:20",
                "npx",
                "-y",
                "@modelcontextprotocol/server-everything",
            ])
        );
        assert_eq!(
            d.spec.server, "npx",
            "without --server the label names the command"
        );
        assert!(d.spec.name.starts_with("mcpproxy-npx-"));
    }

    #[test]
    fn per_server_settings_override_globals() {
        // plan.rs merges flag > per-server > global into the request; here is what docker mode
        // makes of the merged values.
        let mut r = request(&["/usr/bin/python3", "-m", "srv"]);
        r.server = Some("api".into());
        r.image = Some("my-custom-python:latest".into());
        r.network = Some("none".into());
        r.workdir = Some("/app".into());
        r.memory = Some(1 << 30);
        r.cpus = Some(0.5);
        r.docker_args = strings(&["--cap-drop=ALL", "--read-only", "--pids-limit=64"]);
        r.env = vec![
            ("API_KEY".into(), "secret".into()),
            ("DEBUG".into(), "dbg-value".into()),
        ];
        r.global = Global {
            default_images: vec![("python3".into(), "ignored:1".into())],
            ..Global::default()
        };
        let d = decide(&r).unwrap();
        assert_eq!(d.choice.source, "--image or isolation.image");
        assert_eq!(
            tail(&d),
            strings(&[
                "--memory",
                "1g",
                "--cpus",
                "0.5",
                "--network",
                "none",
                "--workdir",
                "/app",
                "-e",
                "API_KEY",
                "-e",
                "DEBUG",
                "--cap-drop=ALL",
                "--read-only",
                "--pids-limit=64",
                "my-custom-python:latest",
                "python3",
                "-m",
                "srv",
            ])
        );
        let all = argv::build("docker", &d.spec).join(" ");
        assert!(
            !all.contains("secret") && !all.contains("dbg-value"),
            "values never in argv: {all}"
        );
    }

    #[test]
    fn registry_and_config_table() {
        let mut r = request(&["uvx", "mcp-server-fetch"]);
        r.global = Global {
            registry: Some("mirror.example:5000".into()),
            ..Global::default()
        };
        let d = decide(&r).unwrap();
        assert_eq!(d.spec.image, "mirror.example:5000/library/python:3.11");
    }

    #[test]
    fn variables_the_cli_reads_go_through_the_env_file() {
        let mut r = request(&["node", "x.js"]);
        r.env = vec![
            ("HOME".into(), "/h".into()),
            ("TOKEN".into(), "t".into()),
            ("DOCKER_HOST".into(), "tcp://elsewhere".into()),
        ];
        let d = decide(&r).unwrap();
        assert_eq!(d.spec.env_keys, ["TOKEN"]);
        assert!(d.spec.env_file);
        let keys: Vec<&str> = d.env_file.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["HOME", "DOCKER_HOST"]);
        assert!(
            !format!("{:?}", d.env_file).contains("elsewhere"),
            "Debug hides values"
        );

        r.env = vec![("HOME".into(), "two\nlines".into())];
        assert!(decide(&r).is_err());
    }

    #[test]
    fn mounts_must_exist_and_be_mountable() {
        let mut r = request(&["sh"]);
        r.ro = vec!["/etc".into()];
        r.rw = vec!["/tmp".into()];
        let d = decide(&r).unwrap();
        let a = argv::build("docker", &d.spec);
        assert!(a.windows(2).any(|w| w == ["-v", "/etc:/etc:ro"]));
        assert!(a.windows(2).any(|w| w == ["-v", "/tmp:/tmp"]));
        r.rw = vec!["/nonexistent/x".into()];
        assert!(
            decide(&r)
                .unwrap_err()
                .message
                .starts_with("--rw /nonexistent/x:")
        );
    }

    #[test]
    fn durations_as_written() {
        assert_eq!(show_duration(Duration::from_secs(30)), "30s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
    }
}
