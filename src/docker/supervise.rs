//! The docker CLI as mcpjail's child, and mcpjail as its small supervisor.
//!
//! The CLI inherits stdin, stdout and stderr: the server's bytes never pass through mcpjail.
//! mcpjail blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD and waits for them synchronously (no
//! handler, no thread): SIGCHLD means the CLI may have exited — mcpjail exits with its status;
//! a terminating signal means "stop": the engine sends SIGTERM into the container, waits the
//! stop timeout, kills it, and mcpjail then exits with the CLI's status.
//!
//! The CLI gets mcpjail's original signal mask and dispositions, and PR_SET_PDEATHSIG so that
//! it dies with mcpjail even when mcpjail is killed with SIGKILL (the container it leaves is
//! then an orphan that `mcpjail cleanup` finds by its owner label).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

use super::DockerPlan;
use super::argv::ENV_FILE_FD;
use super::codes::Code;
use super::daemon::{Daemon, Outcome};
use crate::error::{Error, Result};
use crate::plan::Plan;

/// After the container stopped, how long the CLI may take to notice and exit.
const CLI_GRACE: Duration = Duration::from_secs(10);
/// How often to look whether anyone still reads the server's output (see `client_gone`).
const WATCH_CLIENT: Duration = Duration::from_millis(500);
/// While the container does not exist yet (the CLI is still creating it), how often to retry.
const RETRY: Duration = Duration::from_millis(100);

/// Run the plan's docker CLI and supervise it; the result is mcpjail's exit status.
pub fn run(plan: &Plan, docker: &DockerPlan) -> Result<i32> {
    let cmd = Prepared::new(plan)?;
    let env_text = docker.env_file_text();
    let signals = Signals::block()?;
    let pid = spawn(&cmd, env_text.as_deref(), &signals)?;
    loop {
        match signals.wait(Some(WATCH_CLIENT)) {
            Some(libc::SIGCHLD) => {
                if let Some(status) = reap(pid) {
                    return exited(status, plan, docker, &signals);
                }
            }
            Some(sig) => return Ok(stop(pid, sig, plan, docker, &signals)),
            None if client_gone() => {
                return Ok(stop(pid, libc::SIGPIPE, plan, docker, &signals));
            }
            None => {}
        }
    }
}

/// Whether the reading end of mcpjail's stdout is gone: the client closed it, or was killed
/// (SIGKILL leaves no one to send the SIGTERM a graceful client would). A server that does not
/// read stdin would otherwise run on in its container forever, attached to nobody (found by
/// tests/faults.rs). A pipe's writing end reports POLLERR once no reader is left, a socket's
/// POLLHUP; a file or a terminal never does here.
fn client_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no waiting.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n == 1 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// The CLI exited by itself. Its status is the server's, unless the CLI lost its engine or its
/// own stdio while the container ran on (found by tests/faults*.rs): a client that closes
/// stdout makes the CLI exit on EPIPE and leave the container running, and a stopped engine
/// makes it exit with whatever the engine's shutdown left. So after a failure, ask the engine:
/// a container still there is stopped and removed here, and an engine that does not answer is
/// reported as such (exit 125), never passed off as the server's own status.
fn exited(status: i32, plan: &Plan, docker: &DockerPlan, signals: &Signals) -> Result<i32> {
    if status == 0 {
        return Ok(0);
    }
    let name = &docker.name;
    let lost = |e: Error| {
        Error::new(format!(
            "container {name} lost its docker engine (the docker CLI exited with status \
             {status}; once the engine is back, `mcpjail cleanup` removes what is left of it): {}",
            e.message
        ))
    };
    let daemon = Daemon::new(&plan.program).map_err(lost)?;
    match daemon.exists(name) {
        Ok(false) => Ok(status),
        Ok(true) => {
            log::info!(
                "the docker CLI exited ({status}) and container {name} is still there: stopping it"
            );
            if let Err(e) = daemon.stop(name, docker.stop_timeout) {
                log::warn!("stopping container {name}: {e}");
            }
            // `--rm` removes it once stopped, and refuses a second removal meanwhile: wait for
            // it to be gone, removing it ourselves if it stays.
            let deadline = Instant::now() + CLI_GRACE;
            let mut removed = false;
            while daemon.exists(name).unwrap_or(false) && Instant::now() < deadline {
                if !removed {
                    removed = daemon.remove(name).is_ok();
                }
                let _ = signals.wait(Some(RETRY));
            }
            Ok(status)
        }
        Err(e) if e.message.starts_with(Code::DaemonDown.as_str()) => Err(lost(e)),
        Err(e) => {
            log::warn!("after the docker CLI exited ({status}): {e}");
            Ok(status)
        }
    }
}

/// Stop the container after `sig`, then reap the CLI; returns the CLI's status.
fn stop(pid: libc::pid_t, sig: i32, plan: &Plan, docker: &DockerPlan, signals: &Signals) -> i32 {
    let name = &docker.name;
    log::info!(
        "{}: stopping container {name} (SIGTERM inside, kill after {})",
        signal_name(sig),
        super::show_duration(docker.stop_timeout)
    );
    let daemon = match Daemon::new(&plan.program) {
        Ok(d) => Some(d),
        Err(e) => {
            log::warn!("cannot stop container {name}: {e}; killing the docker CLI");
            None
        }
    };
    let deadline = Instant::now() + docker.stop_timeout;
    let mut exited = None;
    if let Some(daemon) = &daemon {
        loop {
            if let Some(status) = reap(pid) {
                exited = Some(status);
                break;
            }
            match daemon.stop(name, docker.stop_timeout) {
                Ok(Outcome::Done) => break,
                // Not created or not started yet (the CLI may still be pulling, creating or
                // starting it), or already ended: the CLI's exit or the deadline ends the wait.
                Ok(Outcome::NotFound | Outcome::NotRunning) if Instant::now() < deadline => {
                    let _ = signals.wait(Some(RETRY));
                }
                Ok(Outcome::NotFound | Outcome::NotRunning) => break,
                Err(e) => {
                    log::warn!("stopping container {name}: {e}");
                    break;
                }
            }
        }
    }
    let status = match exited {
        Some(status) => status,
        None => wait_or_kill(pid, CLI_GRACE, signals),
    };
    // Nothing may be left behind: a container created after the stop, or one whose `--rm`
    // removal has not finished.
    if let Some(daemon) = &daemon
        && daemon.exists(name).unwrap_or(false)
    {
        log::info!("removing container {name}");
        if let Err(e) = daemon.remove(name) {
            log::warn!("removing container {name}: {e}");
        }
    }
    status
}

/// Wait up to `grace` for the CLI to exit, then kill it.
fn wait_or_kill(pid: libc::pid_t, grace: Duration, signals: &Signals) -> i32 {
    let deadline = Instant::now() + grace;
    loop {
        if let Some(status) = reap(pid) {
            return status;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let _ = signals.wait(Some(left.min(RETRY)));
    }
    log::warn!("the docker CLI did not exit; killing it");
    // SAFETY: pid is our child, not yet reaped.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    loop {
        let mut status = 0;
        // SAFETY: waiting for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return exit_status(status);
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return 128 + libc::SIGKILL;
        }
    }
}

/// The CLI's exit status if it has exited (128+N for a signal, as a shell reports it).
fn reap(pid: libc::pid_t) -> Option<i32> {
    let mut status = 0;
    // SAFETY: waiting for our own child without blocking.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if r == pid {
        return Some(exit_status(status));
    }
    if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD) {
        // Reaped by someone else (cannot happen with SIGCHLD at its default); its status is lost.
        return Some(crate::error::EXIT_FAILURE);
    }
    None
}

fn exit_status(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        crate::error::EXIT_FAILURE
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGPIPE => "nobody reads the server's output (the client closed it or is gone)",
        _ => "signal",
    }
}

/// Signals waited for synchronously, and what to give back to the child.
struct Signals {
    set: libc::sigset_t,
    old_mask: libc::sigset_t,
    chld_ignored: bool,
}

impl Signals {
    /// Block the signals mcpjail acts on. A terminating signal that mcpjail's parent set to
    /// "ignore" (nohup's SIGHUP) stays ignored: it is not a stop request.
    fn block() -> Result<Signals> {
        // SAFETY: plain libc calls on zero-initialised, properly sized structs.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut old_mask: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGCHLD);
            for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                if !is_ignored(sig) {
                    libc::sigaddset(&mut set, sig);
                }
            }
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old_mask);
            if rc != 0 {
                return Err(Error::new(format!(
                    "sigprocmask: {}",
                    std::io::Error::from_raw_os_error(rc)
                )));
            }
            // With SIGCHLD ignored the kernel reaps children itself and their status is lost;
            // mcpjail needs it, the CLI gets "ignored" back before exec.
            let chld_ignored = is_ignored(libc::SIGCHLD);
            if chld_ignored {
                libc::signal(libc::SIGCHLD, libc::SIG_DFL);
            }
            Ok(Signals {
                set,
                old_mask,
                chld_ignored,
            })
        }
    }

    /// The next signal of the set, or `None` after `timeout`.
    #[cfg(target_os = "linux")]
    fn wait(&self, timeout: Option<Duration>) -> Option<i32> {
        loop {
            // SAFETY: valid set; a null siginfo pointer is allowed.
            let r = unsafe {
                match timeout {
                    None => libc::sigwaitinfo(&self.set, std::ptr::null_mut()),
                    Some(t) => {
                        let ts = libc::timespec {
                            // `as _`: time_t is 32 or 64 bits depending on the libc
                            tv_sec: t.as_secs() as _,
                            tv_nsec: t.subsec_nanos() as libc::c_long,
                        };
                        libc::sigtimedwait(&self.set, std::ptr::null_mut(), &ts)
                    }
                }
            };
            if r > 0 {
                return Some(r);
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return None;
            }
        }
    }

    /// macOS and the BSDs have neither sigwaitinfo nor sigtimedwait: look at the pending set in
    /// short steps, and take a pending signal with sigwait (which then does not block).
    #[cfg(not(target_os = "linux"))]
    fn wait(&self, timeout: Option<Duration>) -> Option<i32> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            // SAFETY: plain libc calls on properly initialised signal sets.
            unsafe {
                let mut pending: libc::sigset_t = std::mem::zeroed();
                libc::sigpending(&mut pending);
                for sig in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                    if libc::sigismember(&self.set, sig) == 1
                        && libc::sigismember(&pending, sig) == 1
                    {
                        let mut got = 0;
                        if libc::sigwait(&self.set, &mut got) == 0 {
                            return Some(got);
                        }
                    }
                }
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn is_ignored(sig: i32) -> bool {
    // SAFETY: querying the current action only.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut act) == 0 && act.sa_sigaction == libc::SIG_IGN
    }
}

/// execve's arguments, built before fork: the child only makes async-signal-safe calls.
struct Prepared {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: Option<CString>,
}

impl Prepared {
    fn new(plan: &Plan) -> Result<Prepared> {
        let c = |s: &[u8], what: &str| {
            CString::new(s).map_err(|_| Error::new(format!("{what} contains a NUL byte")))
        };
        Ok(Prepared {
            program: c(plan.program.as_os_str().as_bytes(), "docker CLI path")?,
            argv: plan
                .argv
                .iter()
                .map(|a| c(a.as_bytes(), "an argument"))
                .collect::<Result<_>>()?,
            envp: plan
                .env
                .iter()
                .map(|(k, v)| c(format!("{k}={v}").as_bytes(), "an environment variable"))
                .collect::<Result<_>>()?,
            cwd: plan
                .cwd
                .as_ref()
                .map(|d| c(d.as_os_str().as_bytes(), "working_dir"))
                .transpose()?,
        })
    }
}

/// Where the child failed before exec, reported through a close-on-exec pipe.
const STAGE_SETUP: u32 = 1;
const STAGE_CWD: u32 = 2;
const STAGE_EXEC: u32 = 3;

fn pipe() -> Result<[libc::c_int; 2]> {
    let mut fds = [-1; 2];
    // SAFETY: fds has room for two descriptors.
    #[cfg(target_os = "linux")]
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    // No pipe2 on macOS: close-on-exec set right after (mcpjail runs no other thread here).
    // SAFETY: as above; fcntl only on the two descriptors just made.
    #[cfg(not(target_os = "linux"))]
    let rc = unsafe {
        let rc = libc::pipe(fds.as_mut_ptr());
        for fd in fds.iter().filter(|_| rc == 0) {
            libc::fcntl(*fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        rc
    };
    if rc != 0 {
        return Err(Error::new(format!(
            "pipe: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(fds)
}

fn close(fd: libc::c_int) {
    // SAFETY: closing a descriptor this process owns.
    unsafe { libc::close(fd) };
}

/// fork + exec of the docker CLI. `env_text` (the `--env-file` contents) goes into a pipe the
/// child reads as fd 3; it is written before fork, so it must fit in the pipe's buffer.
fn spawn(cmd: &Prepared, env_text: Option<&str>, signals: &Signals) -> Result<libc::pid_t> {
    let env_read = match env_text {
        Some(text) => {
            // Linux pipes hold 64 KiB by default; the file is a few KEY=VALUE lines.
            if text.len() > 60 * 1024 {
                return Err(Error::new(
                    "the variables passed through --env-file exceed 60 KiB",
                ));
            }
            let [r, w] = pipe()?;
            let written = write_all(w, text.as_bytes());
            close(w);
            if let Err(e) = written {
                close(r);
                return Err(Error::new(format!("writing the env file pipe: {e}")));
            }
            Some(r)
        }
        None => None,
    };
    let [err_r, err_w] = pipe()?;
    let argv: Vec<*const libc::c_char> = cmd
        .argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let envp: Vec<*const libc::c_char> = cmd
        .envp
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };

    // SAFETY: after fork the child runs only async-signal-safe calls (prctl, getppid, fcntl,
    // dup2, chdir, signal, pthread_sigmask, execve, write, _exit) on data prepared above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = std::io::Error::last_os_error();
        close(err_r);
        close(err_w);
        if let Some(r) = env_read {
            close(r);
        }
        return Err(Error::new(format!("fork: {e}")));
    }
    if pid == 0 {
        // SAFETY: see above; never returns.
        unsafe { child(cmd, &argv, &envp, env_read, err_w, parent, signals) }
    }
    close(err_w);
    if let Some(r) = env_read {
        close(r);
    }
    // EOF: exec succeeded (the pipe closed on exec). Otherwise the child says what failed.
    let mut report = [0u8; 8];
    let n = read_full(err_r, &mut report);
    close(err_r);
    if n < report.len() {
        return Ok(pid);
    }
    let stage = u32::from_ne_bytes([report[0], report[1], report[2], report[3]]);
    let errno = i32::from_ne_bytes([report[4], report[5], report[6], report[7]]);
    let mut status = 0;
    // SAFETY: reaping the failed child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let e = std::io::Error::from_raw_os_error(errno);
    let program = cmd.program.to_string_lossy();
    Err(match stage {
        STAGE_EXEC if errno == libc::ENOENT => Code::CliNotFound.error(format!("{program}: {e}")),
        STAGE_EXEC => Error::new(format!("{program}: cannot execute: {e}")),
        STAGE_CWD => Error::new(format!(
            "working_dir {}: {e}",
            cmd.cwd
                .as_ref()
                .map(|c| c.to_string_lossy())
                .unwrap_or_default()
        )),
        _ => Error::new(format!("preparing the docker CLI: {e}")),
    })
}

/// The child between fork and exec.
///
/// # Safety
/// Only in the child of a fork; uses only async-signal-safe calls.
unsafe fn child(
    cmd: &Prepared,
    argv: &[*const libc::c_char],
    envp: &[*const libc::c_char],
    env_read: Option<libc::c_int>,
    err_w: libc::c_int,
    parent: libc::pid_t,
    signals: &Signals,
) -> ! {
    let fail = |stage: u32| -> ! {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        let mut report = [0u8; 8];
        report[..4].copy_from_slice(&stage.to_ne_bytes());
        report[4..].copy_from_slice(&errno.to_ne_bytes());
        // SAFETY: write and _exit are async-signal-safe.
        unsafe {
            libc::write(err_w, report.as_ptr().cast(), report.len());
            libc::_exit(crate::error::EXIT_FAILURE)
        }
    };
    // SAFETY: async-signal-safe calls on valid data.
    unsafe {
        #[cfg(target_os = "linux")]
        {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                fail(STAGE_SETUP);
            }
            // mcpjail died before the prctl: nobody would stop this CLI.
            if libc::getppid() != parent {
                libc::_exit(crate::error::EXIT_FAILURE);
            }
        }
        let _ = parent;
        if let Some(fd) = env_read {
            // dup2 onto itself keeps close-on-exec, so clear it by hand in that case.
            let ok = if fd == ENV_FILE_FD {
                libc::fcntl(fd, libc::F_SETFD, 0) == 0
            } else {
                libc::dup2(fd, ENV_FILE_FD) == ENV_FILE_FD
            };
            if !ok {
                fail(STAGE_SETUP);
            }
        }
        if let Some(dir) = &cmd.cwd
            && libc::chdir(dir.as_ptr()) != 0
        {
            fail(STAGE_CWD);
        }
        if signals.chld_ignored {
            libc::signal(libc::SIGCHLD, libc::SIG_IGN);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &signals.old_mask, std::ptr::null_mut());
        libc::execve(cmd.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
    }
    fail(STAGE_EXEC)
}

fn write_all(fd: libc::c_int, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

fn read_full(fd: libc::c_int, buf: &mut [u8]) -> usize {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: the range is within buf.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses() {
        // waitpid encodings: exit code in bits 8-15, terminating signal in bits 0-6.
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(3 << 8), 3);
        assert_eq!(exit_status(libc::SIGKILL), 137);
        assert_eq!(exit_status(libc::SIGTERM), 143);
    }
}
