//! Which paths the server may read and write (DESIGN.md, "Default access"): decided at plan
//! time, from the request and the server's environment; turned into Landlock rules at run time.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use super::hide;
use super::realpath::{Resolver, beneath, same};
use crate::env;
use crate::error::{Error, Result};
use crate::plan::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// list the directory (and, Landlock's listing right being inherited, those beneath it):
    /// the directories on the way to a hidden path
    List,
    /// read + execute beneath the path
    Read,
    /// read, write, create, remove, rename, truncate beneath the path
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// Absolute, symlinks resolved: the rule binds to the inode, so explain names the real path.
    pub path: PathBuf,
    pub access: Access,
    pub is_dir: bool,
    /// What asked for it: `--rw`, `--ro`, `working_dir`, `$TMPDIR`, `default`.
    pub source: &'static str,
    /// Named by the user: failing to open it at run time is an error, not a skip.
    pub required: bool,
    /// A default cache directory that does not exist yet: created right before the ruleset is
    /// built, so that its rule can bind (Landlock rules need an existing inode).
    pub create: bool,
}

impl PathRule {
    pub fn label(&self) -> String {
        format!("{} {}", self.source, self.path.display())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub source: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub rules: Vec<PathRule>,
    pub skipped: Vec<Skipped>,
    /// `--ro` paths that stay writable because a writable rule covers them (Landlock rules only
    /// add access): (`--ro PATH`, why).
    pub not_read_only: Vec<(String, String)>,
    /// Default secret paths and `--hide` paths, each hidden or exposed by a rule.
    pub hidden: Vec<hide::Hidden>,
    /// `--hide /proc`: the pid whose /proc entry stays readable (mcpjail's, kept by execve),
    /// and whether a rule exposes /proc anyway.
    pub procs: Option<(u32, Option<hide::Exposure>)>,
    /// How read on `/` was split around the hidden paths; None when nothing is hidden.
    pub split: Option<hide::Split>,
    /// The directories listed while planning, still open: the ruleset binds their listing
    /// rules to these descriptors and opens their entries relative to them, so that what was
    /// listed is what gets the rules.
    pub dirs: Vec<(PathBuf, Arc<OwnedFd>)>,
}

/// Cache and data directories that package runners (npx, uvx, pip) write to.
const HOME_DIRS: &[&str] = &[".npm", ".cache", ".local/share"];
/// Device files every program may write (`>/dev/null` needs write and truncate).
const DEV_FILES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full"];

pub fn plan(req: &Request, server_env: &[(String, String)]) -> Result<Paths> {
    let mut p = Paths::default();
    let mut real = Resolver::default();
    let home = env::get(server_env, "HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let home_real = home
        .as_deref()
        .and_then(|h| real.real(h).ok())
        .map(|(h, _)| h);
    if let Some(h) = &home_real {
        // Read now: the default paths below $HOME are looked up in it, and hiding lists it.
        real.list(h);
    }

    for path in &req.ro {
        p.rules
            .push(required(&mut real, path, "--ro", Access::Read)?);
    }

    let tmp = env::get(server_env, "TMPDIR").filter(|t| !t.is_empty());
    let (tmp, source) = match tmp {
        Some(tmp) => (Path::new(tmp), "$TMPDIR"),
        None => (Path::new("/tmp"), "default"),
    };
    p.optional(&mut real, tmp, source, home_real.as_deref());
    p.home_dirs(&mut real, home.as_deref(), home_real.as_deref());
    if let Some(dir) = &req.working_dir {
        let rule = required(&mut real, dir, "working_dir", Access::Write)?;
        match guarded(&rule.path, home_real.as_deref()) {
            Some(why) => p.skip(
                dir,
                "working_dir",
                format!("{why}; name it with --rw to make it writable"),
            ),
            None => p.rules.push(rule),
        }
    }
    for path in &req.rw {
        p.rules
            .push(required(&mut real, path, "--rw", Access::Write)?);
    }
    for dev in DEV_FILES.iter().chain(&["/dev/shm"]) {
        p.optional(&mut real, Path::new(dev), "default", None);
    }

    // The same rule twice says nothing more: keep the first, required if either was.
    let mut rules: Vec<PathRule> = Vec::with_capacity(p.rules.len());
    for r in std::mem::take(&mut p.rules) {
        match rules
            .iter_mut()
            .find(|k| same(&k.path, &r.path) && k.access == r.access)
        {
            Some(kept) => kept.required |= r.required,
            None => rules.push(r),
        }
    }
    p.rules = rules;
    p.hide(&mut real, req, home_real.as_deref())?;
    p.dirs = real.opened_dirs();
    for ro in p.rules.iter().filter(|r| r.source == "--ro") {
        if let Some(w) = p
            .rules
            .iter()
            .find(|w| w.access == Access::Write && beneath(&ro.path, &w.path))
        {
            p.not_read_only.push((
                format!("--ro {}", ro.path.display()),
                format!(
                    "stays writable: it is beneath writable {}",
                    w.path.display()
                ),
            ));
        }
    }
    Ok(p)
}

impl Paths {
    /// Hide the default secrets, every `--hide` path and (`--hide /proc`) other processes'
    /// /proc entries: read on `/` is replaced by the rules of `hide::split`, unless nothing is
    /// left to hide. A path that a rule covers (`--ro ~/.ssh`, `--rw ~`) is exposed instead.
    fn hide(&mut self, real: &mut Resolver, req: &Request, home: Option<&Path>) -> Result<()> {
        if let Some(home) = home {
            for name in hide::SECRETS {
                if let Some((path, exists)) = real.existing_part(&home.join(name)) {
                    self.hidden.push(hide::Hidden {
                        name: format!("~/{name}"),
                        path,
                        source: "default",
                        exists,
                        exposed: None,
                    });
                }
            }
        }
        for path in &req.hide {
            let label = |why: &str| format!("--hide {}: {why}", path.display());
            let (real, _) = real
                .real(path)
                .map_err(|e| Error::new(label(&describe(&e))))?;
            if real == Path::new("/") {
                return Err(Error::new(label(
                    "cannot hide / itself (nothing would be readable)",
                )));
            }
            if real == Path::new(hide::PROC) {
                self.procs = Some((std::process::id(), None));
                continue;
            }
            self.hidden.push(hide::Hidden {
                name: path.display().to_string(),
                path: real,
                source: "--hide",
                exists: true,
                exposed: None,
            });
        }
        let covering = |rules: &[PathRule], path: &Path| {
            rules
                .iter()
                .find(|r| r.access != Access::List && beneath(path, &r.path))
                .map(|r| hide::Exposure {
                    by: r.label(),
                    named: matches!(r.source, "--ro" | "--rw" | "working_dir"),
                })
        };
        for h in &mut self.hidden {
            h.exposed = covering(&self.rules, &h.path);
        }
        if let Some((_, exposed)) = &mut self.procs {
            *exposed = covering(&self.rules, Path::new(hide::PROC));
        }

        let targets: Vec<PathBuf> = self
            .hidden
            .iter()
            .filter(|h| h.exposed.is_none())
            .map(|h| h.path.clone())
            .collect();
        let keep_pid = match self.procs {
            Some((pid, None)) => Some(pid),
            _ => None,
        };
        let mut read = Vec::new();
        if targets.is_empty() && keep_pid.is_none() {
            if self.rules.iter().any(|r| same(&r.path, Path::new("/"))) {
                return Ok(());
            }
            read.push(PathRule {
                path: PathBuf::from("/"),
                access: Access::Read,
                is_dir: true,
                source: "default",
                required: true,
                create: false,
            });
        } else {
            let split = hide::split(&targets, keep_pid, real);
            let rule = |path: &PathBuf, access, is_dir| PathRule {
                path: path.clone(),
                access,
                is_dir,
                source: "default",
                // Listed a moment ago; one that vanishes by the time the ruleset is built has
                // nothing left to grant.
                required: false,
                create: false,
            };
            read.extend(split.listable.iter().map(|p| rule(p, Access::List, true)));
            // An entry that a rule already covers (/tmp, ~/.cache: writable) needs no read rule
            // of its own: one path opened and one rule added fewer at every launch.
            let covered = |p: &Path| {
                self.rules
                    .iter()
                    .any(|r| r.access != Access::List && beneath(p, &r.path))
            };
            read.extend(
                split
                    .readable
                    .iter()
                    .filter(|(p, _)| !covered(p))
                    .map(|(p, d)| rule(p, Access::Read, *d)),
            );
            self.split = Some(split);
        }
        self.rules.splice(0..0, read);
        Ok(())
    }

    /// What hiding asked for and whether it is enforced (Landlock enforces all of it).
    pub fn hide_protections(&self, landlock: bool) -> Vec<super::Protection> {
        use super::{Level, Protection};
        let mut out = Vec::new();
        let no_landlock = "needs Landlock, which is not enforced";
        let defaults: Vec<&hide::Hidden> = self
            .hidden
            .iter()
            .filter(|h| h.source == "default")
            .collect();
        // Default secrets that a default rule covers ($TMPDIR holding $HOME): said, grouped by
        // rule. Those a rule the user named covers were asked for: explain shows them only.
        let mut leaks: Vec<(&str, Vec<&str>)> = Vec::new();
        for h in &defaults {
            if let Some(e) = h.exposed.as_ref().filter(|e| !e.named) {
                match leaks.iter_mut().find(|(by, _)| *by == e.by) {
                    Some((_, names)) if h.exists => names.push(&h.name),
                    Some(_) => {}
                    None => leaks.push((&e.by, if h.exists { vec![&h.name] } else { vec![] })),
                }
            }
        }
        let hidden_now = defaults.iter().any(|h| h.exposed.is_none());
        let failed = self.split.as_ref().and_then(|s| s.failed.first());
        let name = "hidden paths";
        if !landlock && !defaults.is_empty() {
            out.push(Protection::not(name, no_landlock));
        } else if !leaks.is_empty() {
            let reason = leaks
                .iter()
                .map(|(by, names)| match names.is_empty() {
                    true => format!("the secret paths (none exists yet) are readable through {by}"),
                    false => format!("{} readable through {by}", names.join(", ")),
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Protection {
                name: name.into(),
                level: if hidden_now {
                    Level::Partial
                } else {
                    Level::No
                },
                reason: Some(reason),
            });
        } else if let Some((dir, why)) = failed {
            out.push(Protection {
                name: name.into(),
                level: Level::Partial,
                reason: Some(format!(
                    "partially enforced: cannot list {} ({why}): what lies beneath it stays readable",
                    dir.display()
                )),
            });
        } else if hidden_now {
            out.push(Protection::full(name));
        }
        for h in self.hidden.iter().filter(|h| h.source == "--hide") {
            let name = format!("--hide {}", h.name);
            out.push(match (&h.exposed, landlock) {
                (Some(e), _) => Protection::not(&name, format!("readable through {}", e.by)),
                (None, false) => Protection::not(&name, no_landlock),
                (None, true) => Protection::full(&name),
            });
        }
        if let Some((_, exposed)) = &self.procs {
            out.push(match (exposed, landlock) {
                (Some(e), _) => {
                    Protection::not("--hide /proc", format!("readable through {}", e.by))
                }
                (None, false) => Protection::not("--hide /proc", no_landlock),
                (None, true) => Protection::full("--hide /proc"),
            });
        }
        out
    }

    pub fn read(&self) -> impl Iterator<Item = &PathRule> {
        self.rules.iter().filter(|r| r.access == Access::Read)
    }

    pub fn write(&self) -> impl Iterator<Item = &PathRule> {
        self.rules.iter().filter(|r| r.access == Access::Write)
    }

    /// A default writable path: used if it exists and is safe to open up, else reported.
    fn optional(
        &mut self,
        real: &mut Resolver,
        path: &Path,
        source: &'static str,
        home: Option<&Path>,
    ) {
        let (real, is_dir) = match real.real(path) {
            Ok(found) => found,
            Err(e) => return self.skip(path, source, describe(&e)),
        };
        if let Some(why) = guarded(&real, home) {
            return self.skip(path, source, why);
        }
        self.rules.push(PathRule {
            path: real,
            access: Access::Write,
            is_dir,
            source,
            required: false,
            create: false,
        });
    }

    fn home_dirs(&mut self, real: &mut Resolver, home: Option<&Path>, home_real: Option<&Path>) {
        let (Some(home), Some(home_real)) = (home, home_real) else {
            let reason = match home {
                None => "HOME is not set".to_string(),
                Some(h) => format!("HOME {} does not exist", h.display()),
            };
            for dir in HOME_DIRS {
                self.skip(Path::new(&format!("~/{dir}")), "default", reason.clone());
            }
            return;
        };
        for dir in HOME_DIRS {
            let path = home.join(dir);
            // Resolved below the real $HOME: one lstat for each directory not seen yet.
            match real.existing_part(&home_real.join(dir)) {
                Some((_, true)) => self.optional(real, &path, "default", Some(home_real)),
                Some((_, false)) if missing(&path) => self.rules.push(PathRule {
                    path: home_real.join(dir),
                    access: Access::Write,
                    is_dir: true,
                    source: "default",
                    required: false,
                    create: true,
                }),
                _ => self.optional(real, &path, "default", Some(home_real)),
            }
        }
    }

    fn skip(&mut self, path: &Path, source: &'static str, reason: String) {
        self.skipped.push(Skipped {
            path: path.display().to_string(),
            source,
            reason,
        });
    }

    /// Create the missing default directories. A failure only loses access (the rule is then
    /// skipped when the ruleset is built), so it is a warning, never an error.
    /// With `--user`, what is created belongs to that user (who else would write there).
    pub fn create_missing(&self, owner: Option<(u32, u32)>) {
        for r in self.rules.iter().filter(|r| r.create) {
            // The directories that do not exist yet, outermost first, to hand them over.
            let new: Vec<&Path> = r.path.ancestors().take_while(|a| !a.exists()).collect();
            if let Err(e) = std::fs::create_dir_all(&r.path) {
                log::warn!(
                    "cannot create {} ({}); the server cannot write there",
                    r.path.display(),
                    describe(&e)
                );
                continue;
            }
            if let Some((uid, gid)) = owner {
                for dir in new.iter().rev() {
                    if let Err(e) = std::os::unix::fs::chown(dir, Some(uid), Some(gid)) {
                        log::warn!(
                            "cannot hand {} to --user {uid}:{gid} ({})",
                            dir.display(),
                            describe(&e)
                        );
                    }
                }
            }
        }
    }

    fn hidden_json(&self) -> Value {
        let proc_note = "Landlock rules bind to inodes, and procfs makes a new inode for /proc/PID \
            whenever the old one leaves the kernel's caches: the server's own entry can become \
            unreadable under memory pressure, and processes the server starts (npx starting node) \
            cannot read their own /proc/self (node's process.memoryUsage() fails)";
        json!({
            "paths": self.hidden.iter().map(|h| json!({
                "name": h.name,
                "path": h.path,
                "source": h.source,
                "exists": h.exists,
                "hidden": h.exposed.is_none(),
                "readable_through": h.exposed.as_ref().map(|e| &e.by),
            })).collect::<Vec<_>>(),
            "proc": match &self.procs {
                Some((pid, exposed)) => json!({
                    "hidden": exposed.is_none(),
                    "kept_pid": pid,
                    "readable_through": exposed.as_ref().map(|e| &e.by),
                    "note": format!("other processes' /proc/PID entries are hidden; {proc_note}"),
                }),
                None => json!({
                    "hidden": false,
                    "note": format!("other processes' /proc/PID entries stay readable (command \
                        lines; the environment of processes of the same user): --hide /proc hides \
                        them, off by default because {proc_note}"),
                }),
            },
            "failed": self.split.as_ref().map_or(vec![], |s| s.failed.iter().map(|(d, why)| json!({
                "path": d, "reason": why,
            })).collect()),
            "note": "read on / is split into rules on the entries of each directory on the way to \
                a hidden path (those directories themselves may only be listed): an entry created \
                there after launch is not readable; names inside a hidden directory can be \
                listed, not read; a hidden file reachable by another path (hard link, bind \
                mount) is readable there",
        })
    }

    pub fn to_json(&self) -> Value {
        let paths = |it: &mut dyn Iterator<Item = &PathRule>| {
            it.map(|r| r.path.display().to_string()).collect::<Vec<_>>()
        };
        json!({
            "read": paths(&mut self.read()),
            "list": paths(&mut self.rules.iter().filter(|r| r.access == Access::List)),
            "write": paths(&mut self.write()),
            "create": paths(&mut self.rules.iter().filter(|r| r.create)),
            "hidden": self.hidden_json(),
            "skipped": self.skipped.iter().map(|s| json!({
                "path": s.path, "source": s.source, "reason": s.reason,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Not there at all (a dangling symlink or an unreadable directory is something else).
fn missing(path: &Path) -> bool {
    matches!(path.symlink_metadata(), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
}

/// A path the user named: it must exist.
fn required(
    real: &mut Resolver,
    path: &Path,
    source: &'static str,
    access: Access,
) -> Result<PathRule> {
    let (real, is_dir) = real
        .real(path)
        .map_err(|e| Error::new(format!("{source} {}: {}", path.display(), describe(&e))))?;
    Ok(PathRule {
        path: real,
        access,
        is_dir,
        source,
        required: true,
        create: false,
    })
}

/// `/` and `$HOME` themselves are writable only when named with `--rw` (DESIGN.md).
fn guarded(real: &Path, home: Option<&Path>) -> Option<String> {
    if real == Path::new("/") {
        return Some("it is / itself".into());
    }
    if Some(real) == home {
        return Some("it is $HOME itself".into());
    }
    None
}

/// An io::Error as a lower-case phrase without the `(os error N)` suffix.
pub fn describe(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tmp(PathBuf);

    impl Tmp {
        fn new(tag: &str) -> Tmp {
            let dir =
                crate::sandbox::test_scratch().join(format!("unit-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Tmp(dir.canonicalize().unwrap())
        }
    }

    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn writes(p: &Paths) -> Vec<String> {
        p.write().map(|r| r.path.display().to_string()).collect()
    }

    #[test]
    fn defaults() {
        let t = Tmp::new("defaults");
        let home = t.0.join("home");
        std::fs::create_dir_all(home.join(".cache")).unwrap();
        let tmp = t.0.join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let e = env(&[
            ("HOME", home.to_str().unwrap()),
            ("TMPDIR", tmp.to_str().unwrap()),
        ]);
        let p = plan(&Request::default(), &e).unwrap();
        let w = writes(&p);
        // read on / is split around the hidden secrets of this HOME (see `hidden_secrets`)
        let read: Vec<PathBuf> = p.read().map(|r| r.path.clone()).collect();
        assert!(!read.contains(&PathBuf::from("/")) && read.contains(&PathBuf::from("/usr")));
        for want in [
            &tmp,
            &home.join(".npm"),
            &home.join(".cache"),
            &home.join(".local/share"),
        ] {
            assert!(w.contains(&want.display().to_string()), "{want:?} in {w:?}");
        }
        assert!(w.contains(&"/dev/null".to_string()));
        assert!(!w.contains(&"/".to_string()) && !w.contains(&home.display().to_string()));
        let created: Vec<_> = p
            .rules
            .iter()
            .filter(|r| r.create)
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(created, [home.join(".npm"), home.join(".local/share")]);
        assert!(p.not_read_only.is_empty());
        // planning created nothing
        assert!(!home.join(".npm").exists());
        p.create_missing(None);
        assert!(home.join(".npm").is_dir() && home.join(".local/share").is_dir());
    }

    #[test]
    fn missing_defaults_are_skipped_and_reported() {
        let t = Tmp::new("skipped");
        let e = env(&[
            ("HOME", t.0.join("nohome").to_str().unwrap()),
            ("TMPDIR", "/nonexistent-tmp"),
        ]);
        let p = plan(&Request::default(), &e).unwrap();
        let skipped: Vec<_> = p
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert!(
            skipped.contains(&("/nonexistent-tmp", "no such file or directory")),
            "{skipped:?}"
        );
        assert!(
            skipped
                .iter()
                .any(|(p, r)| *p == "~/.npm" && r.contains("does not exist")),
            "{skipped:?}"
        );
        let p = plan(&Request::default(), &env(&[])).unwrap();
        assert!(p.skipped.iter().any(|s| s.reason == "HOME is not set"));
        assert!(writes(&p).contains(&"/tmp".to_string()));
    }

    #[test]
    fn root_and_home_are_never_default_writable() {
        let t = Tmp::new("guard");
        let home = t.0.display().to_string();
        let e = env(&[("HOME", &home), ("TMPDIR", &home)]);
        let req = Request {
            working_dir: Some(PathBuf::from("/")),
            ..Request::default()
        };
        let p = plan(&req, &e).unwrap();
        assert!(!writes(&p).contains(&home) && !writes(&p).contains(&"/".to_string()));
        let reasons: Vec<_> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(reasons.contains(&"it is $HOME itself"), "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("it is / itself; name it with --rw")),
            "{reasons:?}"
        );
        // …unless named
        let req = Request {
            rw: vec![PathBuf::from("/")],
            ..Request::default()
        };
        assert!(writes(&plan(&req, &e).unwrap()).contains(&"/".to_string()));
    }

    #[test]
    fn named_paths_must_exist() {
        for (req, want) in [
            (
                Request {
                    rw: vec!["/nonexistent/x".into()],
                    ..Request::default()
                },
                "--rw /nonexistent/x: no such file or directory",
            ),
            (
                Request {
                    ro: vec!["/nonexistent/y".into()],
                    ..Request::default()
                },
                "--ro /nonexistent/y: no such file or directory",
            ),
            (
                Request {
                    working_dir: Some("/nonexistent/z".into()),
                    ..Request::default()
                },
                "working_dir /nonexistent/z: no such file or directory",
            ),
            (
                Request {
                    rw: vec!["/etc/passwd/x".into()],
                    ..Request::default()
                },
                "--rw /etc/passwd/x: not a directory",
            ),
        ] {
            assert_eq!(plan(&req, &[]).unwrap_err().message, want);
        }
    }

    #[test]
    fn ro_beneath_rw_is_reported() {
        let t = Tmp::new("ro");
        std::fs::create_dir(t.0.join("sub")).unwrap();
        let req = Request {
            rw: vec![t.0.clone()],
            ro: vec![t.0.join("sub"), "/etc".into()],
            ..Request::default()
        };
        let p = plan(&req, &[]).unwrap();
        assert_eq!(p.not_read_only.len(), 1, "{:?}", p.not_read_only);
        assert!(
            p.not_read_only[0]
                == (
                    format!("--ro {}/sub", t.0.display()),
                    format!("stays writable: it is beneath writable {}", t.0.display())
                )
        );
    }

    #[test]
    fn duplicates_collapse() {
        let req = Request {
            rw: vec!["/tmp".into(), "/tmp/".into()],
            ..Request::default()
        };
        let p = plan(&req, &[]).unwrap();
        assert_eq!(writes(&p).iter().filter(|w| *w == "/tmp").count(), 1);
    }

    fn reads(p: &Paths) -> Vec<PathBuf> {
        p.read().map(|r| r.path.clone()).collect()
    }

    fn protections(p: &Paths) -> Vec<String> {
        p.hide_protections(true)
            .iter()
            .map(|p| match &p.reason {
                Some(r) => format!("{} {}: {r}", p.name, p.level.as_str()),
                None => format!("{} {}", p.name, p.level.as_str()),
            })
            .collect()
    }

    #[test]
    fn hidden_secrets() {
        let t = Tmp::new("hidden");
        let home = t.0.join("home");
        for d in [".ssh", ".aws", "notes"] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        let e = env(&[("HOME", home.to_str().unwrap()), ("TMPDIR", "/tmp")]);
        let p = plan(&Request::default(), &e).unwrap();
        let read = reads(&p);
        assert!(read.contains(&home.join("notes")), "{read:?}");
        for hidden in [".ssh", ".aws"] {
            assert!(
                !read.iter().any(|r| home.join(hidden).starts_with(r)),
                "{hidden}: {read:?}"
            );
        }
        let list: Vec<&PathBuf> = p
            .rules
            .iter()
            .filter(|r| r.access == Access::List)
            .map(|r| &r.path)
            .collect();
        assert!(list.contains(&&home) && list.contains(&&PathBuf::from("/")));
        assert_eq!(protections(&p), ["hidden paths full"]);
        let ssh = p.hidden.iter().find(|h| h.name == "~/.ssh").unwrap();
        assert!(ssh.exists && ssh.exposed.is_none());

        // --ro re-allows a hidden path (asked for: no warning); --ro / re-allows them all and
        // read on / comes back
        let req = Request {
            ro: vec![home.join(".ssh")],
            ..Request::default()
        };
        let p = plan(&req, &e).unwrap();
        assert!(reads(&p).contains(&home.join(".ssh")));
        assert_eq!(protections(&p), ["hidden paths full"]);
        let req = Request {
            ro: vec!["/".into()],
            ..Request::default()
        };
        let p = plan(&req, &e).unwrap();
        assert_eq!(reads(&p), [PathBuf::from("/")]);
        assert!(p.split.is_none() && protections(&p).is_empty());

        // a default writable path that holds HOME exposes the secrets: said
        let e2 = env(&[
            ("HOME", home.to_str().unwrap()),
            ("TMPDIR", t.0.to_str().unwrap()),
        ]);
        let p = plan(&Request::default(), &e2).unwrap();
        assert_eq!(
            protections(&p),
            [format!(
                "hidden paths no: ~/.ssh, ~/.aws readable through $TMPDIR {}",
                t.0.display()
            )]
        );

        // --hide hides more; a --hide path a rule covers is not hidden, and said
        let req = Request {
            hide: vec![home.join("notes")],
            ..Request::default()
        };
        let p = plan(&req, &e).unwrap();
        assert!(!reads(&p).contains(&home.join("notes")));
        assert_eq!(
            protections(&p)[1],
            format!("--hide {} full", home.join("notes").display())
        );
        let req = Request {
            hide: vec![home.join("notes")],
            rw: vec![home.join("notes")],
            ..Request::default()
        };
        let p = plan(&req, &e).unwrap();
        assert_eq!(
            protections(&p)[1],
            format!(
                "--hide {0} no: readable through --rw {0}",
                home.join("notes").display()
            )
        );
    }

    #[test]
    fn hide_flag_errors_and_proc() {
        let hide = |p: &str| Request {
            hide: vec![p.into()],
            ..Request::default()
        };
        assert_eq!(
            plan(&hide("/nonexistent/s"), &[]).unwrap_err().message,
            "--hide /nonexistent/s: no such file or directory"
        );
        assert!(
            plan(&hide("/"), &[])
                .unwrap_err()
                .message
                .starts_with("--hide /: cannot hide / itself")
        );
        let p = plan(&hide("/proc/"), &[]).unwrap();
        assert_eq!(p.procs, Some((std::process::id(), None)));
        let read = reads(&p);
        assert!(read.contains(&PathBuf::from(format!("/proc/{}", std::process::id()))));
        assert!(
            !read.contains(&PathBuf::from("/proc/1")) && !read.contains(&PathBuf::from("/proc"))
        );
        assert_eq!(protections(&p), ["--hide /proc full"]);
    }
}
