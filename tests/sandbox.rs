//! Sandbox mode against the real kernel: every escape is really attempted, under
//! `mcpjail --mode sandbox`, and must fail with the kernel's error while the outside target stays
//! unchanged. Each escape is also run under `--mode none` (which confines nothing) as a control:
//! it must succeed there, so a probe that cannot work at all cannot pass as "denied".

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::sandbox::*;
use common::*;
use serde_json::Value;

/// One Python program for every probe: `probe.py OP ARGS…` prints `ok` and exits 0 when the
/// operation worked, prints the errno name and exits 3 when the kernel refused it.
const PROBE: &str = r#"
import ctypes, errno, os, signal, socket, stat, subprocess, sys
op, args = sys.argv[1], sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
def check(ret):
    if ret == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
try:
    if op == "append":
        with open(args[0], "a") as f: f.write("pwned")
    elif op == "create":
        with open(args[0], "x") as f: f.write("new")
    elif op == "read":
        with open(args[0]) as f: f.read()
    elif op == "delete": os.unlink(args[0])
    elif op == "mkdir": os.mkdir(args[0])
    elif op == "rmdir": os.rmdir(args[0])
    elif op == "truncate": os.truncate(args[0], 0)
    elif op == "open-trunc": os.close(os.open(args[0], os.O_WRONLY | os.O_TRUNC))
    elif op == "rename": os.rename(args[0], args[1])
    elif op == "link":
        os.link(args[0], args[1])
        with open(args[1], "a") as f: f.write("pwned")
    elif op == "symlink": os.symlink(args[0], args[1])
    elif op == "mknod": os.mknod(args[0], 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    elif op == "kill": os.kill(int(args[0]), signal.SIGTERM)
    elif op == "kill-own":
        p = subprocess.Popen(["sleep", "30"])
        os.kill(p.pid, signal.SIGTERM)
        assert p.wait() == -signal.SIGTERM
    elif op == "connect":
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("\0" + args[0])
    elif op == "connect-own":
        l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        l.bind("\0" + args[0]); l.listen(1)
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("\0" + args[0])
        l.accept()
    elif op == "ptrace-attach": check(libc.ptrace(PTRACE_ATTACH, int(args[0]), None, None))
    elif op == "ptrace-seize": check(libc.ptrace(PTRACE_SEIZE, int(args[0]), None, None))
    elif op == "ptrace-own":
        p = subprocess.Popen(["sleep", "30"])
        check(libc.ptrace(PTRACE_SEIZE, p.pid, None, None))
        p.kill(); p.wait()
    elif op == "mem":
        with open("/proc/%s/mem" % args[0], "rb"): pass
    elif op == "mount": check(libc.mount(b"none", args[0].encode(), b"tmpfs", 0, None))
    elif op == "alloc":
        b = bytearray(int(args[0]) << 20)
        b[-1] = 1
    else: sys.exit("unknown op " + op)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno))); sys.exit(3)
except MemoryError:
    print("MemoryError"); sys.exit(4)
print("ok")
"#;

/// The environment of these tests, with their probe script.
impl Env {
    fn new() -> Env {
        Env::with_probe("sb", PROBE)
    }

    /// The kernel refuses the escape in the sandbox, with one of `errnos` (see
    /// `works_unconfined` for the control).
    #[track_caller]
    fn denied(&self, flags: &[&str], op: &str, args: &[&str], errnos: &[&str]) {
        let o = self.probe("sandbox", flags, op, args);
        let out = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(3),
            "{op} {args:?} was not denied: stdout {out:?}, stderr {}",
            stderr(&o)
        );
        assert!(
            errnos.contains(&out.trim()),
            "{op} {args:?}: got {out:?}, want one of {errnos:?}"
        );
        assert_eq!(stderr(&o), "", "{op}: the sandbox itself said something");
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A process outside the sandbox (a child of the test), killed when dropped.
struct Outside(Child);

impl Outside {
    fn sleep() -> Outside {
        Outside(
            Command::new("sleep")
                .arg("300")
                .spawn()
                .expect("spawn sleep"),
        )
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }

    #[track_caller]
    fn assert_untouched(&mut self) {
        assert!(
            self.0.try_wait().unwrap().is_none(),
            "the outside process died"
        );
        let status = read(Path::new(&format!("/proc/{}/status", self.0.id())));
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            field("TracerPid:"),
            "0",
            "the outside process is being traced"
        );
        assert!(
            field("State:").starts_with('S'),
            "outside process state: {}",
            field("State:")
        );
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---- the filesystem outside the allowlist ------------------------------------------------

#[test]
fn writing_outside_is_denied() {
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let rw = TempDir::new("sb-rw");
    let flags = ["--rw", s(rw.path())];

    let control = out.write("control", "original");
    e.works_unconfined("append", &[s(&control)]);
    assert_eq!(read(&control), "originalpwned");

    let victim = out.write("victim", "original");
    e.denied(&flags, "append", &[s(&victim)], &["EACCES"]);
    e.denied(&flags, "open-trunc", &[s(&victim)], &["EACCES"]);
    e.denied(&flags, "truncate", &[s(&victim)], &["EACCES"]);
    e.denied(&flags, "delete", &[s(&victim)], &["EACCES"]);
    assert_eq!(read(&victim), "original");
    // reading is allowed everywhere: the denial above is about writing, not about the path
    e.allowed(&flags, "read", &[s(&victim)]);
}

#[test]
fn creating_and_removing_outside_is_denied() {
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let flags = ["--rw", s(e.tmp.path())];

    e.works_unconfined("create", &[s(&out.join("control-file"))]);
    e.works_unconfined("mkdir", &[s(&out.join("control-dir"))]);
    e.works_unconfined("rmdir", &[s(&out.join("control-dir"))]);

    e.denied(&flags, "create", &[s(&out.join("new-file"))], &["EACCES"]);
    e.denied(&flags, "mkdir", &[s(&out.join("new-dir"))], &["EACCES"]);
    assert!(!out.join("new-file").exists() && !out.join("new-dir").exists());

    std::fs::create_dir(out.join("old-dir")).unwrap();
    e.denied(&flags, "rmdir", &[s(&out.join("old-dir"))], &["EACCES"]);
    assert!(out.join("old-dir").is_dir());
    e.denied(
        &flags,
        "symlink",
        &["/etc/passwd", s(&out.join("new-link"))],
        &["EACCES"],
    );
    assert!(out.join("new-link").symlink_metadata().is_err());
}

#[test]
fn renaming_across_the_boundary_is_denied() {
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let rw = TempDir::new("sb-rw");
    let flags = ["--rw", s(rw.path())];

    let c = rw.write("control", "inside");
    e.works_unconfined("rename", &[s(&c), s(&out.join("control"))]);
    assert!(out.join("control").exists());

    // inside → outside: the file would leave the sandbox's reach and land outside
    let inside = rw.write("inside", "inside");
    e.denied(
        &flags,
        "rename",
        &[s(&inside), s(&out.join("moved"))],
        &["EACCES", "EXDEV"],
    );
    assert_eq!(read(&inside), "inside");
    assert!(!out.join("moved").exists());

    // outside → inside: the file would become writable
    let victim = out.write("victim", "original");
    e.denied(
        &flags,
        "rename",
        &[s(&victim), s(&rw.join("stolen"))],
        &["EACCES", "EXDEV"],
    );
    assert_eq!(read(&victim), "original");
    assert!(!rw.join("stolen").exists());

    // within the writable directory renames work
    std::fs::create_dir(rw.join("sub")).unwrap();
    e.allowed(&flags, "rename", &[s(&inside), s(&rw.join("sub/renamed"))]);
    assert_eq!(read(&rw.join("sub/renamed")), "inside");
}

#[test]
fn hard_linking_an_outside_file_inside_is_denied() {
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let rw = TempDir::new("sb-rw");
    let flags = ["--rw", s(rw.path())];

    let control = out.write("control", "original");
    e.works_unconfined("link", &[s(&control), s(&rw.join("control-link"))]);
    assert_eq!(
        read(&control),
        "originalpwned",
        "control: writing through the link changes the original"
    );

    // a link inside the writable directory would make the outside file writable through it
    let victim = out.write("victim", "original");
    e.denied(
        &flags,
        "link",
        &[s(&victim), s(&rw.join("link"))],
        &["EACCES", "EXDEV"],
    );
    assert_eq!(read(&victim), "original");
    assert!(!rw.join("link").exists());

    let own = rw.write("own", "x");
    e.allowed(&flags, "link", &[s(&own), s(&rw.join("own-link"))]);
}

#[test]
fn writing_through_a_symlink_to_outside_is_denied() {
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let rw = TempDir::new("sb-rw");
    let flags = ["--rw", s(rw.path())];

    let control = out.write("control", "original");
    std::os::unix::fs::symlink(&control, rw.join("control-link")).unwrap();
    e.works_unconfined("append", &[s(&rw.join("control-link"))]);
    assert_eq!(read(&control), "originalpwned");

    let victim = out.write("victim", "original");
    std::os::unix::fs::symlink(&victim, rw.join("link")).unwrap();
    e.denied(&flags, "append", &[s(&rw.join("link"))], &["EACCES"]);
    e.denied(&flags, "open-trunc", &[s(&rw.join("link"))], &["EACCES"]);
    // and a symlink made inside the sandbox does not help either
    e.allowed(&flags, "symlink", &[s(&victim), s(&rw.join("made-inside"))]);
    e.denied(&flags, "append", &[s(&rw.join("made-inside"))], &["EACCES"]);
    assert_eq!(read(&victim), "original");
}

#[test]
fn device_nodes_cannot_be_made_even_in_writable_dirs() {
    if skip_unless_root() {
        return;
    }
    // As root, a node for a disk inside a writable directory would give raw write access to it.
    let e = Env::new();
    let rw = TempDir::new("sb-rw");
    e.works_unconfined("mknod", &[s(&rw.join("control-null"))]);
    e.denied(
        &["--rw", s(rw.path())],
        "mknod",
        &[s(&rw.join("null"))],
        &["EACCES"],
    );
    assert!(rw.join("null").symlink_metadata().is_err());
}

#[test]
fn ro_paths_are_readable_not_writable() {
    let e = Env::new();
    let ro = TempDir::new("sb-ro");
    let f = ro.write("f", "original");
    let flags = ["--ro", s(ro.path())];
    e.allowed(&flags, "read", &[s(&f)]);
    e.denied(&flags, "append", &[s(&f)], &["EACCES"]);
    e.denied(&flags, "create", &[s(&ro.join("new"))], &["EACCES"]);
    assert_eq!(read(&f), "original");
}

// ---- what is allowed -----------------------------------------------------------------------

#[test]
fn the_writable_dir_allows_everything_a_server_does() {
    let e = Env::new();
    let rw = TempDir::new("sb-rw");
    let flags = ["--rw", s(rw.path())];
    let f = rw.join("f");
    e.allowed(&flags, "create", &[s(&f)]);
    e.allowed(&flags, "append", &[s(&f)]);
    assert_eq!(read(&f), "newpwned");
    e.allowed(&flags, "open-trunc", &[s(&f)]);
    e.allowed(&flags, "truncate", &[s(&f)]);
    e.allowed(&flags, "mkdir", &[s(&rw.join("d"))]);
    e.allowed(&flags, "rename", &[s(&f), s(&rw.join("d/f"))]);
    e.allowed(&flags, "delete", &[s(&rw.join("d/f"))]);
    e.allowed(&flags, "rmdir", &[s(&rw.join("d"))]);
    assert_eq!(std::fs::read_dir(rw.path()).unwrap().count(), 0);
}

#[test]
fn temp_dirs_and_dev_files_are_writable() {
    let e = Env::new();
    // $TMPDIR
    e.allowed(&[], "create", &[s(&e.tmp.join("t"))]);
    // /tmp when TMPDIR is unset
    let name = format!("/tmp/mcpjail-sandbox-test-{}", std::process::id());
    let mut c = e.cmd(
        "sandbox",
        &[],
        &[
            "sh",
            "-c",
            &format!("echo hi > {name} && cat {name} && rm {name}"),
        ],
    );
    c.env_remove("TMPDIR");
    let o = run(c);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str(), stderr(&o).as_str()),
        (Some(0), "hi\n", "")
    );
    // `>` opens with O_TRUNC: /dev/null needs write and truncate
    let o = run(e.cmd(
        "sandbox",
        &[],
        &["sh", "-c", "echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1 && echo y > /dev/shm/mcpjail-$$ && rm /dev/shm/mcpjail-$$"],
    ));
    assert_eq!(
        (o.status.code(), stdout(&o).trim(), stderr(&o).as_str()),
        (Some(0), "00 00 00", "")
    );
    // the default cache directories exist (created if missing) and are writable
    for dir in [".npm", ".cache", ".local/share"] {
        e.allowed(&[], "create", &[s(&e.home.join(&format!("{dir}/f")))]);
    }
    // …but HOME itself is not
    e.denied(&[], "create", &[s(&e.home.join("f"))], &["EACCES"]);
}

#[test]
fn working_dir_from_the_config_is_the_cwd_and_writable() {
    let e = Env::new();
    let dir = TempDir::new("sb-cfg");
    let work = TempDir::new("sb-work");
    let cfg = dir.write(
        "mcp_config.json",
        &serde_json::json!({"mcpServers": [{
            "name": "w", "command": "sh", "args": ["-c", "pwd && echo made > here"],
            "working_dir": work.path(), "isolation": {"mode": "sandbox"},
        }]})
        .to_string(),
    );
    let mut c = mcpjail(["--config", s(&cfg), "--server", "w"]);
    c.env("HOME", e.home.path()).env("TMPDIR", e.tmp.path());
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n", work.path().display()));
    assert_eq!(read(&work.join("here")), "made\n");
}

// ---- processes outside ---------------------------------------------------------------------

#[test]
fn signalling_an_outside_process_is_denied() {
    let e = Env::new();
    let mut control = Outside::sleep();
    e.works_unconfined("kill", &[&control.pid()]);
    assert!(
        control.0.wait().unwrap().code().is_none(),
        "control: the process was killed"
    );

    let mut target = Outside::sleep();
    e.denied(&[], "kill", &[&target.pid()], &["EPERM"]);
    target.assert_untouched();
    // its own children it may signal
    e.allowed(&[], "kill-own", &[]);
}

#[test]
fn connecting_to_an_outside_abstract_unix_socket_is_denied() {
    let e = Env::new();
    let name = format!("mcpjail-test-{}", std::process::id());
    // Outside listener: on each line of input, reports how many connections are waiting.
    let listener = r#"
import socket, sys
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind("\0" + sys.argv[1]); l.listen(8); l.setblocking(False)
print("ready", flush=True)
for _ in sys.stdin:
    n = 0
    while True:
        try: l.accept(); n += 1
        except BlockingIOError: break
    print(n, flush=True)
"#;
    let mut child = Command::new(python())
        .args(["-c", listener, &name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut to = child.stdin.take().unwrap();
    let mut from = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    from.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let mut pending = || {
        writeln!(to, "count").unwrap();
        let mut line = String::new();
        from.read_line(&mut line).unwrap();
        line.trim().to_string()
    };

    // By default seccomp denies every unix socket on kernels below Landlock ABI 9 (see
    // tests/sandbox_hardening.rs); with --allow-unix what stands in the way is the Landlock
    // scope, tested here.
    let unix = ["--allow-unix"];
    e.denied(&unix, "connect", &[&name], &["EPERM"]);
    e.denied(&[], "connect", &[&name], &["EPERM"]);
    assert_eq!(
        pending(),
        "0",
        "a connection from the sandbox reached the outside listener"
    );
    e.works_unconfined("connect", &[&name]);
    assert_eq!(pending(), "1", "control: the unconfined connection arrives");
    // a socket made inside the sandbox is reachable from inside
    e.allowed(&unix, "connect-own", &[&format!("{name}-own")]);

    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn tracing_an_outside_process_is_denied() {
    let e = Env::new();
    let mut target = Outside::sleep();
    // controls: SEIZE does not stop the target, and the tracer's exit detaches it
    e.works_unconfined("ptrace-seize", &[&target.pid()]);
    e.works_unconfined("mem", &[&target.pid()]);
    target.assert_untouched();

    e.denied(&[], "ptrace-attach", &[&target.pid()], &["EPERM"]);
    e.denied(&[], "ptrace-seize", &[&target.pid()], &["EPERM"]);
    e.denied(&[], "mem", &[&target.pid()], &["EACCES", "EPERM"]);
    target.assert_untouched();
    // its own children it may trace (same Landlock domain)
    e.allowed(&[], "ptrace-own", &[]);
}

#[test]
fn mounting_is_denied() {
    if skip_unless_root() {
        return;
    }
    let e = Env::new();
    let rw = TempDir::new("sb-rw");
    let dev = |p: &Path| std::fs::metadata(p).unwrap().dev();

    let control = rw.join("control");
    std::fs::create_dir(&control).unwrap();
    e.works_unconfined("mount", &[s(&control)]);
    let mounted = dev(&control) != dev(rw.path());
    let _ = Command::new("umount").arg(&control).status();
    assert!(mounted, "control: the tmpfs was mounted");

    // even on a directory the server may write to
    let target = rw.join("mnt");
    std::fs::create_dir(&target).unwrap();
    e.denied(&["--rw", s(rw.path())], "mount", &[s(&target)], &["EPERM"]);
    assert_eq!(dev(&target), dev(rw.path()), "a filesystem was mounted");
}

// ---- privileges and limits -----------------------------------------------------------------

/// `setpriv` to run as the test user (no capabilities, no supplementary groups).
fn as_user(uid: u32, gid: u32, program: &Path) -> Command {
    let mut c = Command::new("setpriv");
    c.args([
        &format!("--reuid={uid}"),
        &format!("--regid={gid}"),
        "--clear-groups",
        "--",
    ])
    .arg(program);
    c
}

#[test]
fn a_setuid_binary_grants_nothing_inside() {
    if skip_unless_root() {
        return;
    }
    let (uid, gid) = test_user();
    let dir = TempDir::new("sb-suid");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // a private copy of mcpjail the user can run, and a setuid-root `id`
    let bin = dir.join("mcpjail");
    std::fs::copy(common::bin(), &bin).unwrap();
    let suid = dir.join("suid-id");
    std::fs::copy("/usr/bin/id", &suid).unwrap();
    std::fs::set_permissions(&suid, std::fs::Permissions::from_mode(0o4755)).unwrap();

    // control: run directly by the user, the setuid bit makes the effective uid 0
    let o = as_user(uid, gid, &suid).arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "0",
        "control: setuid works here"
    );

    let mut c = as_user(uid, gid, &bin);
    c.args(["--mode", "sandbox", "--", s(&suid), "-u"])
        .env("TMPDIR", dir.path());
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        uid.to_string(),
        "the setuid bit took effect inside the sandbox"
    );

    // and the sandbox confines the unprivileged user too (no root needed for any of it): /var/tmp
    // is world-writable, yet the user cannot create a file there
    let victim = format!("/var/tmp/mcpjail-test-{}", std::process::id());
    let script = format!("grep NoNewPrivs /proc/self/status; echo x > {victim}");
    let mut c = as_user(uid, gid, &bin);
    c.args(["--mode", "sandbox", "--", "sh", "-c", &script])
        .env("TMPDIR", dir.path());
    let o = run(c);
    assert!(stdout(&o).contains("NoNewPrivs:\t1"), "{}", stdout(&o));
    assert_ne!(o.status.code(), Some(0));
    assert!(!Path::new(&victim).exists(), "the user wrote {victim}");
}

#[test]
fn core_dumps_off_and_file_descriptors_limited() {
    let e = Env::new();
    let o = run(e.cmd(
        "sandbox",
        &[],
        &["sh", "-c", "ulimit -c; ulimit -Hc; ulimit -n; ulimit -Hn"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(&v[..2], ["0", "0"]);
    for n in &v[2..] {
        let n: u64 = n.parse().unwrap_or_else(|_| panic!("ulimit -n: {n}"));
        assert!(n <= 4096, "nofile {n}");
    }
}

#[test]
fn memory_limit_is_rlimit_data() {
    let e = Env::new();
    // control: 256 MiB is fine without a limit
    e.allowed(&[], "alloc", &["256"]);
    let o = e.probe("sandbox", &["--memory", "64m"], "alloc", &["256"]);
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(4), "MemoryError"),
        "{}",
        stderr(&o)
    );
    e.allowed(&["--memory", "512m"], "alloc", &["64"]);

    let o = run(e.cmd(
        "sandbox",
        &["--memory", "64m"],
        &["cat", "/proc/self/limits"],
    ));
    let line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("Max data size"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>()[3..5],
        ["67108864", "67108864"],
        "{line}"
    );
}

#[test]
fn memory_limit_written_in_the_config_applies() {
    let e = Env::new();
    let dir = TempDir::new("sb-cfg");
    let cfg = dir.write(
        "mcp_config.json",
        r#"{"docker_isolation": {"memory_limit": "96m"},
            "mcpServers": [{"name": "m", "command": "cat", "args": ["/proc/self/limits"],
                            "isolation": {"mode": "sandbox"}}]}"#,
    );
    let mut c = mcpjail(["--config", s(&cfg), "--server", "m"]);
    c.env("HOME", e.home.path()).env("TMPDIR", e.tmp.path());
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("Max data size"))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains(&(96u64 << 20).to_string()), "{line}");
}

// ---- transparency ----------------------------------------------------------------------------

#[test]
fn the_sandbox_adds_no_file_descriptors() {
    let e = Env::new();
    // Every descriptor of the server and what it points to, as `ls` sees them: stdio are fresh
    // pipes per run and `ls` holds /proc/PID/fd, so those are blanked out; anything else (a
    // descriptor the test runner leaks included) must be identical.
    let list = "ls -l /proc/self/fd | awk 'NR > 1 {print $9, $10, $11}' \
                | sed -E -e 's|^([012]) -> pipe:.*|\\1 -> pipe|' -e 's|/proc/[0-9]+/|/proc/PID/|'";
    let direct = Command::new("sh")
        .args(["-c", list])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let o = run(e.cmd("sandbox", &[], &["sh", "-c", list]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let direct = String::from_utf8_lossy(&direct.stdout).into_owned();
    assert!(direct.starts_with("0 -> pipe\n1 -> pipe\n"), "{direct}");
    assert_eq!(stdout(&o), direct);
}

#[test]
fn stdio_is_byte_exact() {
    let e = Env::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let input: Vec<u8> = (0..5 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let o = run_with_input(e.cmd("sandbox", &[], &["cat"]), &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout == input,
        "stdout differs from stdin ({} vs {} bytes)",
        o.stdout.len(),
        input.len()
    );
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn stdout_is_the_servers_and_unenforced_protections_are_one_stderr_line() {
    let e = Env::new();
    let o = run(e.cmd("sandbox", &[], &["printf", "abc"]));
    assert_eq!(
        (o.stdout.as_slice(), stderr(&o).as_str(), o.status.code()),
        (&b"abc"[..], "", Some(0))
    );

    let o = run(e.cmd(
        "sandbox",
        &["--cpus", "1", "--allow-bind", "8080"],
        &["printf", "abc"],
    ));
    assert_eq!(o.stdout, b"abc");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "mcpjail: warning: not enforced: --cpus (no rlimit can express a CPU share); \
         --allow-bind (has no effect: the network is not restricted (add --network none))\n"
    );
    // the server's own exit status comes back
    let o = run(e.cmd("sandbox", &[], &["sh", "-c", "exit 7"]));
    assert_eq!(o.status.code(), Some(7));
}

#[test]
fn environment_is_the_allowlist_plus_what_was_asked() {
    let e = Env::new();
    let mut c = e.cmd("sandbox", &["-e", "GIVEN=1", "-e", "PASSED"], &["env"]);
    c.env("AWS_SECRET_ACCESS_KEY", "s3cret")
        .env("PASSED", "yes")
        .env("MCPJAIL_LOG", "warn")
        .env("LC_ALL", "C");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let env = stdout(&o);
    let keys: Vec<&str> = env
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, _)| k)
        .collect();
    for k in ["PATH", "HOME", "TMPDIR", "LC_ALL", "GIVEN", "PASSED"] {
        assert!(keys.contains(&k), "{k} missing: {keys:?}");
    }
    for k in ["AWS_SECRET_ACCESS_KEY", "MCPJAIL_LOG"] {
        assert!(!keys.contains(&k), "{k} passed: {keys:?}");
    }
    assert!(!env.contains("s3cret"));
}

// ---- explain --------------------------------------------------------------------------------

#[test]
fn explain_shows_what_is_enforced() {
    let e = Env::new();
    let rw = TempDir::new("sb-rw");
    let mut c = mcpjail([
        "explain",
        "--mode",
        "sandbox",
        "--rw",
        s(rw.path()),
        "--memory",
        "64m",
        "--",
        "cat",
    ]);
    c.env("HOME", e.home.path())
        .env("TMPDIR", "/nonexistent-tmpdir");
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    let sb = &plan["sandbox"];
    let abi = sb["landlock"]["kernel_abi"]
        .as_i64()
        .expect("this kernel has Landlock");
    let want = if abi >= 6 {
        "fully_enforced"
    } else {
        "partially_enforced"
    };
    assert_eq!(sb["landlock"]["status"], want);
    assert_eq!(
        plan["enforcement"],
        if abi >= 6 { "full" } else { "partial" }
    );
    let handled = sb["landlock"]["handled"].to_string();
    for r in [
        "write_file",
        "remove_file",
        "make_reg",
        "refer",
        "truncate",
        "ioctl_dev",
    ] {
        assert!(abi < 5 || handled.contains(r), "{r} not handled: {handled}");
    }
    if abi >= 6 {
        assert_eq!(
            sb["landlock"]["scopes"],
            serde_json::json!(["abstract_unix_socket", "signal"])
        );
    }
    // read on / is split around the hidden secret paths: / may only be listed
    let list = sb["list"].to_string();
    for p in ["\"/\"", &format!("\"{}\"", e.home.path().display())] {
        assert!(list.contains(p), "{p} not in {list}");
    }
    let read = sb["read"].as_array().unwrap();
    assert!(!read.contains(&serde_json::json!("/")) && read.contains(&serde_json::json!("/usr")));
    assert_eq!(sb["seccomp"]["installed"], true);
    assert_eq!(sb["capabilities"]["dropped"], true);
    let write = sb["write"].to_string();
    for p in [
        s(rw.path()),
        "/dev/null",
        &format!("{}/.npm", e.home.path().display()),
    ] {
        assert!(write.contains(p), "{p} not in {write}");
    }
    assert!(
        !sb["write"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(e.home.path()))
    );
    assert_eq!(sb["skipped"][0]["path"], "/nonexistent-tmpdir");
    assert_eq!(sb["skipped"][0]["reason"], "no such file or directory");
    assert_eq!(
        sb["rlimits"],
        serde_json::json!({"core": 0, "nofile": 4096, "data": 64 << 20})
    );
    assert_eq!(sb["no_new_privs"], true);
    assert_eq!(sb["root"], is_root());
    assert_eq!(plan["warnings"], serde_json::json!([]));
    // explain ran nothing and created nothing
    assert!(!e.home.join(".npm").exists());
}

#[test]
fn explain_lists_every_protection_that_is_not_enforced() {
    let e = Env::new();
    let rw = TempDir::new("sb-rw");
    std::fs::create_dir(rw.join("sub")).unwrap();
    std::fs::create_dir(rw.join("secret")).unwrap();
    let sub = rw.join("sub");
    let secret = rw.join("secret");
    let flags = [
        "explain",
        "--mode",
        "sandbox",
        "--cpus",
        "0.5",
        "--network",
        "none",
        "--allow-connect",
        "443",
        "--allow-bind",
        "8080",
        "--allow-unix",
        "--hide",
        s(&secret),
        "--keep-caps",
        "--rw",
        s(rw.path()),
        "--ro",
        s(&sub),
        "--",
        "cat",
    ];
    let mut c = mcpjail(flags);
    c.env("HOME", e.home.path()).env("TMPDIR", e.tmp.path());
    let o = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    let warnings: Vec<String> = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    let names: Vec<&str> = warnings
        .iter()
        .map(|w| w.split(" (").next().unwrap())
        .collect();
    let ro = format!("--ro {}", sub.display());
    let hide = format!("--hide {}", secret.display());
    // --allow-bind (and --allow-unix) need listen(), which Landlock does not check
    assert_eq!(names, ["--cpus", &ro, "--network none", &hide]);
    assert!(warnings[2].contains("partially enforced: listen()"));
    assert_eq!(
        warnings[3],
        format!("{hide} (readable through --rw {})", rw.path().display())
    );
    assert!(warnings[1].contains(&format!(
        "stays writable: it is beneath writable {}",
        rw.path().display()
    )));
    assert_eq!(plan["enforcement"], "partial");
    let protections = plan["sandbox"]["protections"].as_array().unwrap();
    assert!(
        protections
            .iter()
            .any(|p| p["name"] == "--cpus" && p["enforced"] == "no")
    );

    // --strict: the plan is still printed, with the error, and explain exits 125
    let mut strict = vec!["explain", "--strict"];
    strict.extend_from_slice(&flags[1..]);
    let o = run(mcpjail(strict));
    assert_eq!(o.status.code(), Some(125));
    assert!(
        json(&o)["error"]
            .as_str()
            .unwrap()
            .starts_with("--strict: not enforced: --cpus")
    );
}

// ---- a kernel without Landlock -------------------------------------------------------------

/// Runs its arguments under a seccomp filter that makes the Landlock system calls in
/// `[first, last]` fail with `errno`, the way a kernel without Landlock (ENOSYS) or with
/// Landlock disabled at boot (EOPNOTSUPP) answers. x86_64 only.
const NO_LANDLOCK: &str = r#"
import ctypes, os, struct, sys
first, last, err = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def insn(code, jt, jf, k): return struct.pack("HBBI", code, jt, jf, k)
prog = b"".join([
    insn(0x20, 0, 0, 4),                     # A = arch
    insn(0x15, 0, 4, 0xC000003E),            # x86_64? else allow
    insn(0x20, 0, 0, 0),                     # A = syscall number
    insn(0x35, 0, 2, first),                 # < first: allow
    insn(0x25, 1, 0, last),                  # > last: allow
    insn(0x06, 0, 0, 0x00050000 | err),      # SECCOMP_RET_ERRNO | err
    insn(0x06, 0, 0, 0x7FFF0000),            # SECCOMP_RET_ALLOW
])
buf = ctypes.create_string_buffer(prog)
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fprog = Fprog(len(prog) // 8, ctypes.addressof(buf))
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
assert libc.prctl(38, 1, None, 0, 0) == 0                       # PR_SET_NO_NEW_PRIVS
assert libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0, ctypes.get_errno()  # SECCOMP_MODE_FILTER
os.execv(sys.argv[4], sys.argv[4:])
"#;

const SYS_LANDLOCK_CREATE_RULESET: &str = "444";
const SYS_LANDLOCK_RESTRICT_SELF: &str = "446";

fn without_landlock(e: &Env, calls: (&str, &str), errno: i32, args: &[&str]) -> Output {
    let mut c = Command::new(python());
    c.args([
        "-c",
        NO_LANDLOCK,
        calls.0,
        calls.1,
        &errno.to_string(),
        common::bin(),
    ])
    .args(args);
    c.env("HOME", e.home.path()).env("TMPDIR", e.tmp.path());
    run(c)
}

#[test]
fn without_landlock_it_warns_and_runs_and_strict_refuses() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let marker = out.join("marker");
    let all = (SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_RESTRICT_SELF);
    for (errno, reason) in [
        (ENOSYS, "the kernel has no Landlock"),
        (EOPNOTSUPP, "not enabled at boot"),
    ] {
        let o = without_landlock(
            &e,
            all,
            errno,
            &["explain", "--mode", "sandbox", "--", "true"],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let plan = json(&o);
        assert_eq!(plan["sandbox"]["landlock"]["status"], "not_enforced");
        assert_eq!(plan["sandbox"]["landlock"]["kernel_abi"], Value::Null);
        assert_eq!(plan["enforcement"], "none");
        let warnings: Vec<&str> = plan["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        assert!(
            warnings[0].starts_with("landlock (not enforced: ") && warnings[0].contains(reason),
            "{warnings:?}"
        );
        // what rests on Landlock alone is said too; what seccomp does still holds
        assert_eq!(
            warnings[1..],
            ["hidden paths (needs Landlock, which is not enforced)"]
        );
        assert_eq!(plan["sandbox"]["unix_sockets"]["mechanism"], "seccomp");
        let warning = warnings.join("; ");

        // a run: one warning line, and the server runs (unconfined filesystem, said so)
        let o = without_landlock(
            &e,
            all,
            errno,
            &[
                "--mode",
                "sandbox",
                "--",
                "sh",
                "-c",
                &format!(
                    "touch {}; grep NoNewPrivs /proc/self/status; ulimit -c",
                    s(&marker)
                ),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("mcpjail: warning: not enforced: {warning}\n")
        );
        // no_new_privs and the limits still apply
        assert_eq!(stdout(&o), "NoNewPrivs:\t1\n0\n");
        assert!(marker.exists());
        std::fs::remove_file(&marker).unwrap();

        let o = without_landlock(
            &e,
            all,
            errno,
            &["--strict", "--mode", "sandbox", "--", "touch", s(&marker)],
        );
        assert_error(&o, 125, "--strict: not enforced: landlock (not enforced: ");
        assert!(!marker.exists(), "the command ran");
    }
}

#[test]
fn a_kernel_that_refuses_restrict_self_is_an_error_not_a_silent_downgrade() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let e = Env::new();
    let out = TempDir::new("sb-outside");
    let marker = out.join("marker");
    // the version query answers (the plan expects Landlock), restrict_self fails
    let only_restrict = (SYS_LANDLOCK_RESTRICT_SELF, SYS_LANDLOCK_RESTRICT_SELF);
    let o = without_landlock(
        &e,
        only_restrict,
        ENOSYS,
        &["--mode", "sandbox", "--", "touch", s(&marker)],
    );
    assert_error(&o, 125, "landlock: ");
    assert!(!marker.exists(), "the command ran");
}

const ENOSYS: i32 = 38;
const EOPNOTSUPP: i32 = 95;

// ---- bad input: exit 125 and the command never runs ------------------------------------------

#[test]
fn a_missing_rw_path_is_an_error_and_nothing_runs() {
    let e = Env::new();
    let dir = TempDir::new("sb-bad");
    let marker = dir.join("marker");
    let touch = ["touch", s(&marker)];
    let o = run(e.cmd(
        "sandbox",
        &["--rw", s(dir.path()), "--rw", "/nonexistent/x"],
        &touch,
    ));
    assert_error(&o, 125, "--rw /nonexistent/x: no such file or directory");
    let o = run(e.cmd(
        "sandbox",
        &["--rw", s(dir.path()), "--ro", "/nonexistent/y"],
        &touch,
    ));
    assert_error(&o, 125, "--ro /nonexistent/y: no such file or directory");
    assert!(!marker.exists(), "the command ran");
    // control: with the path fixed, the command runs and makes its marker
    let o = run(e.cmd("sandbox", &["--rw", s(dir.path())], &touch));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(marker.exists());
}

#[test]
fn strict_refuses_what_the_sandbox_cannot_enforce() {
    let e = Env::new();
    let dir = TempDir::new("sb-bad");
    let marker = dir.join("marker");
    let touch = ["touch", s(&marker)];
    let hidden = dir.join("hidden");
    std::fs::create_dir(&hidden).unwrap();
    let hide = format!("--hide {}", hidden.display());
    for (flag, name) in [
        (&["--cpus", "1"][..], "--cpus"),
        // ports without --network none restrict nothing
        (&["--allow-connect", "443"], "--allow-connect"),
        // a path hidden beneath a writable one stays readable
        (&["--hide", s(&hidden)], &hide),
        // bind ports need listen(), which Landlock does not check
        (
            &["--network", "none", "--allow-bind", "8080"],
            "--network none",
        ),
    ] {
        let mut flags = vec!["--strict", "--rw", s(dir.path())];
        flags.extend_from_slice(flag);
        let o = run(e.cmd("sandbox", &flags, &touch));
        assert_error(&o, 125, &format!("--strict: not enforced: {name}"));
        assert!(!marker.exists(), "the command ran with {flag:?}");
    }
    // control: without --strict it runs, and says what is not enforced
    let o = run(e.cmd("sandbox", &["--cpus", "1", "--rw", s(dir.path())], &touch));
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).starts_with("mcpjail: warning: not enforced: --cpus"));
    assert!(marker.exists());
    // --strict with everything enforced runs
    std::fs::remove_file(&marker).unwrap();
    let o = run(e.cmd("sandbox", &["--strict", "--rw", s(dir.path())], &touch));
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    assert!(marker.exists());
}

#[test]
fn an_unreadable_config_is_an_error_and_nothing_runs() {
    if skip_unless_root() {
        return;
    }
    let (uid, gid) = test_user();
    let dir = TempDir::new("sb-cfg");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = dir.join("mcpjail");
    std::fs::copy(common::bin(), &bin).unwrap();
    let marker = dir.join("marker");
    let cfg = dir.write(
        "mcp_config.json",
        &serde_json::json!({"mcpServers": [{
            "name": "t", "command": "touch", "args": [marker],
            "isolation": {"mode": "sandbox", "rw_paths": [dir.path()]},
        }]})
        .to_string(),
    );
    let go = || {
        let mut c = as_user(uid, gid, &bin);
        c.args(["--config", s(&cfg), "--server", "t"])
            .env("HOME", dir.path())
            .env("TMPDIR", dir.path());
        run(c)
    };
    // control: readable, the server runs as the user, in the sandbox, and makes its marker
    let o = go();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(marker.exists());
    std::fs::remove_file(&marker).unwrap();

    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = go();
    assert_error(&o, 125, "cannot read");
    assert!(
        stderr(&o).to_lowercase().contains("permission denied"),
        "{}",
        stderr(&o)
    );
    assert!(!marker.exists(), "the command ran");
}
