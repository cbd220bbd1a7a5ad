//! Privileges: no_new_privs, capabilities and identity (`--keep-caps`, `--user`).
//!
//! Landlock confines file access by path, not what capabilities allow beyond it (chown, chmod,
//! raw sockets, loading modules …). So unless `--keep-caps`, the server starts with none: the
//! bounding set is emptied (then no execve, not even of a setuid-root or file-capability binary
//! by root, can give any back), and the effective, permitted, inheritable and ambient sets are
//! cleared. The order, all before no_new_privs and Landlock:
//!
//!   drop the bounding set (needs CAP_SETPCAP) → setgroups([]), setgid, setuid (need
//!   CAP_SETGID/CAP_SETUID) → clear the other sets → read them all back
//!
//! Read back, so that what explain promised is checked, not assumed.

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::plan::Request;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivPlan {
    /// mcpjail runs with effective uid 0.
    pub root: bool,
    /// Clear every capability (unless `--keep-caps`).
    pub drop: bool,
    /// `--user`: (uid, gid), the gid from the password database when not given.
    pub user: Option<(u32, u32)>,
}

pub fn plan(req: &Request) -> Result<PrivPlan> {
    let root = is_root();
    let user = match req.user {
        None => None,
        Some((uid, gid)) => {
            let gid = match gid {
                Some(g) => g,
                None => primary_group(uid).ok_or_else(|| {
                    Error::new(format!(
                        "--user {uid}: no such user in the password database; give the group \
                         too (--user {uid}:GID)"
                    ))
                })?,
            };
            if !root && !already(uid, gid) {
                return Err(Error::new(format!(
                    "--user {uid}:{gid}: switching identity (and clearing the groups) needs root \
                     (mcpjail runs as uid {})",
                    nix::unistd::getuid()
                )));
            }
            if req.keep_caps && uid != 0 {
                return Err(Error::new(format!(
                    "--keep-caps with --user {uid}: capabilities do not survive the switch to \
                     another user than root; drop one of them"
                )));
            }
            Some((uid, gid))
        }
    };
    Ok(PrivPlan {
        root,
        drop: !req.keep_caps,
        user,
    })
}

/// This process already is `uid:gid`, with no other group: nothing to switch.
fn already(uid: u32, gid: u32) -> bool {
    let (mut r, mut e, mut s) = (0, 0, 0);
    let (mut gr, mut ge, mut gs) = (0, 0, 0);
    // SAFETY: each pointer is to a local that outlives the call.
    let ok = unsafe {
        libc::getresuid(&mut r, &mut e, &mut s) == 0
            && libc::getresgid(&mut gr, &mut ge, &mut gs) == 0
    };
    let own = nix::unistd::Gid::from_raw(gid);
    let groups = nix::unistd::getgroups().is_ok_and(|g| g.iter().all(|&x| x == own));
    ok && [r, e, s] == [uid; 3] && [gr, ge, gs] == [gid; 3] && groups
}

fn primary_group(uid: u32) -> Option<u32> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.gid.as_raw())
}

impl PrivPlan {
    pub fn to_json(&self) -> Value {
        let note = match (self.drop, self.root) {
            (true, true) => {
                "all capabilities dropped: effective, permitted, inheritable, ambient and the bounding set"
            }
            (true, false) => {
                "effective, permitted, inheritable and ambient capabilities cleared; the bounding set \
                              stays (changing it needs a capability mcpjail does not have) and gives nothing back: \
                              no_new_privs makes execve ignore setuid bits and file capabilities"
            }
            (false, true) => {
                "--keep-caps: the server keeps root's capabilities. Landlock confines file access by \
                              path, not what they allow beyond it: chown, chmod and utime of any file, raw sockets, \
                              TCP_REPAIR (a connection Landlock never sees), loading kernel modules"
            }
            (false, false) => "--keep-caps: capabilities are left as inherited",
        };
        json!({
            "dropped": self.drop,
            "user": self.user.map(|(uid, gid)| json!({"uid": uid, "gid": gid, "groups": []})),
            "note": note,
        })
    }

    /// Drop capabilities and switch identity, in the order the module comment gives.
    pub fn apply(&self) -> Result<()> {
        if self.drop && self.root {
            drop_bounding_set()?;
        }
        if let Some((uid, gid)) = self.user {
            switch_user(uid, gid)?;
        }
        if self.drop {
            clear_caps()?;
            verify_clear()?;
        }
        Ok(())
    }
}

fn os_err(what: &str) -> Error {
    let e = super::access::describe(&std::io::Error::last_os_error());
    Error::new(format!(
        "{what}: {e}; not running the server with more privileges than planned"
    ))
}

fn drop_bounding_set() -> Result<()> {
    // With CAP_SETPCAP, dropping a capability that is not in the set succeeds, so no read is
    // needed first; EINVAL marks the first number past the kernel's last capability. Without
    // it (root in a container started with every capability dropped, or inside another
    // mcpjail) every drop fails with EPERM, which is fine for a capability already out of the
    // set: only one still in it is an error.
    for cap in 0..64 {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } == 0 {
            continue;
        }
        let mut err = std::io::Error::last_os_error().raw_os_error();
        if err == Some(libc::EPERM) {
            // SAFETY: as above. 0: not in the set; -1 with EINVAL: past the last capability.
            match unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong, 0, 0, 0) } {
                0 => continue,
                -1 => err = std::io::Error::last_os_error().raw_os_error(),
                _ => {}
            }
        }
        match err {
            Some(libc::EINVAL) if cap > 0 => return Ok(()),
            _ => {
                return Err(os_err(&format!(
                    "cannot drop capability {cap} from the bounding set"
                )));
            }
        }
    }
    Ok(())
}

fn switch_user(uid: u32, gid: u32) -> Result<()> {
    if already(uid, gid) {
        return Ok(());
    }
    // SAFETY: plain system calls with integer arguments (setgroups with an empty list).
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            return Err(os_err("--user: setgroups"));
        }
        if libc::setresgid(gid, gid, gid) != 0 {
            return Err(os_err(&format!("--user: setgid {gid}")));
        }
        if libc::setresuid(uid, uid, uid) != 0 {
            return Err(os_err(&format!("--user: setuid {uid}")));
        }
    }
    if !already(uid, gid) {
        return Err(Error::new(format!(
            "--user {uid}:{gid}: the identity did not change as asked; not running the server"
        )));
    }
    Ok(())
}

/// linux/capability.h: version 3 takes two 32-bit words per set.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn clear_caps() -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    if unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        )
    } != 0
    {
        return Err(os_err("cannot clear the ambient capabilities"));
    }
    let header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData::default(); 2];
    // SAFETY: header and two data words, as version 3 of capset expects.
    if unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) } != 0 {
        return Err(os_err("cannot clear the capabilities"));
    }
    Ok(())
}

fn verify_clear() -> Result<()> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: as for capset; the kernel fills the two data words.
    let ok = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) } == 0;
    let sets_clear = ok
        && data
            .iter()
            .all(|d| d.effective == 0 && d.permitted == 0 && d.inheritable == 0);
    // The ambient set needs no read of its own: the kernel keeps it a subset of the permitted
    // set, which capget just reported empty. The bounding set was checked as it was dropped:
    // PR_CAPBSET_DROP succeeds only once the capability is out of the set.
    if !sets_clear {
        return Err(Error::new(
            "capabilities are still held after dropping them; not running the server",
        ));
    }
    Ok(())
}

/// PR_SET_NO_NEW_PRIVS: from here on execve never grants privileges (setuid/setgid bits and file
/// capabilities are ignored), for this process and everything it starts. Landlock requires it of
/// an unprivileged caller anyway; mcpjail sets it for root too. Read back, so that what explain
/// promised is checked, not assumed.
pub fn no_new_privs() -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    let set = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    // SAFETY: as above.
    let got = unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) };
    if set != 0 || got != 1 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(format!("cannot set no_new_privs: {e}")));
    }
    Ok(())
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}
