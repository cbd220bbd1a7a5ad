//! `mcpjail doctor [--json]`: what this host can enforce, and for each mode a verdict —
//! available, degraded (with what is missing) or unavailable.
//!
//! Everything here is a probe that only looks: a syscall that answers a question, files under
//! /proc and /sys, and the docker CLI with a short timeout. It must finish promptly on a host
//! without a docker engine, so every external command has a deadline.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// How long one docker CLI call may take before the engine counts as not answering.
const DOCKER_TIMEOUT: Duration = Duration::from_secs(4);

/// The Landlock ABI from which sandbox mode gets everything it handles by default (filesystem
/// rights up to ioctl-dev, and the signal/abstract-unix scopes). Keep in step with the
/// sandbox's own target.
const SANDBOX_FULL_ABI: i64 = 6;

/// One Landlock feature level.
struct Level {
    abi: i64,
    /// First Linux release with it.
    since: Option<&'static str>,
    name: &'static str,
    /// What it gives mcpjail.
    meaning: &'static str,
    /// What is not enforced on a kernel without it.
    without: &'static str,
}

/// Source: the kernel's Documentation/userspace-api/landlock.rst and landlock(7).
const LANDLOCK_LEVELS: &[Level] = &[
    Level {
        abi: 1,
        since: Some("5.13"),
        name: "filesystem",
        meaning: "read, write and execute confined beneath the allowed paths: the core of sandbox mode",
        without: "no filesystem confinement",
    },
    Level {
        abi: 2,
        since: Some("5.19"),
        name: "refer",
        meaning: "files may be renamed or linked between allowed directories",
        without: "renaming or linking files between directories always fails inside the sandbox",
    },
    Level {
        abi: 3,
        since: Some("6.2"),
        name: "truncate",
        meaning: "truncating files outside the writable paths is denied",
        without: "truncate(2) of files outside the writable paths is not controlled",
    },
    Level {
        abi: 4,
        since: Some("6.7"),
        name: "tcp",
        meaning: "--network none, --allow-connect and --allow-bind are enforced for TCP",
        without: "--network none, --allow-connect and --allow-bind cannot be enforced",
    },
    Level {
        abi: 5,
        since: Some("6.10"),
        name: "ioctl-dev",
        meaning: "ioctl on device files outside the writable paths is denied",
        without: "ioctl on device files is not controlled",
    },
    Level {
        abi: 6,
        since: Some("6.12"),
        name: "scopes",
        meaning: "the server cannot signal processes outside the sandbox or reach their abstract unix sockets",
        without: "the server can signal processes outside the sandbox and reach their abstract unix sockets",
    },
    Level {
        abi: 7,
        since: Some("6.15"),
        name: "audit",
        meaning: "denials can be logged by the audit subsystem (mcpjail does not use it)",
        without: "denials are not audit-logged",
    },
    Level {
        abi: 8,
        since: Some("7.0"),
        name: "thread-sync",
        meaning: "one call restricts every thread (mcpjail restricts itself single-threaded before exec; not needed)",
        without: "nothing for mcpjail",
    },
    Level {
        abi: 9,
        since: None,
        name: "unix-sockets",
        meaning: "connecting to pathname unix sockets outside the allowed paths can be denied (--allow-unix relaxes it)",
        without: "connecting to pathname unix sockets outside the allowed paths is not restricted",
    },
];

#[inline(never)] // not on the launch path (see main.rs)
pub fn run(json_out: bool) -> Result<i32> {
    let report = probe();
    if json_out {
        let text = serde_json::to_string_pretty(&report).map_err(|e| Error::new(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", human(&report));
    }
    Ok(0)
}

/// Probe everything and build the report (the JSON form; the text form is rendered from it).
pub fn probe() -> Value {
    let landlock = landlock();
    let seccomp = seccomp();
    let docker = docker();
    let cgroup = cgroup();
    let euid = nix::unistd::geteuid().as_raw();
    let modes = json!({
        "docker": docker_verdict(&docker),
        "sandbox": sandbox_verdict(&landlock, &seccomp, &cgroup),
        "none": verdict("available", vec![], vec!["runs COMMAND directly and confines nothing".into()]),
    });
    json!({
        "mcpjail": env!("CARGO_PKG_VERSION"),
        "kernel": kernel(),
        "user": {
            "uid": euid,
            "root": euid == 0,
            "no_new_privs": status_field("NoNewPrivs").map(|v| v == "1"),
        },
        "landlock": landlock,
        "seccomp": seccomp,
        "docker": docker,
        "cgroup": cgroup,
        "modes": modes,
    })
}

fn verdict(status: &str, missing: Vec<String>, notes: Vec<String>) -> Value {
    json!({ "verdict": status, "missing": missing, "notes": notes })
}

// ---- kernel, /proc --------------------------------------------------------------------------

fn kernel() -> Value {
    // SAFETY: uname fills the struct it is given and nothing else.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    if unsafe { libc::uname(&mut u) } != 0 {
        return json!({ "os": std::env::consts::OS, "release": null, "machine": std::env::consts::ARCH });
    }
    json!({ "os": field(&u.sysname), "release": field(&u.release), "machine": field(&u.machine) })
}

/// A field of /proc/self/status (`Seccomp`, `NoNewPrivs`), if the kernel reports it.
fn status_field(name: &str) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| Some(l.strip_prefix(name)?.strip_prefix(':')?.trim().to_string()))
}

// ---- Landlock -------------------------------------------------------------------------------

/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`: the ABI version, or why
/// there is none.
fn landlock_abi() -> std::result::Result<i64, &'static str> {
    #[cfg(target_os = "linux")]
    {
        const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
        // SAFETY: the documented version query: no attribute, size 0, only the flag.
        let v = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                std::ptr::null::<libc::c_void>(),
                0usize,
                LANDLOCK_CREATE_RULESET_VERSION,
            )
        };
        if v > 0 {
            return Ok(v);
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EOPNOTSUPP) => {
                Err("disabled: the kernel has Landlock but it is not enabled at boot (lsm=)")
            }
            Some(libc::ENOSYS) => {
                Err("missing: the kernel has no Landlock (Linux < 5.13 or built without it)")
            }
            _ => Err("unknown: the version query failed"),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err("missing: Landlock is Linux-only")
    }
}

fn landlock() -> Value {
    let (abi, error) = match landlock_abi() {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    let have = abi.unwrap_or(0);
    let features: Vec<Value> = LANDLOCK_LEVELS
        .iter()
        .map(|l| {
            json!({
                "abi": l.abi, "name": l.name, "since_linux": l.since, "available": have >= l.abi,
                "meaning": l.meaning, "without": l.without,
            })
        })
        .collect();
    json!({ "abi": abi, "error": error, "features": features })
}

// ---- seccomp --------------------------------------------------------------------------------

fn seccomp() -> Value {
    // PR_GET_SECCOMP: 0 not confined, 2 filtered; EINVAL when the kernel has no seccomp.
    #[cfg(target_os = "linux")]
    let mode = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) };
    #[cfg(not(target_os = "linux"))]
    let mode = -1;
    let available = mode >= 0;
    // Filters (seccomp-bpf): the kernel lists the actions it supports.
    let actions: Vec<String> = std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let filter = available && (!actions.is_empty() || status_field("Seccomp_filters").is_some());
    let own = match mode {
        0 => "none",
        1 => "strict",
        2 => "filter",
        _ => "unknown",
    };
    json!({ "available": available, "filter": filter, "actions": actions, "mcpjail_confined": own })
}

// ---- cgroups --------------------------------------------------------------------------------

fn cgroup() -> Value {
    let root = Path::new("/sys/fs/cgroup");
    let controllers = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("cgroup.controllers"))
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    if root.join("cgroup.controllers").exists() {
        return json!({ "version": 2, "hybrid": false, "controllers": controllers(root) });
    }
    let unified = root.join("unified");
    let v1 = ["memory", "cpu", "pids"]
        .iter()
        .any(|c| root.join(c).is_dir());
    if v1 {
        let hybrid = unified.join("cgroup.controllers").exists();
        let mounted: Vec<String> = [
            "memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer",
        ]
        .iter()
        .filter(|c| root.join(c).is_dir())
        .map(|c| c.to_string())
        .collect();
        return json!({ "version": 1, "hybrid": hybrid, "controllers": mounted });
    }
    json!({ "version": null, "hybrid": false, "controllers": [] })
}

// ---- docker ---------------------------------------------------------------------------------

/// The docker CLI on PATH, as `docker run` would be found.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| {
            use std::os::unix::fs::PermissionsExt;
            p.metadata()
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

struct Captured {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Run a command with a deadline; its output is captured, never inherited.
fn capture(program: &Path, args: &[&str], timeout: Duration) -> std::io::Result<Captured> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Readers on their own threads, so a chatty child cannot fill a pipe and stall; on timeout
    // they are left behind rather than joined (a grandchild may hold the pipe open).
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = child.stdout.take().map(|s| reader(Box::new(s)));
    let err = child.stderr.take().map(|s| reader(Box::new(s)));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            let join = |h: Option<std::thread::JoinHandle<String>>| {
                h.and_then(|h| h.join().ok()).unwrap_or_default()
            };
            return Ok(Captured {
                status: status.code(),
                stdout: join(out),
                stderr: join(err),
                timed_out: false,
            });
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Captured {
                status: None,
                stdout: String::new(),
                stderr: String::new(),
                timed_out: true,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .map(|s| s.trim() == "Y")
        .unwrap_or(false)
}

/// snap's docker: `/snap/bin/docker` is a symlink to `/usr/bin/snap`; the real binary lives
/// under `/snap/docker/`; its data root under `/var/snap/docker/`.
fn is_snap(cli: &Path, root_dir: Option<&str>) -> bool {
    let canonical = std::fs::canonicalize(cli).unwrap_or_else(|_| cli.to_path_buf());
    cli.starts_with("/snap/")
        || canonical.starts_with("/snap/")
        || canonical.file_name().is_some_and(|n| n == "snap")
        || root_dir.is_some_and(|d| d.contains("/snap/docker/"))
}

fn docker() -> Value {
    let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
    let apparmor = apparmor_enabled();
    let Some(cli) = find_on_path("docker") else {
        return json!({
            "cli": null, "host": host, "reachable": false, "version": null,
            "error": "docker CLI not found on PATH", "code": "MCPX_DOCKER_CLI_NOT_FOUND",
            "snap": false, "apparmor": apparmor,
        });
    };
    // Reachability and version, as asked by the docker CLI itself: it follows DOCKER_HOST,
    // contexts and TLS settings exactly as `docker run` will.
    let (reachable, version, error, code) = match capture(
        &cli,
        &["version", "--format", "{{.Server.Version}}"],
        DOCKER_TIMEOUT,
    ) {
        Err(e) => (
            false,
            None,
            Some(format!("cannot run {}: {e}", cli.display())),
            Some("MCPX_DOCKER_CLI_NOT_FOUND"),
        ),
        Ok(c) if c.timed_out => (
            false,
            None,
            Some(format!(
                "the daemon did not answer within {}s",
                DOCKER_TIMEOUT.as_secs()
            )),
            Some("MCPX_DOCKER_DAEMON_DOWN"),
        ),
        Ok(c) if c.status == Some(0) && !c.stdout.trim().is_empty() => {
            (true, Some(c.stdout.trim().to_string()), None, None)
        }
        Ok(c) => {
            let msg = first_line(&c.stderr).unwrap_or_else(|| "docker version failed".into());
            let code = if msg.to_lowercase().contains("permission denied") {
                "MCPX_DOCKER_NO_PERMISSION"
            } else {
                "MCPX_DOCKER_DAEMON_DOWN"
            };
            (false, None, Some(msg), Some(code))
        }
    };
    // Details only a reachable engine can give.
    let info = if reachable {
        capture(&cli, &["info", "--format", "{{json .}}"], DOCKER_TIMEOUT)
            .ok()
            .filter(|c| c.status == Some(0))
            .and_then(|c| serde_json::from_str::<Value>(&c.stdout).ok())
    } else {
        None
    };
    let get = |k: &str| {
        info.as_ref()
            .and_then(|i| i.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let root_dir = get("DockerRootDir");
    let snap = is_snap(&cli, root_dir.as_str());
    let security: Vec<String> = get("SecurityOptions")
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim_start_matches("name=").to_string())
                .collect()
        })
        .unwrap_or_default();
    json!({
        "cli": cli,
        "host": host,
        "reachable": reachable,
        "version": version,
        "error": error,
        "code": code,
        "snap": snap,
        "apparmor": apparmor,
        "root_dir": root_dir,
        "rootless": security.iter().any(|s| s == "rootless"),
        "security_options": security,
        "memory_limit": get("MemoryLimit"),
        "cpu_limit": get("CpuCfsQuota"),
        "cgroup_version": get("CgroupVersion"),
    })
}

fn first_line(s: &str) -> Option<String> {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

// ---- verdicts -------------------------------------------------------------------------------

fn docker_verdict(d: &Value) -> Value {
    if d["cli"].is_null() {
        return verdict(
            "unavailable",
            vec!["docker CLI on PATH (MCPX_DOCKER_CLI_NOT_FOUND)".into()],
            vec![],
        );
    }
    if d["reachable"] != true {
        let code = d["code"].as_str().unwrap_or("MCPX_DOCKER_DAEMON_DOWN");
        let what = match code {
            "MCPX_DOCKER_NO_PERMISSION" => "permission to use the docker daemon",
            _ => "a reachable docker daemon",
        };
        let error = d["error"].as_str().unwrap_or("");
        return verdict(
            "unavailable",
            vec![format!("{what} ({code}): {error}")],
            vec![],
        );
    }
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    if d["snap"] == true && d["apparmor"] == true {
        missing.push(
            "snap docker under AppArmor (MCPX_DOCKER_SNAP_APPARMOR): containers with no-new-privileges fail to \
             start and only paths under $HOME can be mounted; install docker from the distribution or docker.com"
                .to_string(),
        );
    } else if d["snap"] == true {
        notes.push("snap docker: only paths under $HOME can be mounted".to_string());
    }
    if d["memory_limit"] == false {
        missing.push(
            "memory limits: the engine cannot enforce --memory (cgroup memory controller)".into(),
        );
    }
    if d["cpu_limit"] == false {
        missing.push("CPU limits: the engine cannot enforce --cpus (CFS quota)".into());
    }
    if d["rootless"] == true {
        notes.push("rootless engine: --network none and limits depend on its setup".into());
    }
    let status = if missing.is_empty() {
        "available"
    } else {
        "degraded"
    };
    verdict(status, missing, notes)
}

fn sandbox_verdict(landlock: &Value, seccomp: &Value, cgroup: &Value) -> Value {
    let _ = cgroup;
    if !cfg!(target_os = "linux") {
        return verdict(
            "unavailable",
            vec!["Linux (sandbox runs as mode none elsewhere)".into()],
            vec![],
        );
    }
    let Some(abi) = landlock["abi"].as_i64() else {
        let why = landlock["error"].as_str().unwrap_or("no Landlock");
        return verdict(
            "unavailable",
            vec![format!(
                "Landlock ({why}): no filesystem confinement; only rlimits and no_new_privs would apply"
            )],
            vec![],
        );
    };
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    for l in LANDLOCK_LEVELS.iter().filter(|l| l.abi > abi) {
        let since = l.since.map(|s| format!(", Linux {s}")).unwrap_or_default();
        let line = format!("Landlock ABI {} ({}{since}): {}", l.abi, l.name, l.without);
        if l.abi <= SANDBOX_FULL_ABI {
            missing.push(line);
        } else if l.abi == 9 {
            notes.push(line);
        }
    }
    if seccomp["filter"] != true {
        missing.push("seccomp filters: hardening that relies on them cannot be applied".into());
    }
    let status = if missing.is_empty() {
        "available"
    } else {
        "degraded"
    };
    verdict(status, missing, notes)
}

// ---- text -----------------------------------------------------------------------------------

fn human(r: &Value) -> String {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        v => v.to_string(),
    };
    let yes = |v: &Value| if *v == true { "yes" } else { "no" };
    let mut o = format!("mcpjail {} doctor\n\n", s(&r["mcpjail"]));
    let k = &r["kernel"];
    o.push_str(&format!(
        "kernel         {} {} ({})\n",
        s(&k["os"]),
        s(&k["release"]),
        s(&k["machine"])
    ));
    let u = &r["user"];
    let root = if u["root"] == true {
        "root: the sandbox drops all capabilities unless --keep-caps; --user can change identity"
            .to_string()
    } else {
        format!("uid {} (not root)", s(&u["uid"]))
    };
    o.push_str(&format!("user           {root}\n"));

    let l = &r["landlock"];
    match l["abi"].as_i64() {
        Some(abi) => o.push_str(&format!("landlock       ABI {abi}\n")),
        None => o.push_str(&format!("landlock       {}\n", s(&l["error"]))),
    }
    for f in l["features"].as_array().into_iter().flatten() {
        let since = f["since_linux"]
            .as_str()
            .map(|v| format!(" (Linux {v})"))
            .unwrap_or_default();
        let mark = if f["available"] == true { "yes" } else { " no" };
        o.push_str(&format!(
            "  {mark}  v{} {}{since}: {}\n",
            s(&f["abi"]),
            s(&f["name"]),
            s(&f["meaning"])
        ));
    }

    let sc = &r["seccomp"];
    let seccomp = if sc["available"] != true {
        "not available".to_string()
    } else if sc["filter"] == true {
        let actions = sc["actions"]
            .as_array()
            .map(|a| a.iter().map(s).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        format!(
            "available, with filters (actions: {actions}); mcpjail itself: {}",
            s(&sc["mcpjail_confined"])
        )
    } else {
        "strict mode only (no filters)".to_string()
    };
    o.push_str(&format!("seccomp        {seccomp}\n"));

    let d = &r["docker"];
    o.push_str(&format!(
        "docker CLI     {}\n",
        if d["cli"].is_null() {
            "not found on PATH".into()
        } else {
            s(&d["cli"])
        }
    ));
    if !d["cli"].is_null() {
        let daemon = if d["reachable"] == true {
            let at = d["host"]
                .as_str()
                .map(|h| format!(" at {h}"))
                .unwrap_or_default();
            format!("reachable{at}, version {}", s(&d["version"]))
        } else {
            format!("not reachable: {} ({})", s(&d["error"]), s(&d["code"]))
        };
        o.push_str(&format!("docker daemon  {daemon}\n"));
    }
    let snap = match (d["snap"] == true, d["apparmor"] == true) {
        (true, true) => "snap docker under AppArmor (MCPX_DOCKER_SNAP_APPARMOR)".to_string(),
        (snap, apparmor) => format!(
            "snap docker: {}; AppArmor enabled: {}",
            yes(&snap.into()),
            yes(&apparmor.into())
        ),
    };
    o.push_str(&format!("snap/AppArmor  {snap}\n"));

    let c = &r["cgroup"];
    let cgroup = match c["version"].as_i64() {
        Some(2) => "v2 (unified)".to_string(),
        Some(1) if c["hybrid"] == true => {
            "v1 (hybrid: cgroup2 also mounted at /sys/fs/cgroup/unified)".to_string()
        }
        Some(v) => format!("v{v}"),
        None => "not mounted".to_string(),
    };
    o.push_str(&format!("cgroup         {cgroup}\n\n"));

    for mode in crate::cli::flags::MODES {
        let v = &r["modes"][mode];
        o.push_str(&format!("mode {mode:<9} {}\n", s(&v["verdict"])));
        for m in v["missing"].as_array().into_iter().flatten() {
            o.push_str(&format!("  missing: {}\n", s(m)));
        }
        for n in v["notes"].as_array().into_iter().flatten() {
            o.push_str(&format!("  note: {}\n", s(n)));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn landlock_with(abi: Option<i64>) -> Value {
        let features: Vec<Value> = LANDLOCK_LEVELS
            .iter()
            .map(|l| json!({"abi": l.abi}))
            .collect();
        json!({ "abi": abi, "error": abi.map_or(Some("missing: x"), |_| None), "features": features })
    }

    const SECCOMP: &str = r#"{"available": true, "filter": true}"#;

    fn sandbox(abi: Option<i64>) -> Value {
        sandbox_verdict(
            &landlock_with(abi),
            &serde_json::from_str(SECCOMP).unwrap(),
            &Value::Null,
        )
    }

    #[test]
    fn sandbox_verdicts_follow_the_abi() {
        assert_eq!(sandbox(None)["verdict"], "unavailable");
        let v = sandbox(Some(3));
        assert_eq!(v["verdict"], "degraded");
        let missing = v["missing"].to_string();
        assert!(
            missing.contains("ABI 4") && missing.contains("ABI 6") && !missing.contains("ABI 3"),
            "{missing}"
        );
        assert_eq!(sandbox(Some(6))["verdict"], "available");
        assert!(sandbox(Some(7))["notes"].to_string().contains("ABI 9"));
        assert_eq!(sandbox(Some(9))["notes"], json!([]));
    }

    #[test]
    fn docker_verdicts() {
        let v = docker_verdict(&json!({"cli": null}));
        assert_eq!(v["verdict"], "unavailable");
        assert!(
            v["missing"][0]
                .as_str()
                .unwrap()
                .contains("MCPX_DOCKER_CLI_NOT_FOUND")
        );
        let down = json!({"cli": "/usr/bin/docker", "reachable": false, "code": "MCPX_DOCKER_DAEMON_DOWN", "error": "x"});
        assert!(
            docker_verdict(&down)["missing"][0]
                .as_str()
                .unwrap()
                .contains("MCPX_DOCKER_DAEMON_DOWN")
        );
        let snap =
            json!({"cli": "/snap/bin/docker", "reachable": true, "snap": true, "apparmor": true});
        let v = docker_verdict(&snap);
        assert_eq!(v["verdict"], "degraded");
        assert!(
            v["missing"][0]
                .as_str()
                .unwrap()
                .contains("MCPX_DOCKER_SNAP_APPARMOR")
        );
        let ok = json!({"cli": "/usr/bin/docker", "reachable": true, "snap": false, "memory_limit": true});
        assert_eq!(docker_verdict(&ok)["verdict"], "available");
    }

    #[test]
    fn snap_detection() {
        assert!(is_snap(Path::new("/snap/bin/docker"), None));
        assert!(is_snap(
            Path::new("/usr/bin/docker"),
            Some("/var/snap/docker/common/var-lib-docker")
        ));
        assert!(!is_snap(
            Path::new("/usr/bin/docker"),
            Some("/var/lib/docker")
        ));
    }

    #[test]
    fn capture_times_out() {
        let start = Instant::now();
        let c = capture(Path::new("/bin/sleep"), &["10"], Duration::from_millis(200)).unwrap();
        assert!(c.timed_out);
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
