//! Privileges: no_new_privs now; capabilities and identity (`--keep-caps`, `--user`) are the
//! hardening issue's and will live here too.

use crate::error::{Error, Result};

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
