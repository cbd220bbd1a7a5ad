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
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// The listed directories' descriptors, for the ruleset.
    opened: Vec<(PathBuf, Arc<OwnedFd>)>,
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
            opened: Vec::new(),
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
                let (listing, fd) = read_listing(dir);
                if let Some(fd) = fd {
                    self.opened.push((dir.to_path_buf(), fd));
                }
                self.listings.push((dir.to_path_buf(), listing));
                self.listings.len() - 1
            }
        };
        &self.listings[i].1
    }

    /// The descriptors of the directories listed so far.
    pub fn opened_dirs(&self) -> Vec<(PathBuf, Arc<OwnedFd>)> {
        self.opened.clone()
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

/// List `dir` through a descriptor that the ruleset reuses (the directory's listing rule, and
/// the base its entries are opened from): opened without following symlinks anywhere on the
/// path (the plan resolved it), read with `getdents64` into a small buffer.
fn read_listing(dir: &Path) -> (Listing, Option<Arc<OwnedFd>>) {
    let fd = match open_dir(dir) {
        Ok(fd) => fd,
        Err(e) => return (Err(super::access::describe(&e)), None),
    };
    let mut out: Vec<(OsString, Kind)> = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        // SAFETY: the buffer is writable for its length; the kernel writes at most that much.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                fd.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return (Err(super::access::describe(&e)), None);
        }
        if n == 0 {
            break;
        }
        // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
        // (NUL-terminated), each record d_reclen long.
        let mut at = 0;
        while at + 19 <= n as usize {
            let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
            if reclen < 20 || at + reclen > n as usize {
                break;
            }
            let d_type = buf[at + 18];
            let record = &buf[at + 19..at + reclen];
            let name = &record[..record.iter().position(|&b| b == 0).unwrap_or(record.len())];
            at += reclen;
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match d_type {
                libc::DT_DIR => Kind::Dir,
                libc::DT_LNK => Kind::Symlink,
                libc::DT_UNKNOWN => kind_at(&fd, name),
                _ => Kind::Other,
            };
            out.push((OsStr::from_bytes(name).to_owned(), kind));
        }
    }
    // Names in a directory are unique: no stable sort (and its stack scratch space) needed.
    out.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    (Ok(out), Some(Arc::new(fd)))
}

fn open_dir(dir: &Path) -> std::io::Result<OwnedFd> {
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
    match open_no_symlinks(None, &path, flags) {
        // No openat2 (Linux < 5.6, so no Landlock either): a plain open.
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
            std::fs::File::open(dir).map(OwnedFd::from)
        }
        other => other,
    }
}

/// `openat2(dir, path, flags, RESOLVE_NO_SYMLINKS)` (`dir` None: from the working directory):
/// fails with ELOOP if a symlink is anywhere on the path, and with ENOSYS before Linux 5.6.
pub fn open_no_symlinks(
    dir: Option<RawFd>,
    path: &std::ffi::CStr,
    flags: libc::c_int,
) -> io::Result<OwnedFd> {
    // SAFETY: open_how is plain data; zero is "no mode, no resolve flags".
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags as u64;
    how.resolve = libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: a valid path and a properly sized open_how.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.unwrap_or(libc::AT_FDCWD),
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    match fd {
        // SAFETY: a descriptor just opened and owned by nobody else.
        fd if fd >= 0 => Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }),
        _ => Err(io::Error::last_os_error()),
    }
}

/// The type of `name` in the directory `dir`, for file systems whose listings do not say.
fn kind_at(dir: &OwnedFd, name: &[u8]) -> Kind {
    let Ok(name) = std::ffi::CString::new(name) else {
        return Kind::Unknown;
    };
    // SAFETY: fstatat fills the struct it is given; all-zero is a valid initial value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a directory descriptor, a NUL-terminated name, a properly sized struct.
    let r = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    match (r, st.st_mode & libc::S_IFMT) {
        (0, libc::S_IFDIR) => Kind::Dir,
        (0, libc::S_IFLNK) => Kind::Symlink,
        (0, _) => Kind::Other,
        _ => Kind::Unknown,
    }
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
    fn listings_read_every_entry_with_its_kind() {
        let t = tmp("list");
        std::fs::create_dir(t.join("dir")).unwrap();
        std::os::unix::fs::symlink("dir", t.join("link")).unwrap();
        // far more than one getdents64 buffer holds
        let long = "x".repeat(100);
        for i in 0..300 {
            std::fs::write(t.join(format!("{long}-{i:03}")), "").unwrap();
        }
        let (listing, fd) = read_listing(&t);
        let entries = listing.unwrap();
        assert_eq!(entries.len(), 302);
        assert!(entries.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        let kind = |n: &str| entries.iter().find(|(e, _)| e == n).map(|(_, k)| *k);
        assert_eq!(kind("dir"), Some(Kind::Dir));
        assert_eq!(kind("link"), Some(Kind::Symlink));
        assert_eq!(kind(&format!("{long}-299")), Some(Kind::Other));
        assert_eq!((kind("."), kind("..")), (None, None));
        // where the file system does not say, fstatat does
        let fd = fd.unwrap();
        assert_eq!(kind_at(&fd, b"dir"), Kind::Dir);
        assert_eq!(kind_at(&fd, b"link"), Kind::Symlink);
        assert_eq!(kind_at(&fd, format!("{long}-000").as_bytes()), Kind::Other);
        assert_eq!(kind_at(&fd, b"missing"), Kind::Unknown);
        // a symlink on the way is not followed
        let (listing, fd) = read_listing(&t.join("link"));
        assert!(listing.unwrap_err().contains("symbolic links"), "ELOOP");
        assert!(fd.is_none());
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
