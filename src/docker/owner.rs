//! Who owns a container: mcpjail's pid, plus what tells that pid apart from a later process
//! that reuses it (its start time) and from a process on another machine that talks to the
//! same engine (the kernel's boot id). Labels carry these; `cleanup` reads them back.

use std::fs;

/// The identity written into a container's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    /// Field 22 of /proc/PID/stat: clock ticks after boot when the process started.
    pub start: Option<u64>,
    /// /proc/sys/kernel/random/boot_id: differs on every boot and every machine.
    pub boot: Option<String>,
}

impl Owner {
    pub fn this_process() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid),
            boot: boot_id(),
        }
    }
}

/// Start time of `pid` in clock ticks after boot, from /proc/PID/stat.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// `comm` (field 2) is in parentheses and may itself hold spaces and `)`; fields after the
/// last `)` start at field 3, so starttime (field 22) is the 20th of them.
fn parse_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

pub fn boot_id() -> Option<String> {
    let id = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_string())
}

/// Whether the owner recorded on a container still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    Gone(&'static str),
    /// Cannot be told from here; `cleanup` leaves such containers unless `--all`.
    Unknown(&'static str),
}

impl Liveness {
    pub fn as_str(&self) -> &'static str {
        match self {
            Liveness::Alive => "alive",
            Liveness::Gone(_) => "gone",
            Liveness::Unknown(_) => "unknown",
        }
    }

    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Liveness::Alive => None,
            Liveness::Gone(r) | Liveness::Unknown(r) => Some(r),
        }
    }
}

/// Judge the owner from its labels (raw strings, as read back from the engine).
pub fn liveness(pid: Option<&str>, start: Option<&str>, boot: Option<&str>) -> Liveness {
    let Some(pid) = pid else {
        return Liveness::Unknown("no owner label");
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return Liveness::Unknown("owner label is not a pid");
    };
    if pid == 0 {
        return Liveness::Unknown("owner label is not a pid");
    }
    if let (Some(theirs), Some(ours)) = (boot, boot_id())
        && theirs != ours
    {
        return Liveness::Unknown("owner runs on another machine or ran before a reboot");
    }
    match start_time(pid) {
        None if process_exists(pid) => Liveness::Alive,
        None => Liveness::Gone("no such process"),
        Some(now) => match start.map(str::parse::<u64>) {
            Some(Ok(recorded)) if recorded != now => {
                Liveness::Gone("pid reused by another process")
            }
            _ => Liveness::Alive,
        },
    }
}

/// kill(pid, 0): exists if it succeeds or fails for lack of permission.
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing() {
        let stat =
            "1234 (a b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        assert_eq!(parse_start_time(stat), Some(98765));
        assert_eq!(parse_start_time("1 (x) S 0"), None);
        assert_eq!(parse_start_time("garbage"), None);
    }

    #[test]
    fn this_process_is_alive() {
        let me = Owner::this_process();
        assert!(me.start.is_some());
        let start = me.start.map(|s| s.to_string());
        let pid = me.pid.to_string();
        assert_eq!(
            liveness(Some(&pid), start.as_deref(), me.boot.as_deref()),
            Liveness::Alive
        );
        assert_eq!(liveness(Some(&pid), None, None), Liveness::Alive);
        // same pid, another start time: the pid was reused
        let other = me.start.map(|s| (s + 1).to_string());
        assert!(matches!(
            liveness(Some(&pid), other.as_deref(), None),
            Liveness::Gone(_)
        ));
        // another boot id: cannot tell
        assert!(matches!(
            liveness(Some(&pid), None, Some("not-this-boot")),
            Liveness::Unknown(_)
        ));
    }

    #[test]
    fn missing_or_bad_labels() {
        assert!(matches!(liveness(None, None, None), Liveness::Unknown(_)));
        assert!(matches!(
            liveness(Some("x"), None, None),
            Liveness::Unknown(_)
        ));
        assert!(matches!(
            liveness(Some("0"), None, None),
            Liveness::Unknown(_)
        ));
        // pid_max is at most 2^22: this pid cannot exist
        assert!(matches!(
            liveness(Some("99999999"), None, None),
            Liveness::Gone(_)
        ));
    }
}
