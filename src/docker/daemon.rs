//! Talking to the engine outside the `docker run` itself: the probe before a run, stop and kill
//! of a supervised container, `ps` and `cleanup`.
//!
//! Through the daemon API (docker-api crate, on a current-thread tokio runtime built here and
//! only here) when the engine is a unix socket or plain TCP. When the CLI would reach the engine
//! some other way — `ssh://`, TLS, a non-default docker context — the crate cannot follow it, so
//! each operation runs the docker CLI instead (its stdout captured, never inherited: stdout
//! belongs to the server).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use docker_api::opts::{
    ContainerFilter, ContainerListOpts, ContainerRemoveOpts, ContainerStopOpts,
};
use serde_json::Value;

use super::argv::LABEL_MANAGED;
use super::codes::Code;
use crate::error::{Error, Result};

/// How long the probe may take before the engine counts as down (explain stays fast).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Calls that are not a stop: list, inspect, kill, remove.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A pull downloads; give it time, but not forever.
const PULL_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// On top of the stop timeout: the engine's own kill and cleanup after it.
const STOP_GRACE: Duration = Duration::from_secs(15);

const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Where the engine is, as the docker CLI would find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, plain HTTP.
    Tcp(String),
    /// Reachable by the CLI only; the reason says why.
    CliOnly(String),
}

impl Endpoint {
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Unix(p) => format!("unix://{}", p.display()),
            Endpoint::Tcp(h) => format!("tcp://{h}"),
            Endpoint::CliOnly(why) => why.clone(),
        }
    }
}

/// The docker CLI's own order: `DOCKER_HOST` wins over any context; then `DOCKER_CONTEXT`,
/// then the config file's `currentContext`; else the default socket.
pub fn endpoint(var: impl Fn(&str) -> Option<String>, config_json: Option<&str>) -> Endpoint {
    let set = |k: &str| var(k).filter(|v| !v.is_empty());
    if let Some(host) = set("DOCKER_HOST") {
        let tls = set("DOCKER_TLS_VERIFY").is_some() || set("DOCKER_TLS").is_some();
        return match host.split_once("://") {
            Some(("unix", path)) if !path.is_empty() => Endpoint::Unix(PathBuf::from(path)),
            Some(("tcp" | "http", addr)) if !tls && !addr.is_empty() => {
                Endpoint::Tcp(addr.to_string())
            }
            Some(("tcp" | "http", _)) if tls => {
                Endpoint::CliOnly(format!("DOCKER_HOST={host} with TLS"))
            }
            _ => Endpoint::CliOnly(format!("DOCKER_HOST={host}")),
        };
    }
    if let Some(ctx) = set("DOCKER_CONTEXT").filter(|c| c != "default") {
        return Endpoint::CliOnly(format!("docker context {ctx} (DOCKER_CONTEXT)"));
    }
    let current = config_json
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .and_then(|v| v.get("currentContext")?.as_str().map(str::to_string))
        .filter(|c| !c.is_empty() && c != "default");
    if let Some(ctx) = current {
        return Endpoint::CliOnly(format!(
            "docker context {ctx} (currentContext in the docker config)"
        ));
    }
    Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET))
}

/// The CLI's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn read_cli_config() -> Option<String> {
    let dir = match std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".docker"),
    };
    std::fs::read_to_string(dir.join("config.json")).ok()
}

/// A managed container as `ps` and `cleanup` see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: String,
    /// Unix seconds.
    pub created: i64,
    /// `running`, `exited`, `created`, …
    pub state: String,
    pub labels: HashMap<String, String>,
}

/// What happened to a container an operation was aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    NotFound,
    /// A stop found nothing to stop. Either the container has ended, or it is starting: the
    /// engine marks it running only after its process has started (and may have printed).
    NotRunning,
}

// One per process, built once: the size of the API variant does not matter.
#[allow(clippy::large_enum_variant)]
enum How {
    Api {
        rt: tokio::runtime::Runtime,
        docker: docker_api::Docker,
    },
    Cli {
        program: PathBuf,
    },
}

pub struct Daemon {
    how: How,
    endpoint: Endpoint,
}

impl Daemon {
    /// Prepare to talk to the engine the CLI uses (nothing is sent yet). `cli` is the docker
    /// CLI, for the fallback.
    pub fn new(cli: &Path) -> Result<Daemon> {
        let endpoint = endpoint(|k| std::env::var(k).ok(), read_cli_config().as_deref());
        let docker = match &endpoint {
            Endpoint::Unix(p) => Some(docker_api::Docker::unix(p)),
            Endpoint::Tcp(h) => Some(
                docker_api::Docker::tcp(h)
                    .map_err(|e| Error::new(format!("DOCKER_HOST=tcp://{h}: {e}")))?,
            ),
            Endpoint::CliOnly(_) => None,
        };
        let how = match docker {
            Some(docker) => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::new(format!("cannot start the docker API client: {e}")))?;
                How::Api { rt, docker }
            }
            None => How::Cli {
                program: cli.to_path_buf(),
            },
        };
        Ok(Daemon { how, endpoint })
    }

    /// `unix:///var/run/docker.sock` or why the CLI is used.
    pub fn endpoint(&self) -> String {
        self.endpoint.describe()
    }

    /// `docker-api` or `docker CLI`.
    pub fn via(&self) -> &'static str {
        match self.how {
            How::Api { .. } => "docker-api",
            How::Cli { .. } => "docker CLI",
        }
    }

    /// The probe: is the engine there, may we use it, and is the image present locally?
    /// One request (image inspect) answers all three.
    pub fn image_present(&self, image: &str) -> Result<bool> {
        match &self.how {
            How::Api { rt, docker } => {
                match api(rt, PROBE_TIMEOUT, docker.images().get(image).inspect()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Status(404, _)) => Ok(false),
                    Err(e) => Err(self.unreachable(e)),
                }
            }
            How::Cli { program } => {
                let out = cli(
                    program,
                    &["image", "inspect", "--format", "{{.Id}}", image],
                    PROBE_TIMEOUT,
                )?;
                if out.ok {
                    Ok(true)
                } else if out.says(&["no such image", "no such object"]) {
                    Ok(false)
                } else {
                    Err(self.cli_unreachable(&out))
                }
            }
        }
    }

    /// The engine's data directory (snap's docker keeps it under /var/snap/docker).
    pub fn root_dir(&self) -> Option<String> {
        match &self.how {
            How::Api { rt, docker } => api(rt, PROBE_TIMEOUT, docker.info()).ok()?.docker_root_dir,
            How::Cli { program } => {
                let out = cli(
                    program,
                    &["info", "--format", "{{.DockerRootDir}}"],
                    PROBE_TIMEOUT,
                )
                .ok()?;
                out.ok.then(|| out.stdout.trim().to_string())
            }
        }
    }

    /// Stop: the engine sends the container's stop signal (SIGTERM), waits `timeout`, then
    /// kills it. Returns once it has stopped.
    pub fn stop(&self, name: &str, timeout: Duration) -> Result<Outcome> {
        // The API counts whole seconds; round up so that a stop never comes early.
        let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
        match &self.how {
            How::Api { rt, docker } => {
                let opts = ContainerStopOpts::builder()
                    .wait(Duration::from_secs(secs))
                    .build();
                let c = docker.containers().get(name);
                self.api_outcome(api(rt, timeout + STOP_GRACE, c.stop(&opts)), "stop", name)
            }
            How::Cli { program } => {
                let secs = secs.to_string();
                let out = cli(
                    program,
                    &["stop", "--time", &secs, name],
                    timeout + STOP_GRACE,
                )?;
                self.cli_outcome(out, "stop", name)
            }
        }
    }

    pub fn kill(&self, name: &str) -> Result<Outcome> {
        match &self.how {
            How::Api { rt, docker } => {
                let c = docker.containers().get(name);
                self.api_outcome(api(rt, CALL_TIMEOUT, c.kill(None)), "kill", name)
            }
            How::Cli { program } => {
                let out = cli(program, &["kill", name], CALL_TIMEOUT)?;
                self.cli_outcome(out, "kill", name)
            }
        }
    }

    /// Remove, killing it first if it still runs.
    pub fn remove(&self, name: &str) -> Result<Outcome> {
        match &self.how {
            How::Api { rt, docker } => {
                let opts = ContainerRemoveOpts::builder()
                    .force(true)
                    .volumes(true)
                    .build();
                let c = docker.containers().get(name);
                self.api_outcome(
                    api(rt, CALL_TIMEOUT, c.remove(&opts)).map(|_| ()),
                    "remove",
                    name,
                )
            }
            How::Cli { program } => {
                let out = cli(program, &["rm", "--force", "--volumes", name], CALL_TIMEOUT)?;
                self.cli_outcome(out, "remove", name)
            }
        }
    }

    /// Whether a container of that name or id exists (in any state).
    pub fn exists(&self, name: &str) -> Result<bool> {
        match &self.how {
            How::Api { rt, docker } => {
                match api(rt, CALL_TIMEOUT, docker.containers().get(name).inspect()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Status(404, _)) => Ok(false),
                    Err(e) => Err(self.unreachable(e)),
                }
            }
            How::Cli { program } => {
                let out = cli(
                    program,
                    &["container", "inspect", "--format", "{{.Id}}", name],
                    CALL_TIMEOUT,
                )?;
                if out.ok {
                    Ok(true)
                } else if out.says(&["no such container", "no such object"]) {
                    Ok(false)
                } else {
                    Err(self.cli_unreachable(&out))
                }
            }
        }
    }

    /// Every container labelled `mcpproxy.managed=true`, in any state.
    pub fn list_managed(&self) -> Result<Vec<Container>> {
        match &self.how {
            How::Api { rt, docker } => {
                let opts = ContainerListOpts::builder()
                    .all(true)
                    .filter([ContainerFilter::Label(LABEL_MANAGED.into(), "true".into())])
                    .build();
                let list = api(rt, CALL_TIMEOUT, docker.containers().list(&opts))
                    .map_err(|e| self.unreachable(e))?;
                Ok(list
                    .into_iter()
                    .map(|c| Container {
                        id: c.id.unwrap_or_default(),
                        name: c
                            .names
                            .and_then(|n| n.into_iter().next())
                            .map(|n| n.trim_start_matches('/').to_string())
                            .unwrap_or_default(),
                        image: c.image.unwrap_or_default(),
                        created: c.created.unwrap_or_default(),
                        state: c.state.unwrap_or_default(),
                        labels: c.labels.unwrap_or_default(),
                    })
                    .collect())
            }
            How::Cli { program } => {
                let filter = format!("label={LABEL_MANAGED}=true");
                let out = cli(
                    program,
                    &["ps", "--all", "--quiet", "--no-trunc", "--filter", &filter],
                    CALL_TIMEOUT,
                )?;
                if !out.ok {
                    return Err(self.cli_unreachable(&out));
                }
                let ids: Vec<&str> = out.stdout.split_whitespace().collect();
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut args = vec!["container", "inspect"];
                args.extend(&ids);
                let out = cli(program, &args, CALL_TIMEOUT)?;
                // A container may vanish between the two calls; inspect then fails for it
                // alone and still prints the others.
                parse_inspect(&out.stdout)
            }
        }
    }

    fn api_outcome(
        &self,
        r: std::result::Result<(), ApiError>,
        what: &str,
        name: &str,
    ) -> Result<Outcome> {
        match r {
            Ok(()) => Ok(Outcome::Done),
            Err(ApiError::Status(304, _)) => Ok(Outcome::NotRunning),
            // 409: removal already in progress.
            Err(ApiError::Status(409, _)) => Ok(Outcome::Done),
            Err(ApiError::Status(404, _)) => Ok(Outcome::NotFound),
            Err(ApiError::Status(code, msg)) => Err(Error::new(format!(
                "docker {what} {name}: engine answered {code}: {msg}"
            ))),
            Err(e) => Err(self.unreachable(e)),
        }
    }

    fn cli_outcome(&self, out: CliOutput, what: &str, name: &str) -> Result<Outcome> {
        if out.ok || out.says(&["is not running", "already in progress"]) {
            Ok(Outcome::Done)
        } else if out.says(&["no such container"]) {
            Ok(Outcome::NotFound)
        } else if out.says(&[
            "cannot connect",
            "permission denied",
            "connection refused",
            "error during connect",
        ]) {
            Err(self.cli_unreachable(&out))
        } else {
            Err(Error::new(format!(
                "docker {what} {name}: {}",
                out.last_line()
            )))
        }
    }

    /// A failure to reach the engine through the API, as one coded line.
    fn unreachable(&self, e: ApiError) -> Error {
        let at = self.endpoint();
        match e {
            ApiError::Timeout(d) => {
                Code::DaemonDown.error(format!("the docker engine at {at} did not answer within {} s", d.as_secs()))
            }
            ApiError::Io(kind, msg) => match kind {
                std::io::ErrorKind::PermissionDenied => Code::NoPermission.error(format!(
                    "permission denied on the docker socket {at}: add the user to the docker group, or use a rootless engine"
                )),
                std::io::ErrorKind::NotFound => Code::DaemonDown.error(format!(
                    "no docker engine at {at} ({msg}); start it (systemctl start docker) or set DOCKER_HOST"
                )),
                _ => Code::DaemonDown.error(format!("cannot reach the docker engine at {at}: {msg}; is it running?")),
            },
            ApiError::Status(code, msg) => Error::new(format!("docker engine at {at} answered {code}: {msg}")),
            ApiError::Other(msg) => Code::DaemonDown.error(format!("cannot reach the docker engine at {at}: {msg}")),
        }
    }

    fn cli_unreachable(&self, out: &CliOutput) -> Error {
        let at = self.endpoint();
        let line = out.last_line();
        if out.says(&["permission denied"]) {
            Code::NoPermission.error(format!("the docker CLI ({at}) was refused: {line}"))
        } else {
            Code::DaemonDown.error(format!(
                "the docker CLI cannot reach the engine ({at}): {line}"
            ))
        }
    }
}

/// An API failure reduced to what the callers distinguish.
#[derive(Debug)]
enum ApiError {
    Timeout(Duration),
    Status(u16, String),
    Io(std::io::ErrorKind, String),
    Other(String),
}

fn api<T>(
    rt: &tokio::runtime::Runtime,
    limit: Duration,
    call: impl std::future::Future<Output = docker_api::Result<T>>,
) -> std::result::Result<T, ApiError> {
    match rt.block_on(async { tokio::time::timeout(limit, call).await }) {
        Err(_) => Err(ApiError::Timeout(limit)),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(reduce(&e)),
    }
}

/// The crate wraps the socket's io::Error a few levels deep (docker-api → containers-api →
/// hyper → io); its kind is what tells "no engine" from "no permission".
fn reduce(e: &docker_api::Error) -> ApiError {
    if let docker_api::Error::Fault { code, message } = e {
        return ApiError::Status(code.as_u16(), message.trim().to_string());
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            // "No such file or directory (os error 2)" → "No such file or directory".
            let msg = io.to_string();
            let msg = msg
                .split(" (os error ")
                .next()
                .unwrap_or_default()
                .to_string();
            return ApiError::Io(io.kind(), msg);
        }
        cur = err.source();
    }
    ApiError::Other(e.to_string())
}

struct CliOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl CliOutput {
    fn says(&self, any: &[&str]) -> bool {
        let err = self.stderr.to_ascii_lowercase();
        any.iter().any(|s| err.contains(s))
    }

    fn last_line(&self) -> String {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim()
            .to_string()
    }
}

/// Pull an image that is not present locally. Through the CLI, not the API: the CLI knows the
/// user's registry credentials (`docker login`, credential helpers), which the API would need
/// handed to it.
pub fn pull(cli_path: &Path, image: &str) -> Result<()> {
    let out = cli(cli_path, &["pull", "--quiet", image], PULL_TIMEOUT)?;
    if out.ok {
        return Ok(());
    }
    Err(Code::ImagePullFailed.error(format!(
        "image {image} is not present locally and `docker pull` failed: {}",
        out.last_line()
    )))
}

/// Run the docker CLI for one operation, output captured, bounded in time (a CLI that does
/// not finish is killed and counts as failed).
fn cli(program: &Path, args: &[&str], limit: Duration) -> Result<CliOutput> {
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(crate::env::inherited())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Code::CliNotFound.error(format!("{}: {e}", program.display())))?;
    // Read both pipes to the end on helper threads so that a chatty CLI cannot block on a
    // full pipe; wait with a deadline.
    let out_t = drain(child.stdout.take());
    let err_t = drain(child.stderr.take());
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let mut stderr = err_t.join().unwrap_or_default();
    if status.is_none() {
        let what = args.first().copied().unwrap_or_default();
        stderr.push_str(&format!(
            "\n`docker {what}` did not finish within {} s\n",
            limit.as_secs()
        ));
    }
    Ok(CliOutput {
        ok: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    })
}

fn drain<R: std::io::Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut s);
        }
        s
    })
}

/// `docker container inspect` JSON → containers.
fn parse_inspect(text: &str) -> Result<Vec<Container>> {
    let list: Vec<Value> = serde_json::from_str(text.trim())
        .map_err(|e| Error::new(format!("docker container inspect: unexpected output: {e}")))?;
    let s = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(list
        .iter()
        .map(|c| Container {
            id: s(c, "/Id"),
            name: s(c, "/Name").trim_start_matches('/').to_string(),
            image: s(c, "/Config/Image"),
            created: parse_rfc3339(&s(c, "/Created")).unwrap_or_default(),
            state: s(c, "/State/Status"),
            labels: c
                .pointer("/Config/Labels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

/// `2024-05-01T12:34:56.123456789Z` (what the engine writes, always UTC) → unix seconds.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let time = time.split(['.', '+']).next()?;
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, sec) = (t.next()??, t.next()??, t.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + min * 60 + sec)
}

/// snap's docker: its AppArmor confinement and `no-new-privileges` do not go together.
pub fn is_snap(cli: &Path, root_dir: Option<&str>) -> bool {
    let cli_in_snap = std::fs::canonicalize(cli)
        .map(|p| p.starts_with("/snap/"))
        .unwrap_or(false);
    cli_in_snap || root_dir.is_some_and(|d| d.contains("/snap/docker/"))
}

/// Whether the run asks for `--security-opt no-new-privileges` (in any of docker's spellings).
pub fn wants_no_new_privileges(args: &[String]) -> bool {
    let nnp = |v: &str| {
        let v = v.trim();
        v == "no-new-privileges" || v == "no-new-privileges:true" || v == "no-new-privileges=true"
    };
    args.iter()
        .enumerate()
        .any(|(i, a)| match a.strip_prefix("--security-opt") {
            Some("") => args.get(i + 1).is_some_and(|v| nnp(v)),
            Some(rest) => rest.strip_prefix('=').is_some_and(nnp),
            None => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(vars: &[(&str, &str)], config: Option<&str>) -> Endpoint {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        endpoint(|k| vars.get(k).cloned(), config)
    }

    #[test]
    fn endpoints_follow_the_cli() {
        assert_eq!(ep(&[], None), Endpoint::Unix(DEFAULT_SOCKET.into()));
        assert_eq!(
            ep(&[("DOCKER_HOST", "")], None),
            Endpoint::Unix(DEFAULT_SOCKET.into())
        );
        assert_eq!(
            ep(
                &[("DOCKER_HOST", "unix:///run/user/1000/docker.sock")],
                None
            ),
            Endpoint::Unix("/run/user/1000/docker.sock".into())
        );
        assert_eq!(
            ep(&[("DOCKER_HOST", "tcp://10.0.0.2:2375")], None),
            Endpoint::Tcp("10.0.0.2:2375".into())
        );
        assert!(matches!(
            ep(
                &[("DOCKER_HOST", "tcp://h:2376"), ("DOCKER_TLS_VERIFY", "1")],
                None
            ),
            Endpoint::CliOnly(_)
        ));
        assert!(matches!(
            ep(&[("DOCKER_HOST", "ssh://me@box")], None),
            Endpoint::CliOnly(_)
        ));
        assert!(matches!(
            ep(&[("DOCKER_HOST", "npipe:////./pipe/docker_engine")], None),
            Endpoint::CliOnly(_)
        ));
        // DOCKER_HOST wins over a context
        assert_eq!(
            ep(
                &[
                    ("DOCKER_HOST", "unix:///x.sock"),
                    ("DOCKER_CONTEXT", "remote")
                ],
                None
            ),
            Endpoint::Unix("/x.sock".into())
        );
        assert!(matches!(
            ep(&[("DOCKER_CONTEXT", "remote")], None),
            Endpoint::CliOnly(_)
        ));
        assert_eq!(
            ep(&[("DOCKER_CONTEXT", "default")], None),
            Endpoint::Unix(DEFAULT_SOCKET.into())
        );
        assert!(matches!(
            ep(&[], Some(r#"{"currentContext": "rootless"}"#)),
            Endpoint::CliOnly(_)
        ));
        assert_eq!(
            ep(&[], Some(r#"{"currentContext": "default", "auths": {}}"#)),
            Endpoint::Unix(DEFAULT_SOCKET.into())
        );
        assert_eq!(
            ep(&[], Some("not json")),
            Endpoint::Unix(DEFAULT_SOCKET.into())
        );
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-02-29T12:00:01.123456789Z"),
            Some(1709208001)
        );
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951868800));
        assert_eq!(parse_rfc3339("junk"), None);
    }

    #[test]
    fn no_new_privileges_spellings() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(wants_no_new_privileges(&s(&[
            "--security-opt",
            "no-new-privileges"
        ])));
        assert!(wants_no_new_privileges(&s(&[
            "--security-opt=no-new-privileges:true"
        ])));
        assert!(wants_no_new_privileges(&s(&[
            "--cap-drop=ALL",
            "--security-opt",
            "no-new-privileges=true"
        ])));
        assert!(!wants_no_new_privileges(&s(&[
            "--security-opt",
            "no-new-privileges:false"
        ])));
        assert!(!wants_no_new_privileges(&s(&[
            "--security-opt",
            "seccomp=unconfined"
        ])));
        assert!(!wants_no_new_privileges(&s(&["no-new-privileges"])));
    }

    #[test]
    fn inspect_output() {
        let text = r#"[{"Id": "abc", "Name": "/mcpproxy-x-1", "Created": "2024-01-01T00:00:00.5Z",
                        "State": {"Status": "running"}, "Config": {"Image": "alpine:3.18",
                        "Labels": {"mcpproxy.managed": "true", "mcpproxy.owner": "12"}}}]"#;
        let got = parse_inspect(text).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "mcpproxy-x-1");
        assert_eq!(got[0].created, 1704067200);
        assert_eq!(got[0].state, "running");
        assert_eq!(
            got[0].labels.get("mcpproxy.owner").map(String::as_str),
            Some("12")
        );
    }
}
