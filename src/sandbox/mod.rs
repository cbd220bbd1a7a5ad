//! Sandbox mode: in mcpjail's own process, right before execve, set resource limits,
//! no_new_privs and a Landlock ruleset; the server then replaces mcpjail (same pid, same stdio).
//!
//! `plan` decides everything (paths, rights, limits, environment) and predicts what the kernel
//! will enforce; `exec` carries that out, in this order, single-threaded, no helper process:
//!
//!   prepare execve's C strings → create missing cache dirs → open the rule paths and build the
//!   ruleset → chdir → rlimits → drop the capability bounding set → setgroups/setgid/setuid
//!   (`--user`) → clear the other capability sets → PR_SET_NO_NEW_PRIVS →
//!   landlock_restrict_self → seccomp filter → execve
//!
//! Identity and capabilities change first, while mcpjail still holds the capabilities that
//! changing them needs; no_new_privs then makes the later steps possible without privileges and
//! keeps execve from granting any back; the seccomp filter comes last so that it judges the
//! server only.
//!
//! Every step that can fail for a reason the user controls comes before the first irreversible
//! one, and every protection asked for and not enforced is said: in explain, on one stderr line
//! at run time, and as exit 125 under `--strict`.

/// Scratch space for tests. Never beneath /tmp (or $TMPDIR): that is a default writable path of
/// the sandbox, so a checkout there (CI may clone anywhere) would make the tests' "outside"
/// paths writable and their private HOME a writable path.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn test_scratch() -> std::path::PathBuf {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = std::env::var_os("TMPDIR").map(std::path::PathBuf::from);
    if repo.starts_with("/tmp") || tmp.is_some_and(|t| repo.starts_with(t)) {
        std::path::PathBuf::from("/var/tmp/mcpjail-test-tmp")
    } else {
        repo.join("target/test-tmp")
    }
}

#[cfg(target_os = "linux")]
mod access;
#[cfg(target_os = "linux")]
mod hide;
#[cfg(target_os = "linux")]
mod landlock;
#[cfg(target_os = "linux")]
mod network;
#[cfg(target_os = "linux")]
mod privs;
#[cfg(target_os = "linux")]
mod realpath;
#[cfg(target_os = "linux")]
mod rlimit;
#[cfg(target_os = "linux")]
mod seccomp;

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

// Used by the Linux planner only; elsewhere sandbox mode plans nothing.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
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

#[cfg(target_os = "linux")]
mod linux {
    use serde_json::{Value, json};

    use super::landlock::{self, Kernel, Status};
    use super::{Level, Protection, access, network, privs, rlimit, seccomp};
    use crate::env;
    use crate::error::{Error, Result};
    use crate::exec::{self, Prepared};
    use crate::plan::{Enforcement, Plan, Request};

    #[derive(Debug, Clone)]
    pub struct SandboxPlan {
        pub paths: access::Paths,
        pub landlock: landlock::LandlockPlan,
        pub rlimits: rlimit::Rlimits,
        pub privs: privs::PrivPlan,
        pub network: network::NetworkPlan,
        pub seccomp: seccomp::SeccompPlan,
        /// Everything asked for, each with whether it is enforced. The plan's warnings and
        /// enforcement are derived from this list.
        pub protections: Vec<Protection>,
    }

    impl SandboxPlan {
        pub fn to_json(&self) -> Value {
            let mut out = json!({
                "landlock": self.landlock.to_json(),
                "seccomp": self.seccomp.to_json(),
                "rlimits": self.rlimits.to_json(),
                "no_new_privs": true,
                "network": self.network.to_json(),
                "unix_sockets": self.network.unix_json(),
                "root": self.privs.root,
                "capabilities": self.privs.to_json(),
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
        let mut landlock = landlock::plan(Kernel::probe());
        let rlimits = rlimit::plan(req.memory);
        let privs = privs::plan(req)?;
        let no_seccomp = seccomp::unavailable();
        let (network, rules, net_protections) =
            network::plan(req, &mut landlock, no_seccomp.as_deref());
        let seccomp = seccomp::SeccompPlan {
            unavailable: no_seccomp,
            rules,
        };

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
            match &seccomp.unavailable {
                None => Protection::full("seccomp"),
                Some(why) => Protection::not("seccomp", why.as_str()),
            },
        ];
        if privs.drop {
            protections.push(Protection::full("capabilities"));
        }
        if let Some((uid, gid)) = privs.user {
            protections.push(Protection::full(&format!("--user {uid}:{gid}")));
        }
        if req.cpus.is_some() {
            protections.push(Protection::not(
                "--cpus",
                "no rlimit can express a CPU share",
            ));
        }
        for (name, reason) in &paths.not_read_only {
            protections.push(Protection::not(name, reason.as_str()));
        }
        protections.extend(net_protections);
        protections.extend(paths.hide_protections(landlock.status != Status::NotEnforced));

        plan.warnings
            .extend(protections.iter().filter_map(Protection::warning));
        plan.enforcement = match landlock.status {
            Status::NotEnforced => Enforcement::None,
            _ if protections.iter().any(|p| p.level != Level::Full) => Enforcement::Partial,
            _ => Enforcement::Full,
        };
        plan.sandbox = Some(SandboxPlan {
            paths,
            landlock,
            rlimits,
            privs,
            network,
            seccomp,
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
        sb.paths.create_missing(sb.privs.user);
        let ruleset = landlock::build(
            &sb.landlock,
            &sb.paths.rules,
            &sb.paths.dirs,
            &sb.network.connect,
            &sb.network.bind,
        )?;
        // Before the ruleset applies: the working directory may be outside the allowlist.
        prepared.enter_cwd()?;
        sb.rlimits.apply()?;
        sb.privs.apply()?;
        privs::no_new_privs()?;
        ruleset.restrict()?;
        if sb.seccomp.available() {
            seccomp::install(&sb.seccomp)?;
        }
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
}
