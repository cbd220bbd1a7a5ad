//! The seccomp filter: the system calls that Landlock cannot judge. Installed after Landlock,
//! right before execve (it would otherwise judge mcpjail's own last steps), and inherited by
//! everything the server starts.
//!
//! It is a few dozen classic BPF instructions, written here rather than with a crate: the
//! decisions below are the whole of it, and a reader can check each jump.
//!
//! - A system call of another architecture than mcpjail's own (i386 or x32 on x86_64, arm32 on
//!   aarch64) kills the process: those calls have other numbers and would slip past every check.
//! - io_uring_setup, io_uring_enter, io_uring_register → EPERM, always: io_uring opens sockets,
//!   connects and opens files without those system calls, where no filter looks (Docker's default
//!   profile denies it for the same reason).
//! - socket(AF_UNIX, …) → EPERM when unix sockets are restricted and Landlock cannot tell a
//!   pathname socket inside the writable paths from one outside (ABI < 9). socketpair() stays
//!   allowed: pipes between the server and its children need it, and it reaches nobody else.
//! - Under `--network none`, socket() of any other family → EAFNOSUPPORT (netlink included: it
//!   does not leave the machine, but sock_diag lists every connection on it and route reveals its
//!   addresses; glibc's getaddrinfo does without it). AF_INET/AF_INET6 are allowed only as
//!   SOCK_STREAM with protocol 0 or IPPROTO_TCP, and only when TCP ports are allowed (Landlock
//!   then checks each bind and connect); UDP, raw, MPTCP, SCTP → EPERM.
//! - With TCP allowed that way: send*(MSG_FASTOPEN) → EOPNOTSUPP, because TCP Fast Open connects
//!   from sendto() where Landlock's connect check never runs (tried on Linux 6.18: it gets
//!   through); and when no port may be bound and no unix socket can exist, listen() → EPERM,
//!   because listen() on an unbound socket takes an ephemeral port that Landlock does not check.

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// What the filter denies besides io_uring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// socket(AF_UNIX, …)
    pub unix: bool,
    pub inet: Inet,
    /// listen(), see the module comment.
    pub listen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inet {
    /// The network is open: socket() of every family but AF_UNIX is left alone.
    Open,
    /// `--network none` with TCP ports allowed: TCP over AF_INET/AF_INET6 only.
    TcpOnly,
    /// `--network none`: no family but AF_UNIX.
    Denied,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeccompPlan {
    /// Why no filter can be installed here, or None.
    pub unavailable: Option<String>,
    pub rules: Rules,
}

/// Why no filter can be installed here, or None.
pub fn unavailable() -> Option<String> {
    if arch::AUDIT.is_none() {
        return Some(format!(
            "mcpjail has no seccomp filter for {}",
            std::env::consts::ARCH
        ));
    }
    // SAFETY: prctl with integer arguments only. EINVAL: a kernel built without seccomp.
    if unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) } < 0 {
        return Some("the kernel has no seccomp (CONFIG_SECCOMP_FILTER)".into());
    }
    None
}

impl SeccompPlan {
    pub fn available(&self) -> bool {
        self.unavailable.is_none()
    }

    /// One phrase per decision, for explain.
    pub fn denies(&self) -> Vec<&'static str> {
        let r = self.rules;
        let mut out = vec![
            "system calls of another architecture: process killed",
            "io_uring_setup, io_uring_enter, io_uring_register: EPERM",
        ];
        if r.unix {
            out.push("socket(AF_UNIX): EPERM (socketpair stays allowed)");
        }
        match r.inet {
            Inet::Open => {}
            Inet::TcpOnly => out.extend([
                "socket() of families other than AF_UNIX, AF_INET, AF_INET6: EAFNOSUPPORT",
                "socket(AF_INET/AF_INET6) other than TCP (UDP, raw, MPTCP, SCTP): EPERM",
                "sendto, sendmsg, sendmmsg with MSG_FASTOPEN: EOPNOTSUPP",
            ]),
            Inet::Denied => out.push(
                "socket() of every family but AF_UNIX (AF_INET, AF_INET6 included): EAFNOSUPPORT",
            ),
        }
        if r.listen {
            out.push("listen(): EPERM");
        }
        out
    }

    pub fn to_json(&self) -> Value {
        json!({
            "installed": self.available(),
            "reason": self.unavailable,
            "arch": std::env::consts::ARCH,
            "denies": if self.available() { self.denies() } else { vec![] },
        })
    }
}

/// Install the filter on this process (no_new_privs must be set). Errors are never ignored: the
/// plan promised the filter.
pub fn install(plan: &SeccompPlan) -> Result<()> {
    if let Some(why) = &plan.unavailable {
        return Err(Error::new(format!("seccomp: {why}")));
    }
    let prog = program(plan.rules).map_err(|e| Error::new(format!("seccomp: {e}")))?;
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: fprog points at `prog`, which outlives the call; the kernel copies the program.
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(format!(
            "seccomp: cannot install the filter: {e}; not running the server less confined than planned"
        )));
    }
    Ok(())
}

/// Architecture-specific constants.
mod arch {
    #[cfg(target_arch = "x86_64")]
    pub const AUDIT: Option<u32> = Some(0xC000_003E); // AUDIT_ARCH_X86_64
    #[cfg(target_arch = "aarch64")]
    pub const AUDIT: Option<u32> = Some(0xC000_00B7); // AUDIT_ARCH_AARCH64
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    pub const AUDIT: Option<u32> = None;

    /// x32 system calls come in under AUDIT_ARCH_X86_64 with this bit set in the number.
    #[cfg(target_arch = "x86_64")]
    pub const X32_BIT: Option<u32> = Some(0x4000_0000);
    #[cfg(not(target_arch = "x86_64"))]
    pub const X32_BIT: Option<u32> = None;

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    mod nr {
        pub const SOCKET: u32 = libc::SYS_socket as u32;
        pub const LISTEN: u32 = libc::SYS_listen as u32;
        pub const SENDTO: u32 = libc::SYS_sendto as u32;
        pub const SENDMSG: u32 = libc::SYS_sendmsg as u32;
        pub const SENDMMSG: u32 = libc::SYS_sendmmsg as u32;
        pub const IO_URING: [u32; 3] = [
            libc::SYS_io_uring_setup as u32,
            libc::SYS_io_uring_enter as u32,
            libc::SYS_io_uring_register as u32,
        ];
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    mod nr {
        pub const SOCKET: u32 = u32::MAX;
        pub const LISTEN: u32 = u32::MAX;
        pub const SENDTO: u32 = u32::MAX;
        pub const SENDMSG: u32 = u32::MAX;
        pub const SENDMMSG: u32 = u32::MAX;
        pub const IO_URING: [u32; 3] = [u32::MAX; 3];
    }
    pub use nr::*;
}

// Classic BPF (linux/filter.h, linux/bpf_common.h) and seccomp (linux/seccomp.h) constants that
// the libc crate does not carry.
const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
/// Offsets in struct seccomp_data: nr, arch, then six 64-bit arguments from byte 16. The low
/// 32 bits of an argument are what socket() and listen() read (their arguments are ints).
const NR: u32 = 0;
const ARCH: u32 = 4;
const fn arg(i: u32) -> u32 {
    if cfg!(target_endian = "little") {
        16 + 8 * i
    } else {
        16 + 8 * i + 4
    }
}
const SOCK_TYPE_MASK: u32 = 0xf;
const MSG_FASTOPEN: u32 = 0x2000_0000;
const AF_UNIX: u32 = libc::AF_UNIX as u32;
const AF_INET: u32 = libc::AF_INET as u32;
const AF_INET6: u32 = libc::AF_INET6 as u32;
const SOCK_STREAM: u32 = libc::SOCK_STREAM as u32;
const IPPROTO_TCP: u32 = libc::IPPROTO_TCP as u32;

/// Where a jump goes: the next instruction, or a labelled one further on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Next,
    L(Label),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Kill,
    Allow,
    Eperm,
    Eafnosupport,
    Eopnotsupp,
    Socket,
    Stream,
    Send2,
    Send3,
}

enum Insn {
    Stmt(u16, u32),
    Jump(u16, u32, To, To),
    Here(Label),
}

/// The filter for `rules` on this architecture.
fn program(rules: Rules) -> std::result::Result<Vec<libc::sock_filter>, String> {
    use Insn::*;
    use Label::*;
    use To::{L, Next};
    let audit = arch::AUDIT.ok_or("unsupported architecture")?;
    let tcp = rules.inet == Inet::TcpOnly;
    let mut p = vec![
        Stmt(LD_W_ABS, ARCH),
        Jump(JEQ_K, audit, Next, L(Kill)),
        Stmt(LD_W_ABS, NR),
    ];
    if let Some(bit) = arch::X32_BIT {
        p.push(Jump(JGE_K, bit, L(Kill), Next));
    }
    for nr in arch::IO_URING {
        p.push(Jump(JEQ_K, nr, L(Eperm), Next));
    }
    p.push(Jump(JEQ_K, arch::SOCKET, L(Socket), Next));
    if tcp {
        p.push(Jump(JEQ_K, arch::SENDTO, L(Send3), Next));
        p.push(Jump(JEQ_K, arch::SENDMMSG, L(Send3), Next));
        p.push(Jump(JEQ_K, arch::SENDMSG, L(Send2), Next));
    }
    if rules.listen {
        p.push(Jump(JEQ_K, arch::LISTEN, L(Eperm), Next));
    }
    p.push(Stmt(RET_K, RET_ALLOW));

    // socket(family, type, protocol)
    p.push(Here(Socket));
    p.push(Stmt(LD_W_ABS, arg(0)));
    let unix = if rules.unix { L(Eperm) } else { L(Allow) };
    p.push(Jump(JEQ_K, AF_UNIX, unix, Next));
    match rules.inet {
        Inet::Open => p.push(Stmt(RET_K, RET_ALLOW)),
        Inet::Denied => p.push(Stmt(RET_K, RET_ERRNO | libc::EAFNOSUPPORT as u32)),
        Inet::TcpOnly => p.extend([
            Jump(JEQ_K, AF_INET, L(Stream), Next),
            Jump(JEQ_K, AF_INET6, L(Stream), Next),
            Stmt(RET_K, RET_ERRNO | libc::EAFNOSUPPORT as u32),
            Here(Stream),
            Stmt(LD_W_ABS, arg(1)),
            Stmt(AND_K, SOCK_TYPE_MASK),
            Jump(JEQ_K, SOCK_STREAM, Next, L(Eperm)),
            Stmt(LD_W_ABS, arg(2)),
            Jump(JEQ_K, 0, L(Allow), Next),
            Jump(JEQ_K, IPPROTO_TCP, L(Allow), L(Eperm)),
        ]),
    }
    if tcp {
        // sendto(fd, buf, len, flags, …), sendmmsg(fd, vec, n, flags): flags is argument 3;
        // sendmsg(fd, msg, flags): argument 2.
        p.extend([
            Here(Send3),
            Stmt(LD_W_ABS, arg(3)),
            Jump(JSET_K, MSG_FASTOPEN, L(Eopnotsupp), L(Allow)),
            Here(Send2),
            Stmt(LD_W_ABS, arg(2)),
            Jump(JSET_K, MSG_FASTOPEN, L(Eopnotsupp), L(Allow)),
        ]);
    }
    p.extend([
        Here(Kill),
        Stmt(RET_K, RET_KILL_PROCESS),
        Here(Eperm),
        Stmt(RET_K, RET_ERRNO | libc::EPERM as u32),
        Here(Eafnosupport),
        Stmt(RET_K, RET_ERRNO | libc::EAFNOSUPPORT as u32),
        Here(Eopnotsupp),
        Stmt(RET_K, RET_ERRNO | libc::EOPNOTSUPP as u32),
        Here(Allow),
        Stmt(RET_K, RET_ALLOW),
    ]);
    assemble(&p)
}

/// Resolve labels into the relative forward offsets of classic BPF.
fn assemble(p: &[Insn]) -> std::result::Result<Vec<libc::sock_filter>, String> {
    let mut at = Vec::new();
    let mut n = 0usize;
    for i in p {
        match i {
            Insn::Here(l) => at.push((*l, n)),
            _ => n += 1,
        }
    }
    let mut out = Vec::with_capacity(n);
    for i in p {
        let here = out.len();
        let off = |to: &To| -> std::result::Result<u8, String> {
            match to {
                To::Next => Ok(0),
                To::L(l) => {
                    let target = at
                        .iter()
                        .find(|(x, _)| x == l)
                        .map(|(_, n)| *n)
                        .ok_or_else(|| format!("label {l:?} is missing"))?;
                    target
                        .checked_sub(here + 1)
                        .and_then(|d| u8::try_from(d).ok())
                        .ok_or_else(|| format!("jump to {l:?} is out of reach"))
                }
            }
        };
        match i {
            Insn::Here(_) => {}
            Insn::Stmt(code, k) => out.push(libc::sock_filter {
                code: *code,
                jt: 0,
                jf: 0,
                k: *k,
            }),
            Insn::Jump(code, k, jt, jf) => out.push(libc::sock_filter {
                code: *code,
                jt: off(jt)?,
                jf: off(jf)?,
                k: *k,
            }),
        }
    }
    Ok(out)
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
mod tests {
    use super::*;

    /// Run a program the way the kernel does, on one system call.
    fn eval(prog: &[libc::sock_filter], arch_: u32, nr: u32, args: [u32; 6]) -> u32 {
        let word = |off: u32| match off {
            NR => nr,
            ARCH => arch_,
            o => (0..6)
                .find(|&i| arg(i) == o)
                .map(|i| args[i as usize])
                .unwrap(),
        };
        let (mut a, mut pc) = (0u32, 0usize);
        loop {
            let i = &prog[pc];
            pc += 1;
            match i.code {
                LD_W_ABS => a = word(i.k),
                AND_K => a &= i.k,
                RET_K => return i.k,
                JEQ_K | JGE_K | JSET_K => {
                    let taken = match i.code {
                        JEQ_K => a == i.k,
                        JGE_K => a >= i.k,
                        _ => a & i.k != 0,
                    };
                    pc += if taken { i.jt } else { i.jf } as usize;
                }
                c => panic!("unknown instruction {c:#x}"),
            }
        }
    }

    const EPERM: u32 = RET_ERRNO | libc::EPERM as u32;
    const EAFNO: u32 = RET_ERRNO | libc::EAFNOSUPPORT as u32;
    const EOPNO: u32 = RET_ERRNO | libc::EOPNOTSUPP as u32;

    fn socket(family: i32, ty: i32, proto: i32) -> (u32, [u32; 6]) {
        (
            arch::SOCKET,
            [family as u32, ty as u32, proto as u32, 0, 0, 0],
        )
    }

    #[test]
    fn decisions() {
        let native = arch::AUDIT.unwrap();
        let open = Rules {
            unix: false,
            inet: Inet::Open,
            listen: false,
        };
        let default = Rules { unix: true, ..open };
        let none = Rules {
            unix: true,
            inet: Inet::Denied,
            listen: false,
        };
        let ports = Rules {
            unix: true,
            inet: Inet::TcpOnly,
            listen: true,
        };
        let (u, i4, i6, nl) = (
            libc::AF_UNIX,
            libc::AF_INET,
            libc::AF_INET6,
            libc::AF_NETLINK,
        );
        let (st, dg, raw) = (libc::SOCK_STREAM, libc::SOCK_DGRAM, libc::SOCK_RAW);
        let nb = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        type Call = (u32, [u32; 6]);
        let table: &[(Rules, Call, u32)] = &[
            (open, socket(u, st, 0), RET_ALLOW),
            (open, socket(i4, dg, 0), RET_ALLOW),
            (open, socket(nl, raw, 0), RET_ALLOW),
            (open, (arch::IO_URING[0], [0; 6]), EPERM),
            (open, (arch::IO_URING[1], [0; 6]), EPERM),
            (open, (arch::IO_URING[2], [0; 6]), EPERM),
            (default, socket(u, st, 0), EPERM),
            (default, socket(u, dg, 0), EPERM),
            (default, socket(i4, st, 0), RET_ALLOW),
            (
                default,
                (
                    libc::SYS_socketpair as u32,
                    [u as u32, st as u32, 0, 0, 0, 0],
                ),
                RET_ALLOW,
            ),
            (none, socket(i4, st, 0), EAFNO),
            (none, socket(i6, st, libc::IPPROTO_TCP), EAFNO),
            (none, socket(nl, raw, 0), EAFNO),
            (none, socket(libc::AF_PACKET, raw, 0), EAFNO),
            (none, socket(libc::AF_VSOCK, st, 0), EAFNO),
            (none, socket(u, st, 0), EPERM),
            (
                none,
                (arch::SENDTO, [3, 0, 0, MSG_FASTOPEN, 0, 0]),
                RET_ALLOW,
            ),
            (ports, socket(i4, st, 0), RET_ALLOW),
            (ports, socket(i6, nb, libc::IPPROTO_TCP), RET_ALLOW),
            (ports, socket(i4, dg, 0), EPERM),
            (ports, socket(i6, dg, libc::IPPROTO_UDP), EPERM),
            (ports, socket(i4, raw, libc::IPPROTO_ICMP), EPERM),
            (ports, socket(i4, st, 262), EPERM), // IPPROTO_MPTCP
            (ports, socket(i4, st, libc::IPPROTO_SCTP), EPERM),
            (ports, socket(nl, raw, 0), EAFNO),
            (ports, (arch::SENDTO, [3, 0, 0, MSG_FASTOPEN, 0, 0]), EOPNO),
            (
                ports,
                (arch::SENDTO, [3, 0, 0, libc::MSG_DONTWAIT as u32, 0, 0]),
                RET_ALLOW,
            ),
            (
                ports,
                (arch::SENDMMSG, [3, 0, 0, MSG_FASTOPEN, 0, 0]),
                EOPNO,
            ),
            (ports, (arch::SENDMSG, [3, 0, MSG_FASTOPEN, 0, 0, 0]), EOPNO),
            (
                ports,
                (arch::SENDMSG, [3, 0, 0, MSG_FASTOPEN, 0, 0]),
                RET_ALLOW,
            ),
            (ports, (arch::LISTEN, [3, 5, 0, 0, 0, 0]), EPERM),
            (
                ports,
                (libc::SYS_connect as u32, [3, 0, 0, 0, 0, 0]),
                RET_ALLOW,
            ),
        ];
        for (rules, (nr, args), want) in table {
            let prog = program(*rules).unwrap();
            assert_eq!(
                eval(&prog, native, *nr, *args),
                *want,
                "{rules:?} nr {nr} {args:?}"
            );
        }
        // a foreign architecture is killed, whatever the call
        let prog = program(open).unwrap();
        assert_eq!(eval(&prog, 0x4000_0003, 1, [0; 6]), RET_KILL_PROCESS); // AUDIT_ARCH_I386
        if let Some(bit) = arch::X32_BIT {
            assert_eq!(
                eval(&prog, native, bit | arch::SOCKET, [0; 6]),
                RET_KILL_PROCESS
            );
        }
        assert_eq!(
            eval(&prog, native, libc::SYS_read as u32, [0; 6]),
            RET_ALLOW
        );
    }

    #[test]
    fn denies_lists_each_decision() {
        let p = SeccompPlan {
            unavailable: None,
            rules: Rules {
                unix: true,
                inet: Inet::TcpOnly,
                listen: true,
            },
        };
        let d = p.denies().join("\n");
        for want in ["io_uring", "AF_UNIX", "MSG_FASTOPEN", "listen", "UDP"] {
            assert!(d.contains(want), "{want} in {d}");
        }
    }
}
