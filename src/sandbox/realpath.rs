//! Real paths for the plan, at one `lstat` per directory not seen before.
//!
//! `std::fs::canonicalize` (glibc `realpath`) spends a `readlink` on every component of every
//! path, and the sandbox plan resolves a dozen paths below the same few directories (`$HOME`,
//! `/dev`) at every launch: 23 `readlink`s and 26 `statx`s before this existed. Here a directory
//! found not to be a symlink is remembered, and a path below it costs one `lstat` per new
//! component, which also gives the file type that the rule needs.
//!
//! Anything unusual (a symlink on the way, `..`, a relative path, a trailing slash, an error)
//! falls back to `canonicalize`, so the answer and every error message are realpath's.
//!
//! The paths compared here are all resolved (absolute, no `.`, `..` or repeated `/`), so
//! "beneath" and "equal" are byte comparisons: `Path::starts_with` and `Path::eq` parse
//! components, and the plan compares every rule with every hidden path.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Whether `path` is `dir` or lies beneath it; both resolved.
pub fn beneath(path: &Path, dir: &Path) -> bool {
    let (p, d) = (path.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
    p.starts_with(d) && (p.len() == d.len() || d.ends_with(b"/") || p[d.len()] == b'/')
}

/// Whether two resolved paths are the same path.
pub fn same(a: &Path, b: &Path) -> bool {
    a.as_os_str() == b.as_os_str()
}

/// A resolved path's parent directory and its last component; None for `/`.
pub fn split_last(path: &Path) -> Option<(&Path, &OsStr)> {
    let bytes = path.as_os_str().as_bytes();
    let slash = bytes.iter().rposition(|&b| b == b'/')?;
    let name = &bytes[slash + 1..];
    if name.is_empty() {
        return None;
    }
    let parent = if slash == 0 { b"/" } else { &bytes[..slash] };
    Some((
        Path::new(OsStr::from_bytes(parent)),
        OsStr::from_bytes(name),
    ))
}

/// Remembers the directories already found to be real, and the listings already read: a path
/// below a listed directory is answered from its listing (hiding lists `$HOME` anyway, and a
/// dozen secret paths below it would otherwise cost an `lstat` each).
#[derive(Debug)]
pub struct Resolver {
    real_dirs: Vec<PathBuf>,
    listings: Vec<(PathBuf, Listing)>,
}

/// A directory's entries sorted by name, or why it could not be listed.
pub type Listing = std::result::Result<Vec<(OsString, Kind)>, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    Symlink,
    Other,
    /// The file type could not be read: ask `lstat`.
    Unknown,
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver {
            real_dirs: vec![PathBuf::from("/")],
            listings: Vec::new(),
        }
    }
}

enum Walk {
    /// The whole path exists and no component is a symlink: (path, is_dir).
    Real(PathBuf, bool),
    /// The path is written in resolved form: what exists of it is real, the rest does not exist.
    Missing,
    /// Something only realpath can answer.
    Other,
}

impl Resolver {
    /// `canonicalize`, and whether the result is a directory.
    pub fn real(&mut self, path: &Path) -> io::Result<(PathBuf, bool)> {
        match self.walk(path) {
            Walk::Real(real, is_dir) => Ok((real, is_dir)),
            Walk::Missing | Walk::Other => {
                let real = path.canonicalize()?;
                let is_dir = real.is_dir();
                if is_dir {
                    self.remember(&real);
                }
                Ok((real, is_dir))
            }
        }
    }

    /// The existing part of `path` resolved and the rest kept as written (it may be created
    /// later), and whether it exists; None when not even `/` resolves.
    pub fn existing_part(&mut self, path: &Path) -> Option<(PathBuf, bool)> {
        match self.walk(path) {
            Walk::Real(real, _) => return Some((real, true)),
            Walk::Missing => return Some((path.to_path_buf(), false)),
            Walk::Other => {}
        }
        if let Ok(real) = path.canonicalize() {
            return Some((real, true));
        }
        let mut rest = Vec::new();
        let mut cur = path;
        loop {
            let parent = cur.parent()?;
            rest.push(cur.file_name()?.to_owned());
            if let Ok(real) = parent.canonicalize() {
                let mut out = real;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Some((out, false));
            }
            cur = parent;
        }
    }

    /// A directory known to be real (resolved by the caller).
    pub fn remember(&mut self, dir: &Path) {
        if !self.real_dirs.iter().any(|d| same(d, dir)) {
            self.real_dirs.push(dir.to_path_buf());
        }
    }

    pub fn is_real_dir(&self, dir: &Path) -> bool {
        self.real_dirs.iter().any(|d| same(d, dir))
    }

    /// The entries of `dir` (resolved), read once.
    pub fn list(&mut self, dir: &Path) -> &Listing {
        let i = match self.listings.iter().position(|(d, _)| same(d, dir)) {
            Some(i) => i,
            None => {
                let listing = read_listing(dir);
                self.listings.push((dir.to_path_buf(), listing));
                self.listings.len() - 1
            }
        };
        &self.listings[i].1
    }

    /// What the listing of `dir`, if it was read, says about `name`: Some(None) when absent.
    fn listed(&self, dir: &Path, name: &[u8]) -> Option<Option<Kind>> {
        let (_, Ok(entries)) = self.listings.iter().find(|(d, _)| same(d, dir))? else {
            return None;
        };
        let found = entries
            .binary_search_by(|(n, _)| n.as_bytes().cmp(name))
            .ok()
            .map(|i| entries[i].1);
        Some(found)
    }

    fn walk(&mut self, path: &Path) -> Walk {
        let bytes = path.as_os_str().as_bytes();
        // Only a plain absolute path: no `.`, `..`, empty component or trailing slash.
        let plain = bytes.first() == Some(&b'/')
            && (bytes.len() == 1
                || bytes[1..]
                    .split(|&b| b == b'/')
                    .all(|c| !c.is_empty() && c != b"." && c != b".."));
        if !plain {
            return Walk::Other;
        }
        // Start below the longest directory known to be real that the path lies beneath.
        let start = self
            .real_dirs
            .iter()
            .filter(|d| beneath(path, d))
            .map(|d| d.as_os_str().len())
            .max()
            .unwrap_or(1);
        if start == bytes.len() {
            return Walk::Real(path.to_path_buf(), true);
        }
        let mut end = start;
        loop {
            // The next component ends at the next slash (or the end of the path).
            let from = if end == 1 { 1 } else { end + 1 };
            end = bytes[from..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(bytes.len(), |i| from + i);
            let last = end == bytes.len();
            let next = Path::new(OsStr::from_bytes(&bytes[..end]));
            let parent = Path::new(OsStr::from_bytes(&bytes[..from.max(2) - 1]));
            let kind = match self.listed(parent, &bytes[from..end]) {
                Some(None) => return Walk::Missing,
                Some(Some(Kind::Unknown)) | None => next.symlink_metadata().map(|m| {
                    let t = m.file_type();
                    match () {
                        _ if t.is_symlink() => Kind::Symlink,
                        _ if t.is_dir() => Kind::Dir,
                        _ => Kind::Other,
                    }
                }),
                Some(Some(kind)) => Ok(kind),
            };
            match kind {
                Ok(Kind::Symlink | Kind::Unknown) => return Walk::Other,
                Ok(Kind::Dir) => {
                    self.real_dirs.push(next.to_path_buf());
                    if last {
                        return Walk::Real(next.to_path_buf(), true);
                    }
                }
                Ok(Kind::Other) if last => return Walk::Real(next.to_path_buf(), false),
                Ok(Kind::Other) => return Walk::Other,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Walk::Missing,
                Err(_) => return Walk::Other,
            }
        }
    }
}

fn read_listing(dir: &Path) -> Listing {
    let entries = std::fs::read_dir(dir).map_err(|e| super::access::describe(&e))?;
    let mut out: Vec<(OsString, Kind)> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let kind = match e.file_type() {
                Ok(t) if t.is_symlink() => Kind::Symlink,
                Ok(t) if t.is_dir() => Kind::Dir,
                Ok(_) => Kind::Other,
                Err(_) => Kind::Unknown,
            };
            (e.file_name(), kind)
        })
        .collect();
    // Names in a directory are unique: no stable sort (and its stack scratch space) needed.
    out.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let dir = crate::sandbox::test_scratch()
            .join(format!("unit-realpath-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn byte_comparisons() {
        let p = Path::new;
        assert!(beneath(p("/a/b"), p("/a")) && beneath(p("/a"), p("/a")));
        assert!(beneath(p("/a"), p("/")) && beneath(p("/"), p("/")));
        assert!(!beneath(p("/ab"), p("/a")) && !beneath(p("/a"), p("/a/b")));
        assert!(same(p("/a/b"), p("/a/b")) && !same(p("/a/b"), p("/a/c")));
        assert_eq!(split_last(p("/usr")), Some((p("/"), OsStr::new("usr"))));
        assert_eq!(split_last(p("/a/b/c")), Some((p("/a/b"), OsStr::new("c"))));
        assert_eq!(split_last(p("/")), None);
    }

    #[test]
    fn agrees_with_canonicalize() {
        let t = tmp("agree");
        std::fs::create_dir_all(t.join("real/sub")).unwrap();
        std::fs::write(t.join("real/file"), "x").unwrap();
        std::os::unix::fs::symlink(t.join("real"), t.join("link")).unwrap();
        std::os::unix::fs::symlink("real/file", t.join("filelink")).unwrap();
        let mut r = Resolver::default();
        for rel in [
            "real",
            "real/sub",
            "real/file",
            "link",
            "link/sub",
            "filelink",
            "real/../real/sub",
            "real/./sub",
        ] {
            let path = t.join(rel);
            let want = path.canonicalize().unwrap();
            assert_eq!(
                r.real(&path).unwrap(),
                (want.clone(), want.is_dir()),
                "{rel}"
            );
        }
        // the same errors as realpath
        for rel in ["missing", "real/file/below", "real/file/", "link/missing"] {
            let path = t.join(rel);
            let want = path.canonicalize().unwrap_err().kind();
            assert_eq!(r.real(&path).unwrap_err().kind(), want, "{rel}");
        }
        // a symlink never becomes a known real directory
        assert!(!r.is_real_dir(&t.join("link")) && r.is_real_dir(&t.join("real/sub")));
    }

    #[test]
    fn missing_tails_are_kept_as_written() {
        let t = tmp("missing");
        std::fs::create_dir(t.join("real")).unwrap();
        std::os::unix::fs::symlink(t.join("real"), t.join("link")).unwrap();
        let mut r = Resolver::default();
        assert_eq!(
            r.existing_part(&t.join("real/a/b")),
            Some((t.join("real/a/b"), false))
        );
        assert_eq!(
            r.existing_part(&t.join("link/a/b")),
            Some((t.join("real/a/b"), false))
        );
        assert_eq!(
            r.existing_part(&t.join("link")),
            Some((t.join("real"), true))
        );
    }
}
