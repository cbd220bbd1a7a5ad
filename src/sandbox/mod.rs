//! Sandbox mode: in mcpjail's own process, right before execve, set resource limits,
//! no_new_privs and a Landlock ruleset; the server then replaces mcpjail (same pid, same stdio).
//!
//! `plan` decides everything (paths, rights, limits, environment) and predicts what the kernel
//! will enforce; `exec` carries that out, in this order, single-threaded, no helper process:
//!
//!   prepare execve's C strings → create missing cache dirs → open the rule paths and build the
//!   ruleset → chdir → rlimits → PR_SET_NO_NEW_PRIVS → landlock_restrict_self → (seccomp, from
//!   the hardening issue) → execve
//!
//! Every step that can fail for a reason the user controls comes before the first irreversible
//! one, and every protection asked for and not enforced is said: in explain, on one stderr line
//! at run time, and as exit 125 under `--strict`.

#[cfg(target_os = "linux")]
mod access;
#[cfg(target_os = "linux")]
mod landlock;
#[cfg(target_os = "linux")]
mod privs;
#[cfg(target_os = "linux")]
mod rlimit;

/// Whether this build can confine at all (Landlock is Linux-only).
pub const SUPPORTED: bool = cfg!(target_os = "linux");

#[cfg(target_os = "linux")]
pub use linux::{SandboxPlan, exec, plan};
#[cfg(not(target_os = "linux"))]
pub use other::{SandboxPlan, exec, plan};

/// How much of one protection is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Full,
    Partial,
    No,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Full => "full",
            Level::Partial => "partial",
            Level::No => "no",
        }
    }
}

/// One protection asked for (by default or by a flag), and whether it is enforced.
#[derive(Debug, Clone, PartialEq)]
pub struct Protection {
    pub name: String,
    pub level: Level,
    /// Why it is not fully enforced.
    pub reason: Option<String>,
}

impl Protection {
    fn full(name: &str) -> Protection {
        Protection {
            name: name.into(),
            level: Level::Full,
            reason: None,
        }
    }

    fn not(name: &str, reason: impl Into<String>) -> Protection {
        Protection {
            name: name.into(),
            level: Level::No,
            reason: Some(reason.into()),
        }
    }

    /// The warning phrase, for a protection that is not fully enforced.
    pub fn warning(&self) -> Option<String> {
        match (self.level, &self.reason) {
            (Level::Full, _) => None,
            (_, Some(reason)) => Some(format!("{} ({reason})", self.name)),
            (level, None) => Some(format!("{} ({} enforcement)", self.name, level.as_str())),
        }
    }
}

/// Hardening flags whose implementation belongs to the hardening issue. Until then each one is
/// reported as not enforced (so that `--strict` refuses to run), never silently ignored.
/// The hardening issue replaces entries here with real protections.
fn pending_hardening(req: &crate::plan::Request) -> Vec<Protection> {
    let pending = "not implemented in sandbox mode yet";
    let mut out = Vec::new();
    if req.network.as_deref() == Some("none") {
        out.push(Protection::not(
            "--network none",
            format!("network restriction is {pending}"),
        ));
    }
    if !req.allow_connect.is_empty() {
        out.push(Protection::not(
            "--allow-connect",
            format!("TCP port rules are {pending}"),
        ));
    }
    if !req.allow_bind.is_empty() {
        out.push(Protection::not(
            "--allow-bind",
            format!("TCP port rules are {pending}"),
        ));
    }
    if req.allow_unix {
        out.push(Protection::not(
            "--allow-unix",
            format!("unix socket rules are {pending}"),
        ));
    }
    for path in &req.hide {
        out.push(Protection::not(
            &format!("--hide {}", path.display()),
            format!("hiding paths is {pending}"),
        ));
    }
    if req.keep_caps {
        out.push(Protection::not(
            "--keep-caps",
            format!("capability handling is {pending}"),
        ));
    }
    if req.user.is_some() {
        out.push(Protection::not(
            "--user",
            format!("changing identity is {pending}"),
        ));
    }
    out
}

#[cfg(target_os = "linux")]
mod linux {
    use serde_json::{Value, json};

    use super::landlock::{self, Kernel, Status};
    use super::{Level, Protection, access, privs, rlimit};
    use crate::env;
    use crate::error::{Error, Result};
    use crate::exec::{self, Prepared};
    use crate::plan::{Enforcement, Plan, Request};

    #[derive(Debug, Clone)]
    pub struct SandboxPlan {
        pub paths: access::Paths,
        pub landlock: landlock::LandlockPlan,
        pub rlimits: rlimit::Rlimits,
        /// mcpjail runs as root: Landlock still applies; capabilities are kept (for now).
        pub root: bool,
        pub network: Option<String>,
        /// Everything asked for, each with whether it is enforced. The plan's warnings and
        /// enforcement are derived from this list.
        pub protections: Vec<Protection>,
    }

    impl SandboxPlan {
        pub fn to_json(&self) -> Value {
            let mut out = json!({
                "landlock": self.landlock.to_json(),
                "rlimits": self.rlimits.to_json(),
                "no_new_privs": true,
                "network": {
                    "requested": self.network,
                    "restricted": false,
                    // Said even when nothing was asked: a reader should not assume a jail cuts
                    // the network or the unix sockets (/var/run/docker.sock) off.
                    "note": "sockets are not restricted in sandbox mode yet (TCP, UDP, pathname unix \
                             sockets: the hardening issue's work); abstract unix sockets outside the \
                             sandbox are unreachable when the Landlock scope is handled",
                },
                "root": self.root,
                "capabilities": if self.root {
                    json!({
                        "dropped": false,
                        "note": "running as root: the server keeps root's capabilities (dropping them is \
                                 the hardening issue's work). Landlock confines file access by path, not \
                                 what root's capabilities allow beyond it: chown, chmod and utime of any \
                                 file, loading kernel modules, and the like",
                    })
                } else {
                    json!({ "dropped": false, "note": "not running as root" })
                },
                "protections": self.protections.iter().map(|p| json!({
                    "name": p.name,
                    "enforced": p.level.as_str(),
                    "reason": p.reason,
                })).collect::<Vec<_>>(),
            });
            if let (Value::Object(out), Value::Object(paths)) = (&mut out, self.paths.to_json()) {
                out.extend(paths);
            }
            out
        }
    }

    pub fn plan(req: &Request, plan: &mut Plan) -> Result<()> {
        // The server's environment: the allowlist of mcpjail's own, then the configured env and
        // `-e` (which may name anything: the user asked for it).
        let mut environment: Vec<(String, String)> = env::inherited()
            .into_iter()
            .filter(|(k, _)| env::sandbox_allows(k))
            .collect();
        for (k, v) in &req.env {
            env::set(&mut environment, k, v);
        }
        plan.env = environment;
        exec::resolve_into(req, plan);

        let paths = access::plan(req, &plan.env)?;
        let landlock = landlock::plan(Kernel::probe());
        let rlimits = rlimit::plan(req.memory);

        let mut protections = vec![
            Protection {
                name: "landlock".into(),
                level: match landlock.status {
                    Status::FullyEnforced => Level::Full,
                    Status::PartiallyEnforced => Level::Partial,
                    Status::NotEnforced => Level::No,
                },
                reason: landlock.reason().map(|r| match landlock.status {
                    Status::NotEnforced => format!("not enforced: {r}"),
                    _ => format!("partially enforced: {r}"),
                }),
            },
            Protection::full("no_new_privs"),
            Protection::full("rlimits"),
        ];
        if req.cpus.is_some() {
            protections.push(Protection::not(
                "--cpus",
                "no rlimit can express a CPU share",
            ));
        }
        for (name, reason) in &paths.not_read_only {
            protections.push(Protection::not(name, reason.as_str()));
        }
        protections.extend(super::pending_hardening(req));

        plan.warnings
            .extend(protections.iter().filter_map(Protection::warning));
        plan.enforcement = match landlock.status {
            Status::NotEnforced => Enforcement::None,
            _ if protections.iter().any(|p| p.level != Level::Full) => Enforcement::Partial,
            _ => Enforcement::Full,
        };
        let root = privs::is_root();
        if root {
            log::info!("running as root: Landlock applies, capabilities are kept");
        }
        plan.sandbox = Some(SandboxPlan {
            paths,
            landlock,
            rlimits,
            root,
            network: req.network.clone(),
            protections,
        });
        Ok(())
    }

    /// Apply the confinement and exec; returns only on failure.
    pub fn exec(plan: &Plan) -> Error {
        match confine(plan) {
            Ok(prepared) => prepared.exec(),
            Err(e) => e,
        }
    }

    fn confine(plan: &Plan) -> Result<Prepared> {
        let sb = plan
            .sandbox
            .as_ref()
            .ok_or_else(|| Error::new("sandbox mode without a sandbox plan"))?;
        let prepared = exec::prepare(plan)?;
        sb.paths.create_missing();
        let ruleset = landlock::build(&sb.landlock, &sb.paths.rules)?;
        // Before the ruleset applies: the working directory may be outside the allowlist.
        prepared.enter_cwd()?;
        sb.rlimits.apply()?;
        privs::no_new_privs()?;
        let status = landlock::restrict(ruleset)?;
        if let Some(weaker) = landlock::weaker(&sb.landlock, &status) {
            if plan.strict {
                return Err(Error::new(format!("--strict: not enforced: {weaker}")));
            }
            log::warn!("not enforced: {weaker}");
        }
        // The hardening issue's seccomp filter goes here: after Landlock, right before execve.
        Ok(prepared)
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    use serde_json::{Value, json};

    use crate::error::{Error, Result};
    use crate::plan::{Plan, Request};

    /// Never built: `mode::gate` turns sandbox into none on systems without Landlock.
    #[derive(Debug, Clone, Default)]
    pub struct SandboxPlan {}

    impl SandboxPlan {
        pub fn to_json(&self) -> Value {
            json!({ "supported": false })
        }
    }

    pub fn plan(_req: &Request, _plan: &mut Plan) -> Result<()> {
        Err(Error::new("sandbox mode needs Linux (Landlock)"))
    }

    pub fn exec(_plan: &Plan) -> Error {
        Error::new("sandbox mode needs Linux (Landlock)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Request;

    #[test]
    fn warning_phrases() {
        assert_eq!(Protection::full("rlimits").warning(), None);
        assert_eq!(
            Protection::not("--cpus", "no rlimit can express a CPU share")
                .warning()
                .as_deref(),
            Some("--cpus (no rlimit can express a CPU share)")
        );
    }

    #[test]
    fn hardening_flags_are_never_silently_ignored() {
        let req = Request {
            network: Some("none".into()),
            allow_connect: vec![443],
            allow_bind: vec![8080],
            allow_unix: true,
            hide: vec!["/secret".into()],
            keep_caps: true,
            user: Some((1000, None)),
            ..Request::default()
        };
        let names: Vec<String> = pending_hardening(&req)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            names,
            [
                "--network none",
                "--allow-connect",
                "--allow-bind",
                "--allow-unix",
                "--hide /secret",
                "--keep-caps",
                "--user"
            ]
        );
        // other network modes leave the network alone in sandbox mode: nothing asked, nothing to say
        let req = Request {
            network: Some("bridge".into()),
            ..Request::default()
        };
        assert!(pending_hardening(&req).is_empty());
    }
}
