//! Which isolation mode a server runs in, and why. Pure logic: DESIGN.md, "Mode resolution".

use std::fmt;

use crate::config::{Config, Isolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Docker,
    Sandbox,
    None,
}

impl Mode {
    /// Mode strings are case-sensitive, as in mcpproxy.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "docker" => Some(Mode::Docker),
            "sandbox" => Some(Mode::Sandbox),
            "none" => Some(Mode::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Docker => "docker",
            Mode::Sandbox => "sandbox",
            Mode::None => "none",
        }
    }

    /// The legacy boolean `enabled`: true meant "run in docker".
    fn from_enabled(enabled: bool) -> Mode {
        if enabled { Mode::Docker } else { Mode::None }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which step of the resolution (or which gate) decided the mode; `explain` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    ServerMode,
    ServerEnabled,
    GlobalMode,
    GlobalEnabled,
    ConfigWithoutIsolation,
    NoConfig,
    /// Gate: the command is docker itself; it is never wrapped in docker or a sandbox.
    DockerCommand,
    /// Gate: sandbox was asked for on a system without Landlock support in mcpjail.
    Platform,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "--mode",
            Source::ServerMode => "server isolation.mode",
            Source::ServerEnabled => "server isolation.enabled",
            Source::GlobalMode => "docker_isolation.mode",
            Source::GlobalEnabled => "docker_isolation.enabled",
            Source::ConfigWithoutIsolation => "config without isolation settings",
            Source::NoConfig => "default without config",
            Source::DockerCommand => "docker command (never wrapped)",
            Source::Platform => "platform without sandbox support",
        }
    }
}

/// Everything mode resolution looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs {
    pub flag: Option<Mode>,
    pub server_mode: Option<Mode>,
    pub server_enabled: Option<bool>,
    pub global_mode: Option<Mode>,
    pub global_enabled: Option<bool>,
    pub have_config: bool,
}

impl Inputs {
    /// The inputs a run has: the `--mode` flag, the server's `isolation` block (empty without
    /// a config or `--server`) and the config, if there is one.
    pub fn from_config(flag: Option<Mode>, server: &Isolation, config: Option<&Config>) -> Inputs {
        let global = config.map(|c| &c.global);
        Inputs {
            flag,
            server_mode: server.mode,
            server_enabled: server.enabled,
            global_mode: global.and_then(|g| g.mode),
            global_enabled: global.and_then(|g| g.enabled),
            have_config: config.is_some(),
        }
    }
}

/// The seven steps; first match wins.
pub fn resolve(i: &Inputs) -> (Mode, Source) {
    if let Some(m) = i.flag {
        return (m, Source::Flag);
    }
    if let Some(m) = i.server_mode {
        return (m, Source::ServerMode);
    }
    if let Some(e) = i.server_enabled {
        return (Mode::from_enabled(e), Source::ServerEnabled);
    }
    if let Some(m) = i.global_mode {
        return (m, Source::GlobalMode);
    }
    if let Some(e) = i.global_enabled {
        return (Mode::from_enabled(e), Source::GlobalEnabled);
    }
    if i.have_config {
        // mcpproxy's rule: a missing isolation config means none.
        return (Mode::None, Source::ConfigWithoutIsolation);
    }
    // With nothing said at all, a jail confines.
    (Mode::Sandbox, Source::NoConfig)
}

/// The two gates that may override the resolved mode. Returns the warning to show, if any.
pub fn gate(
    resolved: (Mode, Source),
    command_is_docker: bool,
    sandbox_supported: bool,
) -> ((Mode, Source), Option<String>) {
    let (mode, _) = resolved;
    if command_is_docker && mode != Mode::None {
        return ((Mode::None, Source::DockerCommand), None);
    }
    if mode == Mode::Sandbox && !sandbox_supported {
        let warning = "sandbox mode is not available on this system; running as mode none".into();
        return ((Mode::None, Source::Platform), Some(warning));
    }
    (resolved, None)
}

/// `docker`, `/usr/bin/docker`: the docker CLI itself (docker-in-docker prevention).
pub fn is_docker_command(command: &str) -> bool {
    command.rsplit('/').next() == Some("docker")
}

#[cfg(test)]
mod tests {
    use super::Mode::{Docker as D, None as N, Sandbox as S};
    use super::Source::*;
    use super::*;

    #[test]
    #[allow(clippy::type_complexity)] // a table: one tuple per row reads best
    fn resolution_steps() {
        // (flag, server mode, server enabled, global mode, global enabled, config?) => result
        #[rustfmt::skip]
        let table: &[(Option<Mode>, Option<Mode>, Option<bool>, Option<Mode>, Option<bool>, bool, Mode, Source)] = &[
            // 1. the flag wins over everything
            (Some(N), Some(D), Some(true), Some(D), Some(true), true, N, Flag),
            (Some(S), None, None, None, None, false, S, Flag),
            (Some(D), None, None, None, None, true, D, Flag),
            // 2. per-server mode wins over per-server enabled and the globals
            (None, Some(S), Some(true), Some(D), Some(true), true, S, ServerMode),
            (None, Some(N), Some(true), None, None, true, N, ServerMode),
            // 3. per-server legacy enabled: true => docker, false => none
            (None, None, Some(true), Some(S), Some(false), true, D, ServerEnabled),
            (None, None, Some(false), Some(D), Some(true), true, N, ServerEnabled),
            // 4. global mode wins over global enabled
            (None, None, None, Some(S), Some(true), true, S, GlobalMode),
            (None, None, None, Some(D), Some(false), true, D, GlobalMode),
            // 5. global legacy enabled
            (None, None, None, None, Some(true), true, D, GlobalEnabled),
            (None, None, None, None, Some(false), true, N, GlobalEnabled),
            // 6. a config that says nothing means none (mcpproxy back-compat)
            (None, None, None, None, None, true, N, ConfigWithoutIsolation),
            // 7. no config at all: sandbox
            (None, None, None, None, None, false, S, NoConfig),
        ];
        for (i, &(flag, sm, se, gm, ge, cfg, mode, source)) in table.iter().enumerate() {
            let inputs = Inputs {
                flag,
                server_mode: sm,
                server_enabled: se,
                global_mode: gm,
                global_enabled: ge,
                have_config: cfg,
            };
            assert_eq!(resolve(&inputs), (mode, source), "row {i}: {inputs:?}");
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn gates() {
        #[rustfmt::skip]
        let table: &[((Mode, Source), bool, bool, (Mode, Source), bool)] = &[
            // docker-in-docker: a docker command is never wrapped, whatever decided the mode
            ((D, Flag), true, true, (N, DockerCommand), false),
            ((S, NoConfig), true, true, (N, DockerCommand), false),
            ((D, GlobalEnabled), true, false, (N, DockerCommand), false),
            // none stays none, and keeps its source
            ((N, Flag), true, true, (N, Flag), false),
            // sandbox without platform support degrades to none, with a warning
            ((S, Flag), false, false, (N, Platform), true),
            ((S, ServerMode), false, true, (S, ServerMode), false),
            // docker is not affected by sandbox support
            ((D, Flag), false, false, (D, Flag), false),
        ];
        for (i, &(resolved, is_docker, supported, want, warns)) in table.iter().enumerate() {
            let (got, warning) = gate(resolved, is_docker, supported);
            assert_eq!(got, want, "row {i}");
            assert_eq!(warning.is_some(), warns, "row {i}");
        }
    }

    #[test]
    fn docker_command_detection() {
        assert!(is_docker_command("docker"));
        assert!(is_docker_command("/usr/bin/docker"));
        assert!(!is_docker_command("docker-compose"));
        assert!(!is_docker_command("/opt/docker/bin/node"));
        assert!(!is_docker_command("mydocker"));
    }
}
