//! argv + config → `Plan`. Everything mcpjail does is decided here; `run` only carries it out
//! and `explain` prints it. Building a plan reads files and probes the kernel, nothing more.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::cli::Cli;
use crate::config::{Config, Global, Server};
use crate::error::{Error, Result, bail};
use crate::mode::{self, Mode, Source};
use crate::{docker, env, exec, sandbox};

/// What was asked for, flags and config merged (flags win). The mode planners start from this.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub server: Option<String>,
    /// COMMAND and its arguments as given (not yet resolved on PATH).
    pub command: Vec<String>,
    /// Configured env, then `-e`: (key, value), later entries win. Values are secrets.
    pub env: Vec<(String, String)>,
    /// The server's working directory on the host (config `working_dir`/`cwd`).
    pub working_dir: Option<PathBuf>,
    pub strict: bool,
    pub ro: Vec<PathBuf>,
    pub rw: Vec<PathBuf>,
    /// `--network`, else the server's `isolation.network_mode`, else the global `network_mode`.
    pub network: Option<String>,
    pub allow_connect: Vec<u16>,
    pub allow_bind: Vec<u16>,
    pub allow_unix: bool,
    pub hide: Vec<PathBuf>,
    pub keep_caps: bool,
    pub user: Option<(u32, Option<u32>)>,
    /// Only limits actually written (flag or config); docker applies its defaults itself.
    pub memory: Option<u64>,
    pub cpus: Option<f64>,
    pub image: Option<String>,
    /// global `extra_args`, per-server `extra_args`, then `--docker-arg`.
    pub docker_args: Vec<String>,
    /// Working directory inside the container (`--workdir`, else `isolation.working_dir`).
    pub workdir: Option<String>,
    pub stop_timeout: Option<Duration>,
    /// The config's `docker_isolation` (registry, default_images, …); empty without a config.
    pub global: Global,
}

/// How much of what was asked the kernel (or docker) enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enforcement {
    Full,
    Partial,
    None,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Full => "full",
            Enforcement::Partial => "partial",
            Enforcement::None => "none",
        }
    }
}

#[derive(Debug)]
pub struct Plan {
    pub mode: Mode,
    pub mode_source: Source,
    pub server: Option<String>,
    /// The config file read, and its format.
    pub config: Option<(PathBuf, &'static str)>,
    /// The file execve runs: the resolved COMMAND, or the docker CLI.
    pub program: PathBuf,
    /// Exactly what will be executed; argv[0] is `program`.
    pub argv: Vec<String>,
    /// The complete environment of the executed program.
    pub env: Vec<(String, String)>,
    /// Directory to change to before exec (the server's working_dir).
    pub cwd: Option<PathBuf>,
    pub sandbox: Option<sandbox::SandboxPlan>,
    pub docker: Option<docker::DockerPlan>,
    pub enforcement: Enforcement,
    /// Protections that were asked for and are not enforced, one phrase each.
    pub warnings: Vec<String>,
    pub strict: bool,
    /// Why a run of this plan would fail, found while planning (command not found, `--strict`
    /// unmet, daemon down). explain prints the plan with it; run reports it and exits.
    pub failure: Option<Error>,
}

impl Plan {
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "mode": self.mode.as_str(),
            "mode_source": self.mode_source.as_str(),
            "server": self.server,
            "config": self.config.as_ref().map(|(p, _)| p),
            "config_format": self.config.as_ref().map(|(_, f)| f),
            "argv": self.argv,
            // Names only: values may be secrets.
            "env": self.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            "cwd": self.cwd,
            "enforcement": self.enforcement.as_str(),
            "strict": self.strict,
            "warnings": self.warnings,
        });
        if let Some(s) = &self.sandbox {
            out["sandbox"] = s.to_json();
        }
        if let Some(d) = &self.docker {
            out["docker"] = d.to_json();
        }
        if let Some(f) = &self.failure {
            out["error"] = json!(f.message);
        }
        out
    }

    /// The one stderr line about protections that are not enforced.
    pub fn warning_line(&self) -> Option<String> {
        (!self.warnings.is_empty()).then(|| format!("not enforced: {}", self.warnings.join("; ")))
    }
}

/// Build the plan for `mcpjail [explain] [OPTIONS] [--] COMMAND…`.
pub fn build(cli: &Cli) -> Result<Plan> {
    build_with(cli, load_config(cli)?, Daemon::Probe)
}

/// Whether a docker-mode plan asks the engine (image present, permission, snap) before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    Probe,
    /// Plan from the request alone: fuzz targets and property tests build thousands of plans
    /// a second and must not depend on an engine. The plan then carries no `daemon` facts.
    Skip,
}

/// `build` with the config already read (`--config` is then not opened) and the daemon probe
/// optional: the same planning, driven by fuzz targets and property tests.
pub fn build_with(cli: &Cli, config: Option<Config>, daemon: Daemon) -> Result<Plan> {
    let server = match (&cli.server, &config) {
        (Some(name), Some(c)) => Some(c.server(name).ok_or_else(|| unknown_server(name, c))?),
        _ => None,
    };
    let command = match (cli.argv.is_empty(), server) {
        (false, _) => cli.argv.clone(),
        (true, Some(s)) => match &s.command {
            Some(c) if !c.is_empty() => std::iter::once(c.clone())
                .chain(s.args.iter().cloned())
                .collect(),
            _ => bail!(
                "server \"{}\" ({}) has no command: only stdio servers can be run",
                s.name,
                s.location
            ),
        },
        (true, None) => bail!("no command given (usage: mcpjail [OPTIONS] -- COMMAND [ARG...])"),
    };
    if command[0].is_empty() {
        bail!("empty command name");
    }

    let no_server = Server::default();
    let s = server.unwrap_or(&no_server);
    let global = config
        .as_ref()
        .map(|c| c.global.clone())
        .unwrap_or_default();
    let inputs = mode::Inputs::from_config(cli.mode, &s.isolation, config.as_ref());
    let resolved = mode::resolve(&inputs);
    let ((mode, mode_source), gate_warning) = mode::gate(
        resolved,
        mode::is_docker_command(&command[0]),
        sandbox::SUPPORTED,
    );

    let request = Request {
        server: cli.server.clone(),
        env: request_env(cli, s),
        working_dir: s.working_dir.clone(),
        strict: cli.strict,
        ro: cli
            .ro
            .iter()
            .chain(&s.isolation.ro_paths)
            .cloned()
            .collect(),
        rw: cli
            .rw
            .iter()
            .chain(&s.isolation.rw_paths)
            .cloned()
            .collect(),
        network: cli
            .network
            .clone()
            .or(s.isolation.network_mode.clone())
            .or(global.network_mode.clone()),
        allow_connect: cli.allow_connect.clone(),
        allow_bind: cli.allow_bind.clone(),
        allow_unix: cli.allow_unix,
        hide: cli.hide.clone(),
        keep_caps: cli.keep_caps,
        user: cli.user,
        memory: cli.memory.or(global.memory_limit),
        cpus: cli.cpus.or(global.cpu_limit),
        image: cli.image.clone().or(s.isolation.image.clone()),
        docker_args: global
            .extra_args
            .iter()
            .chain(&s.isolation.extra_args)
            .chain(&cli.docker_args)
            .cloned()
            .collect(),
        workdir: cli.workdir.clone().or(s.isolation.working_dir.clone()),
        stop_timeout: cli.stop_timeout.or(global.timeout),
        global,
        command,
    };

    let mut plan = Plan {
        mode,
        mode_source,
        server: request.server.clone(),
        config: config.as_ref().map(|c| (c.path.clone(), c.format.as_str())),
        program: PathBuf::new(),
        argv: Vec::new(),
        env: Vec::new(),
        cwd: request.working_dir.clone(),
        sandbox: None,
        docker: None,
        enforcement: Enforcement::None,
        warnings: gate_warning.into_iter().collect(),
        strict: request.strict,
        failure: None,
    };
    match mode {
        Mode::None => {
            plan.warnings.extend(unenforced_in_none(cli));
            plan_none(&request, &mut plan)
        }
        Mode::Sandbox => sandbox::plan(&request, &mut plan)?,
        Mode::Docker => docker::plan(&request, &mut plan, daemon)?,
    }
    if plan.strict && plan.failure.is_none() && !plan.warnings.is_empty() {
        plan.failure = Some(Error::new(format!(
            "--strict: {} (without --strict mcpjail would run anyway and say so)",
            plan.warning_line().unwrap_or_default()
        )));
    }
    Ok(plan)
}

fn load_config(cli: &Cli) -> Result<Option<Config>> {
    if let Some(path) = &cli.config {
        return Config::load(path).map(Some);
    }
    if cli.server.is_none() {
        return Ok(None);
    }
    // `--server` alone: mcpproxy's default config, if there is one.
    let Some(home) = std::env::var_os("HOME") else {
        return Ok(None);
    };
    let path = Path::new(&home).join(".mcpproxy/mcp_config.json");
    if path.exists() {
        log::info!("--server without --config: reading {}", path.display());
        return Config::load(&path).map(Some);
    }
    Ok(None)
}

fn unknown_server(name: &str, c: &Config) -> Error {
    let mut names: Vec<&str> = c.servers.iter().map(|s| s.name.as_str()).collect();
    names.truncate(10);
    let known = if names.is_empty() {
        "it lists no servers".to_string()
    } else {
        format!("it has: {}", names.join(", "))
    };
    Error::new(format!(
        "--server {name}: no such server in {} ({known})",
        c.path.display()
    ))
}

/// Configured env, then `-e` (a bare KEY takes mcpjail's value; unset ones are skipped).
fn request_env(cli: &Cli, s: &Server) -> Vec<(String, String)> {
    let mut out = s.env.clone();
    for e in &cli.env {
        match (&e.value, std::env::var(&e.key)) {
            (Some(v), _) => env::set(&mut out, &e.key, v),
            (None, Ok(v)) => env::set(&mut out, &e.key, &v),
            (None, Err(_)) => {
                log::warn!("-e {}: not set in mcpjail's environment; not passed", e.key)
            }
        }
    }
    out
}

/// Mode none: the whole environment (minus MCPJAIL_*) plus what was added, COMMAND on PATH.
fn plan_none(req: &Request, plan: &mut Plan) {
    let mut environment = env::inherited();
    for (k, v) in &req.env {
        env::set(&mut environment, k, v);
    }
    plan.env = environment;
    exec::resolve_into(req, plan);
    if plan.mode_source == Source::DockerCommand {
        docker::dind(req, plan);
    }
}

/// Restrictions given on the command line that mode none (which confines nothing) cannot give.
/// Limits written in a config are docker's or the sandbox's settings; a server whose mode is none
/// opted out of them, so only flags are reported.
fn unenforced_in_none(cli: &Cli) -> Vec<String> {
    let asked = [
        (cli.network.as_deref() == Some("none"), "--network none"),
        (cli.memory.is_some(), "--memory"),
        (cli.cpus.is_some(), "--cpus"),
        (!cli.hide.is_empty(), "--hide"),
        (cli.user.is_some(), "--user"),
        (
            !cli.allow_connect.is_empty() || !cli.allow_bind.is_empty(),
            "network port rules",
        ),
    ];
    asked
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, what)| format!("{what} (mode none confines nothing)"))
        .collect()
}
