//! Hidden paths: credential stores under `$HOME`, every `--hide PATH`, and with `--hide /proc`
//! the `/proc/PID` entries of other processes.
//!
//! Landlock only ever allows: beneath a directory that may be read, nothing can be taken away.
//! So instead of read on `/`, the read rule is split along the way to each hidden path: every
//! directory on the chain from `/` down to a hidden path (`/`, `/home`, `/home/me`) gets the
//! listing right only, and each of its entries that is neither hidden nor itself on a chain gets
//! read+execute. Only the chain directories are listed (a handful of readdir calls per launch),
//! never a recursive walk.
//!
//! What follows from it, and is said in explain:
//! - an entry created in a chain directory after launch (a new file in `$HOME`) has no rule, so
//!   the server cannot read it;
//! - Landlock's listing right applies beneath the directory it is granted on, so the *names*
//!   inside a hidden directory can be listed; their contents cannot be read;
//! - a hidden file reachable by another path (a hard link, a bind mount) is readable there.

use std::path::{Path, PathBuf};

use super::realpath::{Kind, Resolver, beneath, same};

/// Credential stores hidden by default, relative to `$HOME`.
pub const SECRETS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".mcpproxy",
];

/// `--hide /proc` hides other processes' entries rather than all of /proc.
pub const PROC: &str = "/proc";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// As the user or the default list names it (`~/.ssh`, the `--hide` argument).
    pub name: String,
    /// Absolute, the existing part's symlinks resolved: a `~/.ssh` that links into a dotfiles
    /// repository is hidden where its files really are.
    pub path: PathBuf,
    /// `default` or `--hide`.
    pub source: &'static str,
    pub exists: bool,
    /// Why it is readable after all (a rule covers it), or None when it is hidden.
    pub exposed: Option<Exposure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The rule that covers it, as `--ro /home/me`.
    pub by: String,
    /// The rule was named by the user (`--ro`, `--rw`, `working_dir`), who then asked for it.
    pub named: bool,
}

/// The read rules that replace read on `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// Chain directories: listing only.
    pub listable: Vec<PathBuf>,
    /// Entries of chain directories: read+execute beneath each; whether it is a directory
    /// (from readdir's file type).
    pub readable: Vec<(PathBuf, bool)>,
    /// Chain directories that could not be listed: (directory, why). The hidden paths beneath
    /// such a directory stay readable (it gets read on the whole directory instead).
    pub failed: Vec<(PathBuf, String)>,
}

/// Split read on `/` around `targets` (hidden real paths) and, with `keep_pid`, around the
/// `/proc` entries of every process but that one. `paths` knows the directories planning has
/// resolved already (their ancestors are directories too).
pub fn split(targets: &[PathBuf], keep_pid: Option<u32>, paths: &mut Resolver) -> Split {
    // A target beneath another is hidden with it; on a chain it would even be opened up.
    let mut tops: Vec<&PathBuf> = Vec::new();
    for t in targets {
        let inside_other = targets.iter().any(|o| !same(o, t) && beneath(t, o));
        if !inside_other && !tops.iter().any(|k| same(k, t)) {
            tops.push(t);
        }
    }
    let mut chain: Vec<PathBuf> = Vec::new();
    for t in &tops {
        for a in t.ancestors().skip(1) {
            // Check the cheap conditions first: the ancestors of several targets repeat.
            if !chain.iter().any(|c| same(c, a)) && (paths.is_real_dir(a) || a.is_dir()) {
                chain.push(a.to_path_buf());
            }
        }
    }
    let proc = Path::new(PROC);
    if keep_pid.is_some() {
        for a in [Path::new("/"), proc] {
            if !chain.iter().any(|c| same(c, a)) {
                chain.push(a.to_path_buf());
            }
        }
    }
    chain.sort();

    let mut out = Split::default();
    for dir in &chain {
        let entries = match paths.list(dir) {
            Ok(entries) => entries,
            Err(why) => {
                out.failed.push((dir.clone(), why.clone()));
                out.readable.push((dir.clone(), true));
                continue;
            }
        };
        out.listable.push(dir.clone());
        for (name, kind) in entries {
            let path = dir.join(name);
            // A symlink needs no rule: what it points to is judged by its real path, which is
            // either readable through another entry, or on a chain, or hidden.
            let link = *kind == Kind::Symlink;
            if link || chain.iter().any(|c| same(c, &path)) || tops.iter().any(|t| same(t, &path)) {
                continue;
            }
            if same(dir, proc) && keep_pid.is_some() {
                let numeric = name
                    .to_str()
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
                if numeric && name.to_str() != keep_pid.map(|p| p.to_string()).as_deref() {
                    continue;
                }
            }
            out.readable.push((path, *kind == Kind::Dir));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let dir =
            crate::sandbox::test_scratch().join(format!("unit-hide-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    fn rel<'a>(base: &Path, paths: impl IntoIterator<Item = &'a PathBuf>) -> Vec<String> {
        paths
            .into_iter()
            .filter_map(|p| p.strip_prefix(base).ok())
            .map(|p| p.display().to_string())
            .collect()
    }

    fn readable(s: &Split) -> Vec<&PathBuf> {
        s.readable.iter().map(|(p, _)| p).collect()
    }

    #[test]
    fn splits_along_the_chain_only() {
        let t = tmp("chain");
        let home = t.join("home");
        for d in [
            ".ssh",
            ".config/gcloud",
            ".config/other",
            "notes/deep",
            ".cache",
        ] {
            std::fs::create_dir_all(home.join(d)).unwrap();
        }
        std::fs::write(home.join(".netrc"), "machine x").unwrap();
        std::fs::write(home.join("plain"), "x").unwrap();
        std::os::unix::fs::symlink(home.join(".ssh"), home.join("link-to-ssh")).unwrap();
        std::os::unix::fs::symlink("/", home.join("link-to-root")).unwrap();
        let targets: Vec<PathBuf> = [".ssh", ".netrc", ".config/gcloud", ".aws", ".ssh/id_rsa"]
            .iter()
            .map(|s| Resolver::default().existing_part(&home.join(s)).unwrap().0)
            .collect();
        let s = split(&targets, None, &mut Resolver::default());
        // every ancestor of the home is a chain directory too: listed, not readable
        assert!(s.listable.contains(&PathBuf::from("/")));
        assert!(s.listable.contains(&t));
        assert_eq!(rel(&home, &s.listable), ["", ".config"]);
        // hidden paths, chain directories and symlinks get no read rule; the rest does
        // each chain directory's entries in turn, sorted by name
        assert_eq!(
            rel(&home, readable(&s)),
            [".cache", "notes", "plain", ".config/other"]
        );
        assert!(!readable(&s).contains(&&PathBuf::from("/")));
        assert!(readable(&s).contains(&&PathBuf::from("/usr")));
        assert!(s.failed.is_empty());
    }

    #[test]
    fn proc_keeps_only_the_given_pid() {
        let me = std::process::id();
        let s = split(&[], Some(me), &mut Resolver::default());
        assert_eq!(s.listable, [PathBuf::from("/"), PathBuf::from("/proc")]);
        let procs: Vec<&PathBuf> = readable(&s)
            .into_iter()
            .filter(|p| p.starts_with("/proc"))
            .collect();
        assert!(procs.contains(&&PathBuf::from(format!("/proc/{me}"))));
        assert!(procs.contains(&&PathBuf::from("/proc/cpuinfo")));
        assert!(!procs.contains(&&PathBuf::from("/proc/1")));
        // /proc/self is a symlink: it needs (and gets) no rule of its own
        assert!(!procs.contains(&&PathBuf::from("/proc/self")));
        assert!(!readable(&s).contains(&&PathBuf::from("/proc")));
    }
}
