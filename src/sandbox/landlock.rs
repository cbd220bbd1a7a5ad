//! Landlock: which rights mcpjail handles, what the running kernel can enforce of them, and the
//! ruleset itself, built from the planned paths and applied with `restrict_self`.
//!
//! Compatibility is best effort, decided at plan time: mcpjail wants everything it was written
//! and tested for (`TARGET`), keeps what the kernel's ABI version has (the landlock crate's
//! tables say which rights each version brought), and *reports* the difference in explain and
//! on the warning line. The ruleset is then created with exactly the planned rights, through
//! the raw system calls; a kernel that refuses what its ABI version promised is an error, never
//! a quietly weaker sandbox.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use landlock::{ABI, Access, AccessFs, AccessNet, BitFlags, Scope, make_bitflags};
use serde_json::{Value, json};

use super::access::{Access as PathAccess, PathRule};
use super::realpath::{open_no_symlinks, same, split_last};
use crate::error::{Error, Result};

/// The Landlock ABI whose rights mcpjail handles: every filesystem right up to ioctl-dev (ABI 5)
/// and the signal and abstract-unix-socket scopes (ABI 6). Raised only together with tests that
/// exercise the new rights: a right handled here is denied everywhere no rule grants it. (ABI 4
/// TCP ports and ABI 9 pathname unix sockets are handled only when asked, see `restrict_tcp` and
/// `restrict_unix`.)
pub const TARGET: ABI = ABI::V6;

/// First ABI with TCP bind/connect rules, and first with the right to connect to a pathname unix
/// socket (LANDLOCK_ACCESS_FS_RESOLVE_UNIX).
pub const TCP_ABI: i32 = 4;
pub const UNIX_ABI: i32 = 9;

/// Creating device nodes is never granted, not even beneath `--rw`: a process that keeps
/// CAP_MKNOD (root) could otherwise make a node for a disk inside a writable directory and write
/// the disk through it.
const NEVER: BitFlags<AccessFs> = make_bitflags!(AccessFs::{MakeChar | MakeBlock});

/// What the kernel is predicted to (or did) enforce of what mcpjail asked.
// The names mirror the crate's RulesetStatus and the strings explain prints.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    NotEnforced,
    PartiallyEnforced,
    FullyEnforced,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotEnforced => "not_enforced",
            Status::PartiallyEnforced => "partially_enforced",
            Status::FullyEnforced => "fully_enforced",
        }
    }
}

/// The kernel's answer to `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    Abi(i32),
    /// ENOSYS: Linux older than 5.13, or built without Landlock.
    Missing,
    /// EOPNOTSUPP: built with Landlock, but not enabled at boot.
    Disabled,
}

impl Kernel {
    pub fn probe() -> Kernel {
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
            return Kernel::Abi(i32::try_from(v).unwrap_or(i32::MAX));
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EOPNOTSUPP) => Kernel::Disabled,
            _ => Kernel::Missing,
        }
    }

    fn abi(self) -> ABI {
        match self {
            // The crate's own mapping (newer kernels map to the newest ABI it knows). Used only
            // to predict what the crate's best-effort compatibility will keep.
            Kernel::Abi(v) => ABI::from(v),
            Kernel::Missing | Kernel::Disabled => ABI::Unsupported,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LandlockPlan {
    pub kernel: Kernel,
    pub status: Status,
    /// Rights and scopes the kernel will enforce, and those mcpjail wants that it cannot.
    pub handled: BitFlags<AccessFs>,
    pub missing: BitFlags<AccessFs>,
    pub scopes: BitFlags<Scope>,
    pub missing_scopes: BitFlags<Scope>,
    /// TCP rights handled (`--network none` on ABI 4 and later): denied but on the allowed ports.
    pub net: BitFlags<AccessNet>,
    /// Pathname unix sockets handled (ABI 9 and later): connectable only beneath writable rules.
    pub resolve_unix: bool,
}

pub fn plan(kernel: Kernel) -> LandlockPlan {
    let abi = kernel.abi();
    let want = AccessFs::from_all(TARGET);
    let want_scopes = Scope::from_all(TARGET);
    let handled = want & AccessFs::from_all(abi);
    let scopes = want_scopes & Scope::from_all(abi);
    let status = if handled.is_empty() {
        Status::NotEnforced
    } else if handled == want && scopes == want_scopes {
        Status::FullyEnforced
    } else {
        Status::PartiallyEnforced
    };
    LandlockPlan {
        kernel,
        status,
        handled,
        missing: want & !handled,
        scopes,
        missing_scopes: want_scopes & !scopes,
        net: BitFlags::EMPTY,
        resolve_unix: false,
    }
}

impl LandlockPlan {
    fn kernel_at_least(&self, abi: i32) -> bool {
        self.status != Status::NotEnforced && matches!(self.kernel, Kernel::Abi(v) if v >= abi)
    }

    /// Handle TCP bind and connect, if the kernel can; says whether it does.
    pub fn restrict_tcp(&mut self) -> bool {
        if self.kernel_at_least(TCP_ABI) {
            self.net = AccessNet::from_all(ABI::V4);
        }
        !self.net.is_empty()
    }

    /// Handle connecting to pathname unix sockets, if the kernel can; says whether it does.
    pub fn restrict_unix(&mut self) -> bool {
        self.resolve_unix = self.kernel_at_least(UNIX_ABI);
        self.resolve_unix
    }

    /// Filesystem rights the ruleset handles: those of `TARGET` the kernel has, and
    /// RESOLVE_UNIX when restricted.
    fn fs_handled(&self) -> BitFlags<AccessFs> {
        match self.resolve_unix {
            true => self.handled | AccessFs::ResolveUnix,
            false => self.handled,
        }
    }

    /// The kernel's ABI when Landlock is enforced at all, else why not.
    pub fn reason_or_abi(&self) -> std::result::Result<i32, String> {
        match self.kernel {
            Kernel::Abi(v) if self.status != Status::NotEnforced => Ok(v),
            _ => Err(self
                .reason()
                .unwrap_or_else(|| "Landlock is not enforced".into())),
        }
    }

    /// Why the status is not `fully_enforced`, as a phrase; None when it is.
    pub fn reason(&self) -> Option<String> {
        match (self.status, self.kernel) {
            (Status::FullyEnforced, _) => None,
            (_, Kernel::Missing) => {
                Some("the kernel has no Landlock (Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK)".into())
            }
            (_, Kernel::Disabled) => {
                Some("Landlock is not enabled at boot (add landlock to the kernel's lsm= parameter)".into())
            }
            (_, Kernel::Abi(v)) => {
                let mut lacks: Vec<String> = names(self.missing).into_iter().map(String::from).collect();
                lacks.extend(scope_names(self.missing_scopes).into_iter().map(|s| format!("{s} scope")));
                Some(format!("kernel Landlock ABI {v} lacks {}", lacks.join(", ")))
            }
        }
    }

    /// Rights granted by a rule of this kind, limited to what the kernel handles (granting an
    /// unhandled right is an error for the kernel) and to what applies to a non-directory.
    pub fn rights(&self, access: PathAccess, is_dir: bool) -> BitFlags<AccessFs> {
        let all = match access {
            PathAccess::List => AccessFs::ReadDir.into(),
            PathAccess::Read => AccessFs::from_read(TARGET),
            // Unix sockets may be reached where files may be written.
            PathAccess::Write => (AccessFs::from_all(TARGET) | AccessFs::ResolveUnix) & !NEVER,
        };
        let all = if is_dir {
            all
        } else {
            all & AccessFs::from_file(TARGET)
        };
        all & self.fs_handled()
    }

    pub fn to_json(&self) -> Value {
        let kernel_abi = match self.kernel {
            Kernel::Abi(v) => json!(v),
            Kernel::Missing | Kernel::Disabled => Value::Null,
        };
        json!({
            "kernel_abi": kernel_abi,
            "target_abi": TARGET as i32,
            "status": self.status.as_str(),
            "reason": self.reason(),
            "handled": names(self.handled),
            "not_handled": names(self.missing),
            "scopes": scope_names(self.scopes),
            "scopes_not_handled": scope_names(self.missing_scopes),
            "read_rights": names(self.rights(PathAccess::Read, true)),
            "list_rights": names(self.rights(PathAccess::List, true)),
            "write_rights": names(self.rights(PathAccess::Write, true)),
            "net_handled": self.net.iter().map(|a| match a {
                AccessNet::BindTcp => "bind_tcp",
                AccessNet::ConnectTcp => "connect_tcp",
                _ => "unknown",
            }).collect::<Vec<_>>(),
            "resolve_unix_handled": self.resolve_unix,
        })
    }
}

/// Kernel names of filesystem rights (LANDLOCK_ACCESS_FS_*, lower case).
pub fn names(rights: BitFlags<AccessFs>) -> Vec<&'static str> {
    rights
        .iter()
        .map(|r| match r {
            AccessFs::Execute => "execute",
            AccessFs::WriteFile => "write_file",
            AccessFs::ReadFile => "read_file",
            AccessFs::ReadDir => "read_dir",
            AccessFs::RemoveDir => "remove_dir",
            AccessFs::RemoveFile => "remove_file",
            AccessFs::MakeChar => "make_char",
            AccessFs::MakeDir => "make_dir",
            AccessFs::MakeReg => "make_reg",
            AccessFs::MakeSock => "make_sock",
            AccessFs::MakeFifo => "make_fifo",
            AccessFs::MakeBlock => "make_block",
            AccessFs::MakeSym => "make_sym",
            AccessFs::Refer => "refer",
            AccessFs::Truncate => "truncate",
            AccessFs::IoctlDev => "ioctl_dev",
            AccessFs::ResolveUnix => "resolve_unix",
            _ => "unknown",
        })
        .collect()
}

pub fn scope_names(scopes: BitFlags<Scope>) -> Vec<&'static str> {
    scopes
        .iter()
        .map(|s| match s {
            Scope::AbstractUnixSocket => "abstract_unix_socket",
            Scope::Signal => "signal",
            _ => "unknown",
        })
        .collect()
}

/// The ruleset, made with the raw system calls: the plan has already cut every right to the
/// kernel's ABI (the crate's best-effort layer would only repeat that), and this runs at every
/// launch, where the crate's own `fstat` per rule and second version probe cost time.
/// Holds the rule paths' descriptors as well: they stay open until `execve` closes them (all
/// are close-on-exec), a system call fewer per rule.
pub struct Built {
    ruleset: Option<OwnedFd>,
    paths: Vec<OwnedFd>,
}

// struct landlock_ruleset_attr (ABI 6 size; an older kernel accepts it while the fields it
// does not know are zero, and the plan leaves them zero there).
#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

// struct landlock_path_beneath_attr, packed in the kernel's uapi.
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

#[repr(C)]
struct NetPortAttr {
    allowed_access: u64,
    port: u64,
}

const RULE_PATH_BENEATH: libc::c_int = 1;
/// LANDLOCK_MAX_NUM_LAYERS: restrict_self fails with E2BIG beyond it.
const MAX_LAYERS: usize = 16;
const RULE_NET_PORT: libc::c_int = 2;

fn add_rule<T>(ruleset: &OwnedFd, kind: libc::c_int, attr: &T) -> std::io::Result<()> {
    // SAFETY: attr is the rule struct of that kind, alive for the call; flags must be 0.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset.as_raw_fd(),
            kind,
            attr as *const T,
            0,
        )
    };
    match r {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

fn add_path(ruleset: &OwnedFd, fd: RawFd, rights: BitFlags<AccessFs>) -> std::io::Result<()> {
    let attr = PathBeneathAttr {
        allowed_access: rights.bits(),
        parent_fd: fd,
    };
    add_rule(ruleset, RULE_PATH_BENEATH, &attr)
}

/// Create the ruleset and add one rule per planned path. Opens each path (O_PATH) now, before
/// anything irreversible happens, so that a path that vanished since planning is reported.
/// `connect` and `bind` are the TCP ports allowed when TCP is handled.
///
/// A listed directory's rule binds the descriptor planning listed it through (`listed`), and
/// the paths directly in a listed directory (the read rules that replace read on `/`, the
/// default writable paths in `$HOME`) are opened relative to it: one path component each,
/// never followed if it is a symlink now, instead of a walk from `/`.
pub fn build(
    plan: &LandlockPlan,
    rules: &[PathRule],
    listed: &[(PathBuf, Arc<OwnedFd>)],
    connect: &[u16],
    bind: &[u16],
) -> Result<Built> {
    let mut built = Built {
        ruleset: None,
        paths: Vec::new(),
    };
    if plan.status == Status::NotEnforced {
        // Said in the plan (and refused there under --strict): there is nothing to build.
        return Ok(built);
    }
    let attr = RulesetAttr {
        handled_access_fs: plan.fs_handled().bits(),
        handled_access_net: plan.net.bits(),
        scoped: plan.scopes.bits(),
    };
    // SAFETY: a valid attribute struct and its size; flags 0 creates a ruleset.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            std::mem::size_of::<RulesetAttr>(),
            0,
        )
    };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(format!(
            "landlock: the kernel refused the ruleset its ABI promised ({}): not running the \
             server less confined than planned",
            super::access::describe(&e)
        )));
    }
    // SAFETY: a descriptor the kernel just returned, owned by nobody else.
    let ruleset = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };

    // Keep the rule descriptors open for execve to close, unless they could crowd the
    // descriptor limit.
    let keep_open = nofile_limit() > rules.len() as u64 + 64;
    // The descriptor planning listed `dir` through, if it did.
    let listed_fd = |dir: &Path| {
        listed
            .iter()
            .find(|(d, _)| same(d, dir))
            .map(|(_, fd)| fd.as_raw_fd())
    };
    for rule in rules {
        let rights = plan.rights(rule.access, rule.is_dir);
        if rights.is_empty() {
            continue;
        }
        // A directory listed while planning: the same descriptor, so the same directory.
        if rule.access == PathAccess::List
            && let Some(fd) = listed_fd(&rule.path)
        {
            add_path(&ruleset, fd, rights)
                .map_err(|e| Error::new(format!("landlock: {}: {e}", rule.label())))?;
            continue;
        }
        let below = match rule.create {
            true => None,
            false => {
                split_last(&rule.path).and_then(|(parent, name)| Some((listed_fd(parent)?, name)))
            }
        };
        let opened = match below {
            Some((dir, name)) => open_below(dir, name),
            None => open_rule(rule),
        };
        let fd = match opened {
            Ok(fd) => fd,
            Err(e) if rule.required => return Err(Error::new(format!("{}: {e}", rule.label()))),
            Err(e) => {
                log::info!("{}: skipped: {e}", rule.label());
                continue;
            }
        };
        match add_path(&ruleset, fd.as_raw_fd(), rights) {
            Ok(()) => {}
            // Directory rights on what is not a directory any more: the kernel refuses them.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && rule.is_dir && !is_dir(&fd) => {
                log::info!(
                    "{}: not a directory any more: file rights only",
                    rule.label()
                );
                add_path(
                    &ruleset,
                    fd.as_raw_fd(),
                    rights & AccessFs::from_file(TARGET),
                )
                .map_err(|e| Error::new(format!("landlock: {}: {e}", rule.label())))?;
            }
            Err(e) => return Err(Error::new(format!("landlock: {}: {e}", rule.label()))),
        }
        if keep_open {
            built.paths.push(fd);
        }
    }
    if !plan.net.is_empty() {
        let ports = connect
            .iter()
            .map(|&p| (p, AccessNet::ConnectTcp))
            .chain(bind.iter().map(|&p| (p, AccessNet::BindTcp)));
        for (port, access) in ports {
            let attr = NetPortAttr {
                allowed_access: BitFlags::from(access).bits(),
                port: port.into(),
            };
            add_rule(&ruleset, RULE_NET_PORT, &attr)
                .map_err(|e| Error::new(format!("landlock: TCP port {port}: {e}")))?;
        }
    }
    built.ruleset = Some(ruleset);
    Ok(built)
}

/// Whether `fd` refers to a directory (false when it cannot be told).
fn is_dir(fd: &OwnedFd) -> bool {
    // SAFETY: fstat fills the struct it is given; all-zero is a valid initial value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a properly sized struct.
    let r = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) };
    r == 0 && st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

fn nofile_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given.
    match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } {
        0 => lim.rlim_cur,
        _ => 0,
    }
}

/// A path directly in a directory planning listed: one component, opened relative to that
/// directory's descriptor, refused (like `open_rule`) if it is a symlink now.
fn open_below(dir: RawFd, name: &std::ffi::OsStr) -> std::result::Result<OwnedFd, String> {
    use std::os::unix::ffi::OsStrExt;
    let name =
        std::ffi::CString::new(name.as_bytes()).map_err(|_| "contains a NUL byte".to_string())?;
    opened(open_no_symlinks(
        Some(dir),
        &name,
        libc::O_PATH | libc::O_CLOEXEC,
    ))
}

/// Open a rule's path (O_PATH) for the ruleset. The path was resolved when planned and is what
/// explain shows; a symlink on it now means it was replaced since the check, and following it
/// would bind the rule to whatever the symlink names (found by tests/reliability.rs: `--rw DIR`
/// swapped for a symlink to another directory made that directory writable). So symlinks are
/// refused anywhere on the path (openat2 RESOLVE_NO_SYMLINKS, Linux 5.6, older than Landlock).
/// A default directory created right before (`create`) may lie beneath a symlinked `~/.local`
/// that planning did not resolve: it is opened as before.
fn open_rule(rule: &PathRule) -> std::result::Result<OwnedFd, String> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(rule.path.as_os_str().as_bytes())
        .map_err(|_| "contains a NUL byte".to_string())?;
    let flags = libc::O_PATH | libc::O_CLOEXEC;
    let open = |flags: libc::c_int| {
        // SAFETY: a valid NUL-terminated path; the result is checked before use.
        let fd = unsafe { libc::open(path.as_ptr(), flags) };
        match fd {
            // SAFETY: a descriptor just opened and owned by nobody else.
            fd if fd >= 0 => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
            _ => Err(std::io::Error::last_os_error()),
        }
    };
    let fd = match rule.create {
        true => open(flags),
        false => match open_no_symlinks(None, &path, flags) {
            // No openat2, so no Landlock either: nothing this rule binds is enforced.
            Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => open(flags | libc::O_NOFOLLOW),
            other => other,
        },
    };
    opened(fd)
}

/// An open's result as the ruleset reports it: ELOOP means a symlink appeared since planning.
fn opened(fd: std::io::Result<OwnedFd>) -> std::result::Result<OwnedFd, String> {
    match fd {
        Ok(fd) => Ok(fd),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Err(
            "changed since it was checked: a symlink is on its path now (not following it, the \
             rule would bind what it points to)"
                .into(),
        ),
        Err(e) => Err(super::access::describe(&e)),
    }
}

impl Built {
    /// Apply the ruleset to this process (and so to the program it execs). The descriptors are
    /// left for execve to close.
    pub fn restrict(self) -> Result<()> {
        use std::os::fd::IntoRawFd;
        let Some(ruleset) = &self.ruleset else {
            return Ok(());
        };
        // SAFETY: a ruleset descriptor; flags 0.
        let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset.as_raw_fd(), 0) };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            let why = match e.raw_os_error() {
                Some(libc::E2BIG) => format!(
                    "this process is already inside {MAX_LAYERS} nested Landlock sandboxes, the \
                     kernel's limit"
                ),
                _ => super::access::describe(&e),
            };
            return Err(Error::new(format!(
                "landlock: {why}; not running the server less confined than planned"
            )));
        }
        for fd in self.paths.into_iter().chain(self.ruleset) {
            let _ = fd.into_raw_fd();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_by_kernel_abi() {
        let table: &[(Kernel, Status, &[&str], &[&str])] = &[
            (
                Kernel::Abi(1),
                Status::PartiallyEnforced,
                &["refer", "truncate", "ioctl_dev"],
                &["abstract_unix_socket", "signal"],
            ),
            (
                Kernel::Abi(3),
                Status::PartiallyEnforced,
                &["ioctl_dev"],
                &["abstract_unix_socket", "signal"],
            ),
            (
                Kernel::Abi(5),
                Status::PartiallyEnforced,
                &[],
                &["abstract_unix_socket", "signal"],
            ),
            (Kernel::Abi(6), Status::FullyEnforced, &[], &[]),
            (Kernel::Abi(7), Status::FullyEnforced, &[], &[]),
            (Kernel::Abi(99), Status::FullyEnforced, &[], &[]),
        ];
        for (kernel, status, missing, missing_scopes) in table {
            let p = plan(*kernel);
            assert_eq!(p.status, *status, "{kernel:?}");
            assert_eq!(names(p.missing), *missing, "{kernel:?}");
            assert_eq!(scope_names(p.missing_scopes), *missing_scopes, "{kernel:?}");
            assert_eq!(
                p.reason().is_none(),
                *status == Status::FullyEnforced,
                "{kernel:?}"
            );
        }
        for kernel in [Kernel::Missing, Kernel::Disabled] {
            let p = plan(kernel);
            assert_eq!(p.status, Status::NotEnforced);
            assert!(p.handled.is_empty() && p.scopes.is_empty());
            assert_eq!(p.missing, AccessFs::from_all(TARGET));
            assert!(p.reason().unwrap().contains("Landlock"));
        }
        let reason = plan(Kernel::Abi(3)).reason().unwrap();
        assert_eq!(
            reason,
            "kernel Landlock ABI 3 lacks ioctl_dev, abstract_unix_socket scope, signal scope"
        );
    }

    #[test]
    fn rights_per_rule() {
        let p = plan(Kernel::Abi(7));
        assert_eq!(
            names(p.rights(PathAccess::Read, true)),
            ["execute", "read_file", "read_dir"]
        );
        let write = p.rights(PathAccess::Write, true);
        for r in [
            "write_file",
            "remove_dir",
            "remove_file",
            "make_dir",
            "make_reg",
            "make_sym",
            "refer",
            "truncate",
        ] {
            assert!(names(write).contains(&r), "{r}");
        }
        assert!(!write.contains(AccessFs::MakeChar) && !write.contains(AccessFs::MakeBlock));
        assert_eq!(
            names(p.rights(PathAccess::Write, false)),
            [
                "execute",
                "write_file",
                "read_file",
                "truncate",
                "ioctl_dev"
            ]
        );
        // an old kernel: rights it does not handle are not granted (the kernel would refuse)
        assert!(
            !plan(Kernel::Abi(2))
                .rights(PathAccess::Write, false)
                .contains(AccessFs::Truncate)
        );
        assert!(
            plan(Kernel::Missing)
                .rights(PathAccess::Write, true)
                .is_empty()
        );
    }

    #[test]
    fn tcp_and_unix_rights_only_where_the_kernel_has_them() {
        for (kernel, tcp, unix) in [
            (Kernel::Abi(3), false, false),
            (Kernel::Abi(4), true, false),
            (Kernel::Abi(7), true, false),
            (Kernel::Abi(9), true, true),
            (Kernel::Missing, false, false),
        ] {
            let mut p = plan(kernel);
            assert_eq!(p.restrict_tcp(), tcp, "{kernel:?}");
            assert_eq!(p.restrict_unix(), unix, "{kernel:?}");
            // sockets may be reached where files may be written, nowhere else
            assert_eq!(
                p.rights(PathAccess::Write, true)
                    .contains(AccessFs::ResolveUnix),
                unix,
                "{kernel:?}"
            );
            assert!(
                !p.rights(PathAccess::Read, true)
                    .contains(AccessFs::ResolveUnix)
            );
            assert_eq!(
                names(p.rights(PathAccess::List, true)).len(),
                usize::from(kernel != Kernel::Missing)
            );
        }
        // the status prediction is unchanged: these rights are handled only when the kernel has them
        let mut p = plan(Kernel::Abi(7));
        p.restrict_tcp();
        p.restrict_unix();
        assert_eq!(p.status, Status::FullyEnforced);
    }
}
