//! Network and unix sockets: what is restricted and by which mechanism, Landlock where the
//! kernel's ABI has the right, the seccomp filter for what Landlock cannot express.
//!
//! - `--network none` (or `network_mode: "none"`): Landlock (ABI 4) handles TCP bind and connect
//!   and allows only the `--allow-connect`/`--allow-bind` ports; seccomp denies every socket
//!   family but AF_UNIX, and TCP over AF_INET/AF_INET6 stays possible only when some port is
//!   allowed and Landlock can check it. Without Landlock's TCP rules, no port can be allowed:
//!   all of TCP stays denied and the port flags are reported as not enforced.
//! - Pathname unix sockets (by default): Landlock (ABI 9) allows connecting only beneath the
//!   writable paths; below ABI 9 seccomp denies creating unix sockets at all. `--allow-unix`
//!   lifts it.

use serde_json::{Value, json};

use super::landlock::{LandlockPlan, TCP_ABI, UNIX_ABI};
use super::seccomp::{self, Inet};
use super::{Level, Protection};
use crate::plan::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tcp {
    /// The network is not restricted.
    Open,
    /// No TCP socket can be made (seccomp), and Landlock, where it can, denies every port too.
    Denied,
    /// TCP sockets can be made; Landlock allows only the listed ports.
    Ports,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unix {
    /// `--allow-unix`
    Allowed,
    Landlock,
    Seccomp,
    NotEnforced,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkPlan {
    pub requested: Option<String>,
    pub restricted: bool,
    pub connect: Vec<u16>,
    pub bind: Vec<u16>,
    pub tcp: Tcp,
    pub unix: Unix,
    /// Landlock handles TCP (whenever the network is restricted and the kernel can).
    pub landlock_tcp: bool,
}

/// Decide, and tell `landlock` what it handles; `no_seccomp` says why no filter can be
/// installed, if none can. Returns the plan, the filter's rules and the protections to report.
pub fn plan(
    req: &Request,
    landlock: &mut LandlockPlan,
    no_seccomp: Option<&str>,
) -> (NetworkPlan, seccomp::Rules, Vec<Protection>) {
    let restricted = req.network.as_deref() == Some("none");
    let ports = !req.allow_connect.is_empty() || !req.allow_bind.is_empty();
    let landlock_tcp = restricted && landlock.restrict_tcp();
    let tcp = match (restricted, ports && landlock_tcp) {
        (false, _) => Tcp::Open,
        (true, true) => Tcp::Ports,
        (true, false) => Tcp::Denied,
    };
    let unix = if req.allow_unix {
        Unix::Allowed
    } else if landlock.restrict_unix() {
        Unix::Landlock
    } else if no_seccomp.is_none() {
        Unix::Seccomp
    } else {
        Unix::NotEnforced
    };
    // listen() on an unbound TCP socket takes an ephemeral port unchecked by Landlock; it can be
    // denied outright only when nothing needs it: no port to bind, no unix socket to serve on.
    let listen = tcp == Tcp::Ports && req.allow_bind.is_empty() && unix == Unix::Seccomp;
    let rules = seccomp::Rules {
        unix: unix == Unix::Seccomp,
        inet: match tcp {
            Tcp::Open => Inet::Open,
            Tcp::Ports => Inet::TcpOnly,
            Tcp::Denied => Inet::Denied,
        },
        listen,
    };

    let mut out = Vec::new();
    let abi_lacks = |abi: i32| match landlock.reason_or_abi() {
        Ok(v) => format!("kernel Landlock ABI {v} lacks it (needs {abi})"),
        Err(why) => why,
    };
    if restricted {
        let name = "--network none";
        out.push(match (no_seccomp, tcp) {
            (None, Tcp::Ports) if !listen => Protection {
                name: name.into(),
                level: Level::Partial,
                reason: Some(format!(
                    "partially enforced: listen() on an unbound TCP socket takes an ephemeral port that Landlock does \
                     not check, and cannot be denied while {} need it",
                    if req.allow_bind.is_empty() { "unix sockets" } else { "the --allow-bind ports" }
                )),
            },
            (None, _) => Protection::full(name),
            (Some(why), _) if landlock_tcp => Protection {
                name: name.into(),
                level: Level::Partial,
                reason: Some(format!(
                    "partially enforced: only TCP is restricted (Landlock); UDP, raw and other sockets need seccomp: {why}"
                )),
            },
            (Some(why), _) => Protection::not(
                name,
                format!("needs Landlock TCP rules ({}) or seccomp ({why})", abi_lacks(TCP_ABI)),
            ),
        });
    }
    for (flag, given) in [
        ("--allow-connect", &req.allow_connect),
        ("--allow-bind", &req.allow_bind),
    ] {
        if given.is_empty() {
            continue;
        }
        if !restricted {
            out.push(Protection::not(
                flag,
                "has no effect: the network is not restricted (add --network none)",
            ));
        } else if !landlock_tcp {
            let rest = match no_seccomp {
                None => "all of TCP stays denied",
                Some(_) => "TCP is not restricted at all",
            };
            out.push(Protection::not(
                flag,
                format!("no TCP port rules: {}; {rest}", abi_lacks(TCP_ABI)),
            ));
        }
    }
    if unix == Unix::NotEnforced {
        out.push(Protection::not(
            "unix sockets",
            format!(
                "needs Landlock ({}) or seccomp ({})",
                abi_lacks(UNIX_ABI),
                no_seccomp.unwrap_or_default()
            ),
        ));
    } else if unix != Unix::Allowed {
        out.push(Protection::full("unix sockets"));
    }
    let plan = NetworkPlan {
        requested: req.network.clone(),
        restricted,
        connect: req.allow_connect.clone(),
        bind: req.allow_bind.clone(),
        tcp,
        unix,
        landlock_tcp,
    };
    (plan, rules, out)
}

impl NetworkPlan {
    pub fn to_json(&self) -> Value {
        let (tcp, tcp_note) = match (self.tcp, self.landlock_tcp) {
            (Tcp::Open, _) => (
                "open",
                "the network is not restricted (--network none restricts it)",
            ),
            (Tcp::Denied, true) => (
                "denied",
                "no TCP socket can be made (seccomp), and Landlock denies every port too",
            ),
            (Tcp::Denied, false) => ("denied", "no TCP socket can be made (seccomp)"),
            (Tcp::Ports, _) => (
                "ports",
                "Landlock allows bind and connect on the listed ports only",
            ),
        };
        json!({
            "requested": self.requested,
            "restricted": self.restricted,
            "tcp": tcp,
            "tcp_note": tcp_note,
            "allow_connect": self.connect,
            "allow_bind": self.bind,
            "note": match self.restricted {
                true => "other socket families than unix and TCP are denied (UDP, raw, packet, netlink, \
                         vsock, MPTCP …; see seccomp.denies); sockets inherited from the parent are not \
                         affected",
                false => "the server can reach the network like any process of its user",
            },
        })
    }

    pub fn unix_json(&self) -> Value {
        let (mechanism, note) = match self.unix {
            Unix::Allowed => (
                Value::Null,
                "--allow-unix: pathname unix sockets anywhere can be connected to (/var/run/docker.sock \
                 is root-equivalent); abstract sockets outside the sandbox stay unreachable where the \
                 Landlock scope is handled",
            ),
            Unix::Landlock => (
                json!("landlock"),
                "a pathname unix socket can be connected to only beneath the writable paths (Landlock \
                 RESOLVE_UNIX); abstract sockets outside the sandbox are unreachable (Landlock scope); \
                 socketpair() is allowed",
            ),
            Unix::Seccomp => (
                json!("seccomp"),
                "Landlock below ABI 9 cannot tell a socket inside the writable paths from one outside, so \
                 seccomp denies creating any unix socket, pathname or abstract, inside the sandbox too; \
                 socketpair() stays allowed (pipes to child processes). Programs that talk to a local \
                 daemon (D-Bus, syslog, nscd, docker.sock, a git credential cache, Python's \
                 multiprocessing.Manager or the forkserver start method) fall back or fail; --allow-unix \
                 lifts it",
            ),
            Unix::NotEnforced => (Value::Null, "not restricted: see the protections"),
        };
        json!({
            "restricted": matches!(self.unix, Unix::Landlock | Unix::Seccomp),
            "mechanism": mechanism,
            "note": note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::landlock::{self, Kernel};

    fn decide(
        abi: Kernel,
        seccomp: bool,
        req: Request,
    ) -> (NetworkPlan, seccomp::Rules, Vec<String>) {
        let mut ll = landlock::plan(abi);
        let why = (!seccomp).then_some("no seccomp here");
        let (p, r, prot) = plan(&req, &mut ll, why);
        assert_eq!(!ll.net.is_empty(), p.landlock_tcp);
        let prot = prot
            .iter()
            .map(|p| format!("{} {}", p.name, p.level.as_str()))
            .collect();
        (p, r, prot)
    }

    fn none(connect: &[u16], bind: &[u16], allow_unix: bool) -> Request {
        Request {
            network: Some("none".into()),
            allow_connect: connect.to_vec(),
            allow_bind: bind.to_vec(),
            allow_unix,
            ..Request::default()
        }
    }

    #[test]
    fn mechanisms_by_kernel() {
        use Inet::*;
        let k7 = Kernel::Abi(7);
        // kernel, seccomp available, request → TCP, unix, filter's inet and listen, protections
        type Row = (
            Kernel,
            bool,
            Request,
            Tcp,
            Unix,
            Inet,
            bool,
            &'static [&'static str],
        );
        let table: &[Row] = &[
            // default: network open, unix sockets by seccomp below ABI 9, by Landlock from 9
            (
                k7,
                true,
                Request::default(),
                Tcp::Open,
                Unix::Seccomp,
                Open,
                false,
                &["unix sockets full"],
            ),
            (
                Kernel::Abi(9),
                true,
                Request::default(),
                Tcp::Open,
                Unix::Landlock,
                Open,
                false,
                &["unix sockets full"],
            ),
            (
                k7,
                true,
                none(&[], &[], false),
                Tcp::Denied,
                Unix::Seccomp,
                Denied,
                false,
                &["--network none full", "unix sockets full"],
            ),
            (
                k7,
                true,
                none(&[443], &[], false),
                Tcp::Ports,
                Unix::Seccomp,
                TcpOnly,
                true,
                &["--network none full", "unix sockets full"],
            ),
            // listen() cannot be denied: partial
            (
                k7,
                true,
                none(&[443], &[8080], false),
                Tcp::Ports,
                Unix::Seccomp,
                TcpOnly,
                false,
                &["--network none partial", "unix sockets full"],
            ),
            (
                k7,
                true,
                none(&[443], &[], true),
                Tcp::Ports,
                Unix::Allowed,
                TcpOnly,
                false,
                &["--network none partial"],
            ),
            // no TCP port rules before ABI 4: everything denied, the ports said not to be granted
            (
                Kernel::Abi(3),
                true,
                none(&[443], &[], false),
                Tcp::Denied,
                Unix::Seccomp,
                Denied,
                false,
                &[
                    "--network none full",
                    "--allow-connect no",
                    "unix sockets full",
                ],
            ),
            (
                Kernel::Missing,
                true,
                none(&[], &[], false),
                Tcp::Denied,
                Unix::Seccomp,
                Denied,
                false,
                &["--network none full", "unix sockets full"],
            ),
            // no seccomp: Landlock restricts TCP only
            (
                k7,
                false,
                none(&[443], &[], false),
                Tcp::Ports,
                Unix::NotEnforced,
                Open,
                false,
                &["--network none partial", "unix sockets no"],
            ),
            (
                Kernel::Missing,
                false,
                none(&[], &[], true),
                Tcp::Denied,
                Unix::Allowed,
                Open,
                false,
                &["--network none no"],
            ),
            // ports without --network none do nothing, and say so
            (
                k7,
                true,
                Request {
                    allow_connect: vec![443],
                    ..Request::default()
                },
                Tcp::Open,
                Unix::Seccomp,
                Open,
                false,
                &["--allow-connect no", "unix sockets full"],
            ),
            (
                k7,
                true,
                Request {
                    network: Some("bridge".into()),
                    allow_unix: true,
                    ..Request::default()
                },
                Tcp::Open,
                Unix::Allowed,
                Open,
                false,
                &[],
            ),
        ];
        for (kernel, sc, req, tcp, unix, inet, listen, prot) in table {
            let (p, r, got) = decide(*kernel, *sc, req.clone());
            let what = format!("{kernel:?} seccomp {sc} {req:?}");
            assert_eq!((p.tcp, p.unix), (*tcp, *unix), "{what}");
            if *sc {
                assert_eq!(
                    (r.inet, r.listen, r.unix),
                    (*inet, *listen, *unix == Unix::Seccomp),
                    "{what}"
                );
            }
            assert_eq!(got, *prot, "{what}");
        }
    }
}
