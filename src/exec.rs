//! Finding COMMAND and replacing mcpjail with it.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::env;
use crate::error::{EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, Error};
use crate::plan::{Plan, Request};

/// Used when the server's environment has no PATH (execvp's fallback on glibc, minus the cwd).
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Resolve `req.command[0]` on the PATH of `plan.env` and fill `plan.program` and `plan.argv`;
/// a command that cannot run becomes `plan.failure` (127 not found, 126 not executable).
pub fn resolve_into(req: &Request, plan: &mut Plan) {
    let path_var = env::get(&plan.env, "PATH").unwrap_or(DEFAULT_PATH);
    match resolve(&req.command[0], path_var, req.working_dir.as_deref()) {
        Ok(program) => {
            plan.argv = std::iter::once(program.display().to_string())
                .chain(req.command[1..].iter().cloned())
                .collect();
            plan.program = program;
        }
        Err(e) => {
            plan.argv = req.command.clone();
            plan.program = PathBuf::from(&req.command[0]);
            plan.failure = Some(e);
        }
    }
}

/// Like execvp's search, but done before exec so that explain can show the result: a name with
/// a slash is taken as is (relative to `cwd` if the server has one); otherwise the first
/// executable regular file in PATH wins. Empty PATH entries (the current directory) are skipped.
pub fn resolve(command: &str, path_var: &str, cwd: Option<&Path>) -> Result<PathBuf, Error> {
    if command.contains('/') {
        let path = PathBuf::from(command);
        let probe = match cwd {
            Some(dir) if path.is_relative() => dir.join(&path),
            _ => path.clone(),
        };
        return match check(&probe) {
            Check::Ok => Ok(path),
            Check::Missing => Err(not_found(command)),
            Check::NotExecutable(why) => Err(not_executable(command, why)),
        };
    }
    let mut denied = None;
    for dir in path_var.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(command);
        match check(&candidate) {
            Check::Ok => return Ok(candidate),
            Check::Missing => {}
            Check::NotExecutable(why) => {
                denied.get_or_insert((candidate, why));
            }
        }
    }
    match denied {
        Some((path, why)) => Err(not_executable(&path.display().to_string(), why)),
        None => Err(not_found(command)),
    }
}

enum Check {
    Ok,
    Missing,
    NotExecutable(&'static str),
}

fn check(path: &Path) -> Check {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Check::Missing,
        Err(_) => return Check::NotExecutable("cannot be inspected"),
    };
    if meta.is_dir() {
        return Check::NotExecutable("is a directory");
    }
    if meta.permissions().mode() & 0o111 == 0 || !access_x(path) {
        return Check::NotExecutable("permission denied");
    }
    Check::Ok
}

fn access_x(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

fn not_found(command: &str) -> Error {
    Error::new(format!("{command}: command not found")).with_exit(EXIT_NOT_FOUND)
}

fn not_executable(command: &str, why: &str) -> Error {
    Error::new(format!("{command}: cannot execute: {why}")).with_exit(EXIT_CANNOT_EXECUTE)
}

/// Everything execve needs, as C strings, prepared before any confinement is applied so that
/// the last steps allocate nothing and cannot fail for a user-controlled reason.
pub struct Prepared {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: Option<CString>,
}

pub fn prepare(plan: &Plan) -> Result<Prepared, Error> {
    let c = |s: &[u8], what: &str| {
        CString::new(s).map_err(|_| Error::new(format!("{what} contains a NUL byte")))
    };
    Ok(Prepared {
        program: c(plan.program.as_os_str().as_bytes(), "command path")?,
        argv: plan
            .argv
            .iter()
            .map(|a| c(a.as_bytes(), "an argument"))
            .collect::<Result<_, _>>()?,
        envp: plan
            .env
            .iter()
            .map(|(k, v)| c(format!("{k}={v}").as_bytes(), "an environment variable"))
            .collect::<Result<_, _>>()?,
        cwd: plan
            .cwd
            .as_ref()
            .map(|d| c(d.as_os_str().as_bytes(), "working_dir"))
            .transpose()?,
    })
}

impl Prepared {
    /// Change to the working directory, if any. Separate from `exec` because the sandbox
    /// wants it before its ruleset is applied (the directory may be outside the allowlist).
    pub fn enter_cwd(&self) -> Result<(), Error> {
        let Some(dir) = &self.cwd else { return Ok(()) };
        // SAFETY: valid C string.
        if unsafe { libc::chdir(dir.as_ptr()) } != 0 {
            let e = std::io::Error::last_os_error();
            return Err(Error::new(format!(
                "working_dir {}: {e}",
                dir.to_string_lossy()
            )));
        }
        Ok(())
    }

    /// Replace this process with the program. Returns only on failure.
    pub fn exec(&self) -> Error {
        let argv: Vec<*const libc::c_char> = self
            .argv
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        let envp: Vec<*const libc::c_char> = self
            .envp
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        // SAFETY: NUL-terminated arrays of valid C strings that outlive the call.
        unsafe { libc::execve(self.program.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
        let e = std::io::Error::last_os_error();
        let name = self.program.to_string_lossy();
        match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) => {
                Error::new(format!("{name}: {e}")).with_exit(EXIT_NOT_FOUND)
            }
            _ => Error::new(format!("{name}: cannot execute: {e}")).with_exit(EXIT_CANNOT_EXECUTE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution() {
        assert_eq!(
            resolve("sh", "/nonexistent::/bin", None).unwrap(),
            PathBuf::from("/bin/sh")
        );
        assert_eq!(
            resolve("/bin/sh", "", None).unwrap(),
            PathBuf::from("/bin/sh")
        );
        assert_eq!(
            resolve("surely-not-a-command", "/bin", None)
                .unwrap_err()
                .exit,
            EXIT_NOT_FOUND
        );
        assert_eq!(
            resolve("/nonexistent/x", "/bin", None).unwrap_err().exit,
            EXIT_NOT_FOUND
        );
        assert_eq!(
            resolve("/etc/passwd", "/bin", None).unwrap_err().exit,
            EXIT_CANNOT_EXECUTE
        );
        assert_eq!(
            resolve("/etc", "/bin", None).unwrap_err().exit,
            EXIT_CANNOT_EXECUTE
        );
        // a relative path with a slash is looked up from the server's working directory
        assert_eq!(
            resolve("./sh", "", Some(Path::new("/bin"))).unwrap(),
            PathBuf::from("./sh")
        );
    }
}
