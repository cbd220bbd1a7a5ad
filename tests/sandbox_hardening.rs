//! Sandbox hardening against the real kernel: the network, unix sockets, hidden secrets, other
//! processes' /proc entries, capabilities and identity. Every escape is really attempted under
//! `mcpjail --mode sandbox` and must fail with the kernel's (or the filter's) error while the
//! outside target sees nothing; each is also run under `--mode none` as a control, which must
//! succeed, so that a probe that cannot work at all cannot pass as "denied".
//! The last tests run real MCP servers (the SDK's client, npx and uvx) under the new defaults.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::sandbox::*;
use common::*;
use serde_json::{Value, json};

/// `probe.py OP ARGS…` prints `ok` and exits 0 when the operation worked, prints the errno name
/// and exits 3 when it was refused.
const PROBE: &str = r#"
import ctypes, errno, os, socket, sys
op, args = sys.argv[1], sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def check(ret):
    if ret == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret
def tcp():
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    if op == "tcp-connect":
        socket.create_connection(("127.0.0.1", int(args[0])), timeout=5).close()
    elif op == "tcp-bind": tcp().bind(("127.0.0.1", int(args[0])))
    elif op == "tcp-listen":
        s = tcp(); s.listen(1)                       # unbound: the kernel picks a port
    elif op == "tfo":
        s = tcp(); s.sendto(b"hello", socket.MSG_FASTOPEN, ("127.0.0.1", int(args[0])))
    elif op == "udp-send":
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello", ("127.0.0.1", int(args[0])))
    elif op == "udp6-socket": socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    elif op == "mptcp": socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
    elif op == "netlink": socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    elif op == "packet": socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    elif op == "unix-connect":
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(args[0])
    elif op == "socketpair":
        a, b = socket.socketpair(); a.send(b"x"); assert b.recv(1) == b"x"
    elif op == "io-uring":
        params = ctypes.create_string_buffer(120)    # struct io_uring_params
        nr = {"x86_64": 425, "aarch64": 425}[os.uname().machine]
        os.close(check(libc.syscall(nr, 4, params)))
    elif op == "read":
        with open(args[0]) as f: f.read()
    elif op == "chown": os.chown(args[0], int(args[1]), int(args[1]))
    else: sys.exit("unknown op " + op)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno))); sys.exit(3)
print("ok")
"#;

/// The environment of these tests, with their probe script.
impl Env {
    fn new() -> Env {
        Env::with_probe("hd", PROBE)
    }

    /// The kernel refuses the escape in the sandbox with `errno` (see `works_unconfined` for
    /// the control).
    #[track_caller]
    fn denied(&self, flags: &[&str], op: &str, args: &[&str], errno: &str) {
        let o = self.probe("sandbox", flags, op, args);
        assert_eq!(
            (o.status.code(), stdout(&o).trim()),
            (Some(3), errno),
            "{op} {args:?} with {flags:?}: stderr {}",
            stderr(&o)
        );
    }
}

/// A TCP listener outside the sandbox that counts the connections that reached it.
struct Tcp(TcpListener);

impl Tcp {
    fn new() -> Tcp {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Tcp(l)
    }

    fn port(&self) -> String {
        self.0.local_addr().unwrap().port().to_string()
    }

    /// Connections accepted since the last call.
    fn arrived(&self) -> usize {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::iter::from_fn(|| self.0.accept().ok()).count()
    }
}

/// A UDP socket outside the sandbox that counts the datagrams that reached it.
struct Udp(UdpSocket);

impl Udp {
    fn new() -> Udp {
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        u.set_nonblocking(true).unwrap();
        Udp(u)
    }

    fn port(&self) -> String {
        self.0.local_addr().unwrap().port().to_string()
    }

    fn arrived(&self) -> usize {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut buf = [0u8; 64];
        std::iter::from_fn(|| self.0.recv(&mut buf).ok()).count()
    }
}

/// A TCP port nothing listens on right now (bound and released).
fn free_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().to_string()
}

// ---- the network ---------------------------------------------------------------------------

#[test]
fn network_none_denies_tcp_and_udp() {
    let e = Env::new();
    let tcp = Tcp::new();
    let udp = Udp::new();

    // controls: unconfined, every attempt reaches the listeners
    e.works_unconfined("tcp-connect", &[&tcp.port()]);
    assert_eq!(tcp.arrived(), 1, "control: the connection arrives");
    e.works_unconfined("tfo", &[&tcp.port()]);
    assert_eq!(
        tcp.arrived(),
        1,
        "control: the Fast Open connection arrives"
    );
    e.works_unconfined("udp-send", &[&udp.port()]);
    assert_eq!(udp.arrived(), 1, "control: the datagram arrives");
    e.works_unconfined("tcp-bind", &["0"]);
    e.works_unconfined("netlink", &[]);

    let none = ["--network", "none"];
    // no port allowed: no socket of the internet families at all
    for (op, args) in [
        ("tcp-connect", &[tcp.port()][..]),
        ("tfo", &[tcp.port()]),
        ("tcp-bind", &["0".into()]),
        ("tcp-listen", &[]),
        ("udp-send", &[udp.port()]),
        ("udp6-socket", &[]),
        ("mptcp", &[]),
        ("netlink", &[]),
        ("packet", &[]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        e.denied(&none, op, &args, "EAFNOSUPPORT");
    }
    assert_eq!(tcp.arrived(), 0, "a connection from the sandbox arrived");
    assert_eq!(udp.arrived(), 0, "a datagram from the sandbox arrived");
    // pipes to child processes still work
    e.allowed(&none, "socketpair", &[]);

    let plan = e.explain(&none);
    assert_eq!(plan["warnings"], json!([]));
    let net = &plan["sandbox"]["network"];
    assert_eq!(
        (&net["restricted"], &net["tcp"]),
        (&json!(true), &json!("denied"))
    );
    let abi = plan["sandbox"]["landlock"]["kernel_abi"].as_i64().unwrap();
    let handled = &plan["sandbox"]["landlock"]["net_handled"];
    assert_eq!(
        handled,
        &json!(if abi >= 4 {
            vec!["bind_tcp", "connect_tcp"]
        } else {
            vec![]
        })
    );
}

#[test]
fn allow_connect_opens_that_port_only() {
    let e = Env::new();
    let allowed = Tcp::new();
    let other = Tcp::new();
    let udp = Udp::new();
    e.works_unconfined("tcp-connect", &[&other.port()]);
    assert_eq!(other.arrived(), 1, "control: the other port is reachable");
    e.works_unconfined("tcp-listen", &[]);

    let flags = ["--network", "none", "--allow-connect", &allowed.port()];
    e.allowed(&flags, "tcp-connect", &[&allowed.port()]);
    assert_eq!(allowed.arrived(), 1, "the allowed connection arrives");
    // Landlock refuses the other port …
    e.denied(&flags, "tcp-connect", &[&other.port()], "EACCES");
    e.denied(&flags, "tcp-bind", &["0"], "EACCES");
    // … and the filter what Landlock does not see: Fast Open connects from sendto(), and listen()
    // on an unbound socket picks a port of its own; UDP and other protocols stay denied
    e.denied(&flags, "tfo", &[&other.port()], "ENOTSUP"); // Python's name for EOPNOTSUPP
    e.denied(&flags, "tcp-listen", &[], "EPERM");
    e.denied(&flags, "udp-send", &[&udp.port()], "EPERM");
    e.denied(&flags, "mptcp", &[], "EPERM");
    e.denied(&flags, "netlink", &[], "EAFNOSUPPORT");
    assert_eq!(other.arrived(), 0, "a connection to the other port arrived");
    assert_eq!(udp.arrived(), 0, "a datagram arrived");
    let plan = e.explain(&flags);
    assert_eq!(plan["warnings"], json!([]));
    assert_eq!(plan["sandbox"]["network"]["tcp"], "ports");

    // --allow-bind: that port may be bound, no other
    let port = free_port();
    let flags = ["--network", "none", "--allow-bind", &port];
    e.allowed(&flags, "tcp-bind", &[&port]);
    e.denied(&flags, "tcp-bind", &[&free_port()], "EACCES");
    // listen() must stay possible for the bound port: said, not hidden
    let plan = e.explain(&flags);
    let w = plan["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("--network none (partially enforced: listen()"),
        "{w}"
    );
}

#[test]
fn the_network_is_open_by_default() {
    let e = Env::new();
    let tcp = Tcp::new();
    let udp = Udp::new();
    e.allowed(&[], "tcp-connect", &[&tcp.port()]);
    assert_eq!(tcp.arrived(), 1);
    e.allowed(&[], "udp-send", &[&udp.port()]);
    assert_eq!(udp.arrived(), 1);
    // another network mode than none (docker's bridge) leaves the sandbox's network alone
    e.allowed(&["--network", "bridge"], "tcp-connect", &[&tcp.port()]);
    assert_eq!(tcp.arrived(), 1);
    // ports without --network none restrict nothing, and say so
    let plan = e.explain(&["--allow-connect", "443"]);
    assert_eq!(
        plan["warnings"],
        json!([
            "--allow-connect (has no effect: the network is not restricted (add --network none))"
        ])
    );
}

#[test]
fn network_mode_none_in_the_config_restricts_the_sandbox() {
    let e = Env::new();
    let tcp = Tcp::new();
    let dir = TempDir::new("hd-cfg");
    let cfg = dir.write(
        "mcp_config.json",
        &json!({"mcpServers": [{
            "name": "n", "command": python(), "args": ["-c", PROBE, "tcp-connect", tcp.port()],
            "isolation": {"mode": "sandbox", "network_mode": "none"},
        }]})
        .to_string(),
    );
    let mut c = mcpjail(["--config", s(&cfg), "--server", "n"]);
    c.env("HOME", e.home.path()).env("TMPDIR", e.tmp.path());
    let o = run(c);
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(3), "EAFNOSUPPORT"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tcp.arrived(), 0);
}

#[test]
fn io_uring_is_denied() {
    let e = Env::new();
    e.works_unconfined("io-uring", &[]);
    e.denied(&[], "io-uring", &[], "EPERM");
    e.denied(&["--allow-unix"], "io-uring", &[], "EPERM");
}

// ---- unix sockets ----------------------------------------------------------------------------

/// A unix socket listener; counts the connections that reached it.
struct Unix(UnixListener, PathBuf);

impl Unix {
    fn at(path: PathBuf) -> Unix {
        let l = UnixListener::bind(&path).unwrap();
        l.set_nonblocking(true).unwrap();
        Unix(l, path)
    }

    fn arrived(&self) -> usize {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::iter::from_fn(|| self.0.accept().ok()).count()
    }
}

#[test]
fn unix_sockets_outside_the_writable_paths_are_denied() {
    let e = Env::new();
    let out = TempDir::new("hd-sock");
    let sock = Unix::at(out.join("daemon.sock"));
    let path = s(&sock.1);

    e.works_unconfined("unix-connect", &[path]);
    assert_eq!(sock.arrived(), 1, "control: the connection arrives");

    let plan = e.explain(&[]);
    let mechanism = plan["sandbox"]["unix_sockets"]["mechanism"]
        .as_str()
        .unwrap();
    let abi = plan["sandbox"]["landlock"]["kernel_abi"].as_i64().unwrap();
    // Landlock where the kernel can tell inside from outside (ABI 9), else no unix socket at all
    assert_eq!(mechanism, if abi >= 9 { "landlock" } else { "seccomp" });
    let errno = if abi >= 9 { "EACCES" } else { "EPERM" };
    e.denied(&[], "unix-connect", &[path], errno);
    assert_eq!(sock.arrived(), 0, "a connection from the sandbox arrived");
    // socketpair() reaches nobody else and stays allowed
    e.allowed(&[], "socketpair", &[]);

    // a socket inside a writable directory: reachable where Landlock decides
    let rw = TempDir::new("hd-rw");
    let inside = Unix::at(rw.join("own.sock"));
    let flags = ["--rw", s(rw.path())];
    if abi >= 9 {
        e.allowed(&flags, "unix-connect", &[s(&inside.1)]);
        assert_eq!(inside.arrived(), 1);
    } else {
        e.denied(&flags, "unix-connect", &[s(&inside.1)], "EPERM");
        assert_eq!(inside.arrived(), 0);
    }

    // --allow-unix lifts it
    e.allowed(&["--allow-unix"], "unix-connect", &[path]);
    assert_eq!(
        sock.arrived(),
        1,
        "the connection with --allow-unix arrives"
    );
    let plan = e.explain(&["--allow-unix"]);
    assert_eq!(plan["sandbox"]["unix_sockets"]["restricted"], false);
    assert_eq!(plan["warnings"], json!([]));
}

// ---- hidden secrets --------------------------------------------------------------------------

/// A HOME with credentials in the usual places, and plain files beside them.
fn home_with_secrets(e: &Env) -> [PathBuf; 5] {
    let h = e.home.path();
    for d in [".ssh", ".aws", ".config/gcloud", "notes", ".cache"] {
        std::fs::create_dir_all(h.join(d)).unwrap();
    }
    let files = [
        h.join(".ssh/id_ed25519"),
        h.join(".aws/credentials"),
        h.join(".config/gcloud/application_default_credentials.json"),
        h.join("notes/todo.txt"),
        h.join(".gitconfig"),
    ];
    for f in &files {
        std::fs::write(f, "secret or not").unwrap();
    }
    std::fs::write(h.join(".netrc"), "machine example.invalid password hunter2").unwrap();
    files
}

#[test]
fn secrets_in_home_are_hidden_the_rest_is_readable() {
    let e = Env::new();
    let [ssh, aws, gcloud, notes, gitconfig] = home_with_secrets(&e);
    let netrc = e.home.join(".netrc");
    for f in [&ssh, &aws, &gcloud, &netrc] {
        e.works_unconfined("read", &[s(f)]);
        e.denied(&[], "read", &[s(f)], "EACCES");
    }
    for f in [&notes, &gitconfig] {
        e.allowed(&[], "read", &[s(f)]);
    }
    // the rest of the filesystem stays readable; the caches stay writable
    e.allowed(&[], "read", &["/etc/passwd"]);
    let o = run(e.cmd(
        "sandbox",
        &[],
        &[
            "sh",
            "-c",
            "echo x > ~/.cache/made && cat ~/.cache/made ~/.config/gcloud/../../notes/todo.txt",
        ],
    ));
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "x\nsecret or not"),
        "{}",
        stderr(&o)
    );

    // --ro makes a hidden path readable again, and only that one
    let ssh_dir = e.home.join(".ssh");
    let ro = ["--ro", s(&ssh_dir)];
    e.allowed(&ro, "read", &[s(&ssh)]);
    e.denied(&ro, "read", &[s(&aws)], "EACCES");
    // --hide hides more
    let notes_dir = e.home.join("notes");
    let hide = ["--hide", s(&notes_dir)];
    e.denied(&hide, "read", &[s(&notes)], "EACCES");
    e.allowed(&hide, "read", &[s(&gitconfig)]);

    let plan = e.explain(&[]);
    assert_eq!(plan["warnings"], json!([]));
    let hidden = &plan["sandbox"]["hidden"]["paths"];
    let ssh_entry = hidden
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "~/.ssh")
        .unwrap();
    assert_eq!(
        (&ssh_entry["hidden"], &ssh_entry["exists"]),
        (&json!(true), &json!(true))
    );
    let read = plan["sandbox"]["read"].as_array().unwrap();
    assert!(!read.contains(&json!("/")), "read on / is split");
}

#[test]
fn a_low_descriptor_limit_still_gets_every_rule() {
    // With few descriptors to spare, the rule paths are closed as their rules are added instead
    // of being left open for execve to close: the same sandbox either way.
    use std::os::unix::process::CommandExt;
    let e = Env::new();
    let [ssh, _, _, notes, _] = home_with_secrets(&e);
    let script = format!(
        "cat {} && ! cat {} 2>/dev/null && ulimit -n",
        s(&notes),
        s(&ssh)
    );
    let mut c = e.cmd("sandbox", &[], &["sh", "-c", &script]);
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 24,
                rlim_max: 24,
            };
            match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let o = run(c);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "secret or not24\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_secret_dir_that_is_a_symlink_is_hidden_where_it_points() {
    let e = Env::new();
    let dotfiles = e.home.join("dotfiles/ssh");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::write(dotfiles.join("id_rsa"), "key").unwrap();
    std::os::unix::fs::symlink(&dotfiles, e.home.join(".ssh")).unwrap();
    e.works_unconfined("read", &[s(&e.home.join(".ssh/id_rsa"))]);
    e.denied(&[], "read", &[s(&e.home.join(".ssh/id_rsa"))], "EACCES");
    e.denied(&[], "read", &[s(&dotfiles.join("id_rsa"))], "EACCES");
}

// ---- other processes' /proc ------------------------------------------------------------------

struct Outside(Child);

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn hide_proc_hides_other_processes_and_keeps_the_servers_own() {
    let e = Env::new();
    let other = Outside(
        Command::new("sleep")
            .arg("300")
            .env("MCPJAIL_TEST_API_KEY", "s3cret")
            .spawn()
            .unwrap(),
    );
    let environ = format!("/proc/{}/environ", other.0.id());
    let cmdline = format!("/proc/{}/cmdline", other.0.id());
    e.works_unconfined("read", &[&environ]);
    // off by default (explain says why)
    assert_eq!(e.explain(&[])["sandbox"]["hidden"]["proc"]["hidden"], false);

    let flags = ["--hide", "/proc"];
    e.denied(&flags, "read", &[&environ], "EACCES");
    e.denied(&flags, "read", &[&cmdline], "EACCES");
    e.allowed(&flags, "read", &["/proc/self/status"]);
    e.allowed(&flags, "read", &["/proc/cpuinfo"]);
    // Python's multiprocessing (children with their own pids) works …
    let pool = "import multiprocessing as m\nif __name__ == '__main__':\n    \
                with m.get_context('spawn').Pool(2) as p: print(sum(p.map(abs, [-1, -2, 3])))";
    let o = run(e.cmd("sandbox", &flags, &[python(), "-c", pool]));
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "6\n"),
        "{}",
        stderr(&o)
    );
    // … but a child cannot read its own /proc/self: why this is not the default
    let o = run(e.cmd("sandbox", &flags, &["sh", "-c", "cat /proc/self/status"]));
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
}

// ---- capabilities and identity ---------------------------------------------------------------

fn caps(o: &Output) -> Vec<(String, String)> {
    stdout(o)
        .lines()
        .filter(|l| l.starts_with("Cap"))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn root_starts_the_server_without_capabilities() {
    if skip_unless_root() {
        return;
    }
    let e = Env::new();
    let status = ["cat", "/proc/self/status"];
    let control = run(e.cmd("none", &[], &status));
    let has = |o: &Output, k: &str| {
        caps(o)
            .iter()
            .any(|(n, v)| n == k && v != "0000000000000000")
    };
    assert!(
        has(&control, "CapEff") && has(&control, "CapBnd"),
        "control: root has capabilities"
    );

    let o = run(e.cmd("sandbox", &[], &status));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = caps(&o);
    assert_eq!(got.len(), 5, "{got:?}");
    for (name, value) in &got {
        assert_eq!(value, "0000000000000000", "{name}");
    }

    // real attempts: root without CAP_DAC_OVERRIDE and CAP_CHOWN, even in a writable directory
    let rw = TempDir::new("hd-rw");
    std::fs::set_permissions(rw.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let theirs = rw.write("theirs", "private");
    std::os::unix::fs::chown(&theirs, Some(4242), Some(4242)).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mine = rw.write("mine", "x");
    let flags = ["--rw", s(rw.path())];
    e.works_unconfined("read", &[s(&theirs)]);
    e.works_unconfined("chown", &[s(&mine), "4242"]);
    std::os::unix::fs::chown(&mine, Some(0), Some(0)).unwrap();
    e.denied(&flags, "read", &[s(&theirs)], "EACCES");
    e.denied(&flags, "chown", &[s(&mine), "4242"], "EPERM");

    // --keep-caps keeps them, and explain says what that means
    let o = run(e.cmd("sandbox", &["--keep-caps"], &status));
    assert!(has(&o, "CapEff"), "{}", stdout(&o));
    e.allowed(
        &["--keep-caps", "--rw", s(rw.path())],
        "read",
        &[s(&theirs)],
    );
    let plan = e.explain(&["--keep-caps"]);
    assert_eq!(plan["sandbox"]["capabilities"]["dropped"], false);
    assert!(
        plan["sandbox"]["capabilities"]["note"]
            .as_str()
            .unwrap()
            .contains("chown")
    );
}

/// mcpjail in front of `argv`, `depth` times over.
fn nested(e: &Env, depth: usize, argv: &[&str]) -> Command {
    let mut inner: Vec<&str> = Vec::new();
    for _ in 1..depth {
        inner.extend([bin(), "--mode", "sandbox", "--"]);
    }
    inner.extend_from_slice(argv);
    e.cmd("sandbox", &[], &inner)
}

#[test]
fn mcpjail_inside_mcpjail_confines_again() {
    // Root whose capabilities are already gone (inside another mcpjail, or a container started
    // with every capability dropped) cannot drop from the bounding set, and need not: what is
    // out of the set counts as dropped.
    let e = Env::new();
    let o = run(nested(&e, 2, &["cat", "/proc/self/status"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let got = caps(&o);
    assert_eq!(got.len(), 5, "{got:?}");
    for (name, value) in &got {
        assert_eq!(value, "0000000000000000", "{name}");
    }
    // and the inner sandbox really applies: what the outer one lets write, it does not
    let rw = TempDir::new("hd-nested");
    let file = rw.join("f");
    let write = format!("echo x > {}", file.display());
    let o = run(e.cmd("sandbox", &["--rw", s(rw.path())], &["sh", "-c", &write]));
    assert_eq!(o.status.code(), Some(0), "control: {}", stderr(&o));
    std::fs::remove_file(&file).unwrap();
    let inner = [bin(), "--mode", "sandbox", "--", "sh", "-c", &write];
    let o = run(e.cmd("sandbox", &["--rw", s(rw.path())], &inner));
    assert_ne!(o.status.code(), Some(0), "the inner sandbox let it write");
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
    assert!(!file.exists());
}

#[test]
fn past_the_kernels_landlock_nesting_limit_nothing_runs() {
    // The kernel stacks at most 16 Landlock domains: the 17th mcpjail cannot add its own and
    // must not run the server with only the outer ones.
    let e = Env::new();
    let o = run(nested(&e, 16, &["echo", "ran"]));
    assert_eq!(
        (o.status.code(), stdout(&o).trim()),
        (Some(0), "ran"),
        "{}",
        stderr(&o)
    );
    let o = run(nested(&e, 17, &["echo", "ran"]));
    assert_error(
        &o,
        125,
        "landlock: this process is already inside 16 nested Landlock sandboxes",
    );
    assert!(stderr(&o).contains("not running the server less confined than planned"));
}

#[test]
fn user_switches_identity_with_groups_cleared() {
    if skip_unless_root() {
        return;
    }
    let (uid, gid) = test_user();
    let e = Env::new();
    std::fs::set_permissions(e.home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(e.tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let script =
        "id -u; id -g; id -G; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; touch ~/.npm/made";
    for user in [format!("{uid}:{gid}"), uid.to_string()] {
        let o = run(e.cmd("sandbox", &["--user", &user], &["sh", "-c", script]));
        assert_eq!(o.status.code(), Some(0), "--user {user}: {}", stderr(&o));
        let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
        assert_eq!(
            lines[..3],
            [uid.to_string(), gid.to_string(), gid.to_string()],
            "--user {user}"
        );
        for l in &lines[3..] {
            assert!(l.ends_with("0000000000000000"), "--user {user}: {l}");
        }
    }
    // the cache directory it made was handed to that user
    let meta = std::fs::metadata(e.home.join(".npm")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
    // and that user is what the kernel checks: root's files are out of reach
    let root_only = e.tmp.write("root-only", "x");
    std::fs::set_permissions(&root_only, std::fs::Permissions::from_mode(0o600)).unwrap();
    e.denied(
        &["--user", &uid.to_string()],
        "read",
        &[s(&root_only)],
        "EACCES",
    );
}

// ---- bad input: exit 125 and the command never runs ------------------------------------------

#[test]
fn bad_hardening_input_is_an_error_and_nothing_runs() {
    let e = Env::new();
    let dir = TempDir::new("hd-bad");
    let marker = dir.join("marker");
    let touch = ["touch", s(&marker)];
    let rw = ["--rw", s(dir.path())];
    let no_such_uid = "3999999";
    assert!(
        !Command::new("id")
            .arg(no_such_uid)
            .output()
            .unwrap()
            .status
            .success()
    );
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["--hide", "/nonexistent/secret"],
            "--hide /nonexistent/secret: no such file or directory".into(),
        ),
        (vec!["--hide", "/"], "--hide /: cannot hide / itself".into()),
        (vec!["--hide", ""], "--hide".into()),
        (
            vec!["--user", no_such_uid],
            format!("--user {no_such_uid}: no such user in the password database"),
        ),
        (vec!["--user", "alice"], "--user alice: invalid user".into()),
        (vec!["--user", "1000:"], "--user 1000:: invalid user".into()),
        (
            vec!["--allow-connect", "0"],
            "--allow-connect 0: invalid port list".into(),
        ),
        (
            vec!["--allow-bind", "70000"],
            "--allow-bind 70000: invalid port list".into(),
        ),
        (
            vec!["--allow-connect", "https"],
            "--allow-connect https: invalid port list".into(),
        ),
        (vec!["--network", ""], "empty network mode".into()),
    ];
    let mut cases = cases;
    if is_root() {
        cases.push((
            vec!["--keep-caps", "--user", "65534:65534"],
            "--keep-caps with --user 65534".into(),
        ));
    }
    for (flags, want) in &cases {
        let mut all = rw.to_vec();
        all.extend_from_slice(flags);
        let o = run(e.cmd("sandbox", &all, &touch));
        assert_error(&o, 125, want);
        assert!(!marker.exists(), "the command ran with {flags:?}");
    }
    // control: the same command with good flags runs
    let o = run(e.cmd("sandbox", &rw, &touch));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(marker.exists());
}

#[test]
fn user_without_root_is_an_error() {
    if skip_unless_root() {
        return;
    }
    let (uid, gid) = test_user();
    let dir = TempDir::new("hd-nonroot");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let own_bin = dir.join("mcpjail");
    std::fs::copy(bin(), &own_bin).unwrap();
    let marker = dir.join("marker");
    let as_user = |flags: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args([
            &format!("--reuid={uid}"),
            &format!("--regid={gid}"),
            "--clear-groups",
            "--",
        ])
        .arg(&own_bin)
        .args(["--mode", "sandbox", "--rw", s(dir.path())])
        .args(flags)
        .args(["--", "touch", s(&marker)])
        .env("HOME", dir.path())
        .env("TMPDIR", dir.path());
        run(c)
    };
    let o = as_user(&["--user", "0:0"]);
    assert_error(
        &o,
        125,
        "--user 0:0: switching identity (and clearing the groups) needs root",
    );
    assert!(!marker.exists());
    // control: its own identity is no switch at all
    let o = as_user(&["--user", &format!("{uid}:{gid}")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(marker.exists());
}

// ---- real MCP servers under the new defaults ---------------------------------------------------

struct Peers {
    python: PathBuf,
    client: PathBuf,
    echo: PathBuf,
    uvx: PathBuf,
}

fn peers() -> Peers {
    let root = repo();
    let p = Peers {
        python: root.join("target/peers/venv/bin/python"),
        client: root.join("tests/peers/mcp_client.py"),
        echo: root.join("tests/peers/echo_server.py"),
        uvx: root.join("target/peers/venv/bin/uvx"),
    };
    for path in [&p.python, &p.uvx] {
        assert!(
            path.exists(),
            "{} is missing: run tests/peers/setup.sh (make test does)",
            path.display()
        );
    }
    p
}

/// One MCP session through the SDK's client; returns its JSON.
fn session(home: &Path, calls: &[(&str, Value)], server: &[&str]) -> Value {
    let p = peers();
    let mut c = Command::new(&p.python);
    c.arg(&p.client)
        .args(["--strict-stdout", "--timeout", "90"]);
    for (tool, args) in calls {
        c.args(["--call", tool, &args.to_string()]);
    }
    c.arg("--")
        .args(server)
        .env("HOME", home)
        .stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("MCPJAIL_") {
            c.env_remove(k);
        }
    }
    let o = c.output().expect("run the MCP client");
    assert_eq!(
        o.status.code(),
        Some(0),
        "MCP session failed: {}",
        stderr(&o)
    );
    json(&o)
}

fn texts(r: &Value) -> Vec<String> {
    r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_echo_server_under_network_none_and_hidden_secrets() {
    let p = peers();
    let e = Env::new();
    let [ssh, ..] = home_with_secrets(&e);
    let tcp = Tcp::new();
    let port: u16 = tcp.port().parse().unwrap();
    let calls = [
        ("connect", json!({"host": "127.0.0.1", "port": port})),
        ("read_file", json!({"path": ssh})),
        ("read_file", json!({"path": e.home.join("notes/todo.txt")})),
        ("info", json!({})),
    ];
    let server = |mode: &'static str| {
        vec![
            bin().to_string(),
            "--mode".into(),
            mode.into(),
            "--network".into(),
            "none".into(),
            "--".into(),
            s(&p.python).into(),
            s(&p.echo).into(),
        ]
    };
    let argv = server("none");
    let r = session(
        e.home.path(),
        &calls,
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let t = texts(&r);
    assert_eq!(
        (t[0].as_str(), t[1].as_str()),
        ("ok", "secret or not"),
        "control: {r}"
    );
    assert_eq!(tcp.arrived(), 1);

    let argv = server("sandbox");
    let r = session(
        e.home.path(),
        &calls,
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let t = texts(&r);
    assert!(t[0].starts_with("EAFNOSUPPORT"), "{r}");
    assert!(t[1].starts_with("EACCES"), "{r}");
    assert_eq!(t[2], "secret or not");
    assert_eq!(tcp.arrived(), 0);
    let info: Value = serde_json::from_str(&t[3]).unwrap();
    assert_eq!(info["status"]["Seccomp"], "2", "{info}");
    if is_root() {
        assert_eq!(info["status"]["CapEff"], "0000000000000000", "{info}");
        assert_eq!(info["status"]["CapBnd"], "0000000000000000", "{info}");
    }
}

/// HOME/NAME as a link to the test runner's own ~/NAME: the sandbox's default writable rule
/// follows it, so a package runner uses the cache that tests/peers/setup.sh filled.
fn link_cache(home: &Path, name: &str, target: &Path) {
    std::fs::create_dir_all(target).unwrap();
    std::os::unix::fs::symlink(target, home.join(name)).unwrap();
}

#[test]
fn npx_starts_the_filesystem_server_offline_with_its_cache_writable() {
    let home = TempDir::new("hd-npx-home");
    let runner_home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    link_cache(home.path(), ".npm", &runner_home.join(".npm"));
    // a registry token in ~/.npmrc: hidden from the server, and npx still starts
    home.write(".npmrc", "//registry.npmjs.org/:_authToken=npm_secret\n");
    let dir = TempDir::new("hd-npx-dir");
    let r = session(
        home.path(),
        &[
            (
                "write_file",
                json!({"path": dir.join("a.txt"), "content": "from npx"}),
            ),
            ("read_text_file", json!({"path": home.join(".npmrc")})),
        ],
        &[
            bin(),
            "--mode",
            "sandbox",
            "--rw",
            s(dir.path()),
            "--",
            "npx",
            "-y",
            "--offline",
            "@modelcontextprotocol/server-filesystem@2026.8.31",
            s(dir.path()),
            s(home.path()),
        ],
    );
    assert_eq!(r["server_name"], "secure-filesystem-server", "{r}");
    let t = texts(&r);
    assert!(t[0].starts_with("Successfully wrote"), "{r}");
    assert!(t[1].starts_with("EACCES"), "the token was readable: {r}");
    assert_eq!(
        std::fs::read_to_string(dir.join("a.txt")).unwrap(),
        "from npx"
    );
}

#[test]
fn uvx_starts_the_git_server_with_its_cache_writable() {
    let p = peers();
    // a cache kept across runs under target/: the control fills it (from PyPI the first time)
    let cache = repo().join("target/peers/uv-cache-home");
    let repo_dir = TempDir::new("hd-uvx-repo");
    let ok = Command::new("git")
        .args(["init", "-q"])
        .arg(repo_dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let server = |mode: &'static str, offline: bool| {
        let mut v = vec![
            bin().to_string(),
            "--mode".into(),
            mode.into(),
            "--".into(),
            s(&p.uvx).into(),
        ];
        if offline {
            v.push("--offline".into());
        }
        v.extend([
            "mcp-server-git==2026.10.19".into(),
            "--repository".into(),
            s(repo_dir.path()).into(),
        ]);
        v
    };
    let calls = [("git_status", json!({"repo_path": repo_dir.path()}))];
    for (mode, offline) in [("none", false), ("sandbox", true)] {
        let home = TempDir::new("hd-uvx-home");
        link_cache(home.path(), ".cache", &cache);
        let argv = server(mode, offline);
        let r = session(
            home.path(),
            &calls,
            &argv.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(r["server_name"], "mcp-git", "{mode}: {r}");
        assert!(texts(&r)[0].starts_with("Repository status"), "{mode}: {r}");
    }
}
