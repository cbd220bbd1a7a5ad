//! Resource limits (DESIGN.md, "Resource limits"). Soft and hard limits are set alike: a limit
//! the server could raise again would limit nothing. No limit is ever raised above the hard
//! limit mcpjail inherited.

use nix::sys::resource::{Resource, getrlimit, setrlimit};
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Enough for any stdio server; far below the usual hard limit of 2^20.
pub const NOFILE: u64 = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimits {
    /// No core dumps: a core file would hold the server's secrets (its env, its tokens).
    pub core: u64,
    pub nofile: u64,
    /// `--memory` / `memory_limit`, as RLIMIT_DATA rather than RLIMIT_AS: V8 and JVMs reserve
    /// far more address space than they ever touch, and would fail to start under RLIMIT_AS.
    pub data: Option<u64>,
}

pub fn plan(memory: Option<u64>) -> Rlimits {
    let hard = |r| {
        getrlimit(r)
            .map(|(_, hard)| hard)
            .unwrap_or(libc::RLIM_INFINITY)
    };
    Rlimits {
        core: 0,
        nofile: NOFILE.min(hard(Resource::RLIMIT_NOFILE)),
        data: memory.map(|m| m.min(hard(Resource::RLIMIT_DATA))),
    }
}

impl Rlimits {
    pub fn apply(self) -> Result<()> {
        let set = |r: Resource, name: &str, v: u64| {
            setrlimit(r, v, v).map_err(|e| {
                Error::new(format!("setrlimit {name} {v}: {}", e.desc().to_lowercase()))
            })
        };
        set(Resource::RLIMIT_CORE, "RLIMIT_CORE", self.core)?;
        set(Resource::RLIMIT_NOFILE, "RLIMIT_NOFILE", self.nofile)?;
        if let Some(data) = self.data {
            set(Resource::RLIMIT_DATA, "RLIMIT_DATA", data)?;
        }
        Ok(())
    }

    pub fn to_json(self) -> Value {
        json!({ "core": self.core, "nofile": self.nofile, "data": self.data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_above_the_inherited_hard_limit() {
        let (_, hard_nofile) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        let (_, hard_data) = getrlimit(Resource::RLIMIT_DATA).unwrap();
        let r = plan(Some(u64::MAX - 1));
        assert_eq!(r.core, 0);
        assert_eq!(r.nofile, NOFILE.min(hard_nofile));
        assert_eq!(r.data, Some((u64::MAX - 1).min(hard_data)));
        assert_eq!(plan(None).data, None);
        assert_eq!(
            plan(Some(64 << 20)).data,
            Some((64u64 << 20).min(hard_data))
        );
    }
}
