//! Every option of mcpjail, defined once. The parser, `--help`, the man page and the shell
//! completions are all derived from this table; nothing else may list the options.

/// Which command line an option belongs to (a bit set).
pub type Scope = u8;
pub const RUN: Scope = 1 << 0; // `mcpjail [OPTIONS] -- COMMAND`, `explain` and `wrap-config`
pub const DOCTOR: Scope = 1 << 1;
pub const PS: Scope = 1 << 2;
pub const CLEANUP: Scope = 1 << 3;
pub const WRAP: Scope = 1 << 4;
pub const ALL: Scope = RUN | DOCTOR | PS | CLEANUP | WRAP;

/// What kind of value an option takes; completions use it to offer the right candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    None,
    Path,
    File,
    Mode,
    Level,
    Kind,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Mode,
    Access,
    Network,
    Hardening,
    Resources,
    Docker,
    Output,
    Commands,
}

impl Category {
    pub const ORDER: [Category; 8] = [
        Category::Mode,
        Category::Access,
        Category::Network,
        Category::Hardening,
        Category::Resources,
        Category::Docker,
        Category::Commands,
        Category::Output,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Category::Mode => "Mode and config",
            Category::Access => "Filesystem and environment",
            Category::Network => "Network (sandbox)",
            Category::Hardening => "Sandbox hardening",
            Category::Resources => "Resources",
            Category::Docker => "Docker",
            Category::Commands => "Subcommand options",
            Category::Output => "Output",
        }
    }
}

/// Identity of an option, matched by the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    Mode,
    Config,
    Server,
    Strict,
    Env,
    Ro,
    Rw,
    Network,
    AllowConnect,
    AllowBind,
    AllowUnix,
    Hide,
    KeepCaps,
    User,
    Memory,
    Cpus,
    Image,
    DockerArg,
    Workdir,
    StopTimeout,
    Json,
    All,
    Write,
    Unwrap,
    LogLevel,
    Verbose,
    Quiet,
    Generate,
    Help,
    Version,
}

#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub id: Id,
    pub long: &'static str,
    pub short: Option<char>,
    /// Name of the value in help text (`MODE`, `PATH`), empty for switches.
    pub value_name: &'static str,
    pub value: Value,
    /// Fixed choices for the value, offered by completions and checked by the parser.
    pub choices: &'static [&'static str],
    pub repeatable: bool,
    pub scope: Scope,
    pub category: Category,
    pub help: &'static str,
    /// Longer text for the man page; `help` is used when empty.
    pub long_help: &'static str,
}

impl Flag {
    pub fn takes_value(&self) -> bool {
        self.value != Value::None
    }
}

pub const MODES: &[&str] = &["docker", "sandbox", "none"];
pub const LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];
pub const GENERATE: &[&str] = &["man", "bash", "zsh", "fish"];

/// Subcommands, in the order help lists them.
pub const SUBCOMMANDS: &[(&str, &str)] = &[
    (
        "explain",
        "print the resolved plan as JSON on stdout; run nothing",
    ),
    (
        "doctor",
        "what this host can enforce (Landlock, seccomp, docker, cgroups)",
    ),
    ("ps", "list containers labelled mcpproxy.managed=true"),
    (
        "cleanup",
        "stop and remove managed containers whose owner is gone",
    ),
    (
        "wrap-config",
        "put mcpjail in front of every stdio server of a client config",
    ),
];

// One argument per column of the table: a struct literal per flag would bury the table.
#[allow(clippy::too_many_arguments)]
const fn flag(
    id: Id,
    long: &'static str,
    short: Option<char>,
    value_name: &'static str,
    value: Value,
    scope: Scope,
    category: Category,
    help: &'static str,
) -> Flag {
    Flag {
        id,
        long,
        short,
        value_name,
        value,
        choices: &[],
        repeatable: false,
        scope,
        category,
        help,
        long_help: "",
    }
}

const fn choices(mut f: Flag, choices: &'static [&'static str]) -> Flag {
    f.choices = choices;
    f
}

const fn repeat(mut f: Flag) -> Flag {
    f.repeatable = true;
    f
}

const fn long_help(mut f: Flag, text: &'static str) -> Flag {
    f.long_help = text;
    f
}

use Category as C;
use Value as V;

pub const FLAGS: &[Flag] = &[
    long_help(
        choices(
            flag(
                Id::Mode,
                "mode",
                Some('m'),
                "MODE",
                V::Mode,
                RUN | WRAP,
                C::Mode,
                "isolation mode: docker, sandbox or none",
            ),
            MODES,
        ),
        "Isolation mode. Without --mode the server's isolation.mode, its isolation.enabled, the \
         global docker_isolation.mode and docker_isolation.enabled decide, in that order; a config \
         file that says nothing means none, and no config file at all means sandbox.",
    ),
    flag(
        Id::Config,
        "config",
        Some('c'),
        "FILE",
        V::File,
        RUN | WRAP,
        C::Mode,
        "mcpproxy mcp_config.json or a client config (mcpServers, VS Code servers)",
    ),
    long_help(
        flag(
            Id::Server,
            "server",
            Some('s'),
            "NAME",
            V::Text,
            RUN | CLEANUP | WRAP,
            C::Mode,
            "server name: picks the server in the config; labels the container",
        ),
        "Server name. With a config file it selects the server, which supplies command, args, env \
         and working_dir when no COMMAND is given. Without --config, ~/.mcpproxy/mcp_config.json \
         is read if it exists. For cleanup: only that server's containers.",
    ),
    flag(
        Id::Strict,
        "strict",
        None,
        "",
        V::None,
        RUN | WRAP,
        C::Mode,
        "fail (exit 125) unless every requested protection is enforced",
    ),
    repeat(flag(
        Id::Env,
        "env",
        Some('e'),
        "KEY[=VALUE]",
        V::Text,
        RUN | WRAP,
        C::Access,
        "pass KEY to the server, from mcpjail's environment or with VALUE",
    )),
    repeat(flag(
        Id::Ro,
        "ro",
        None,
        "PATH",
        V::Path,
        RUN | WRAP,
        C::Access,
        "sandbox: read+execute beneath PATH; docker: bind mount PATH read-only",
    )),
    repeat(flag(
        Id::Rw,
        "rw",
        None,
        "PATH",
        V::Path,
        RUN | WRAP,
        C::Access,
        "sandbox: read+write+execute beneath PATH; docker: bind mount PATH",
    )),
    flag(
        Id::Network,
        "network",
        None,
        "MODE",
        V::Text,
        RUN | WRAP,
        C::Network,
        "docker: --network MODE; sandbox: none denies network access",
    ),
    flag(
        Id::AllowConnect,
        "allow-connect",
        None,
        "PORTS",
        V::Text,
        RUN | WRAP,
        C::Network,
        "sandbox: TCP ports (comma separated) that may be connected to",
    ),
    flag(
        Id::AllowBind,
        "allow-bind",
        None,
        "PORTS",
        V::Text,
        RUN | WRAP,
        C::Network,
        "sandbox: TCP ports (comma separated) that may be bound",
    ),
    long_help(
        flag(
            Id::AllowUnix,
            "allow-unix",
            None,
            "",
            V::None,
            RUN | WRAP,
            C::Hardening,
            "sandbox: allow connecting to unix sockets outside the writable paths",
        ),
        "Sandbox: allow unix sockets. By default a pathname unix socket can be connected to only \
         beneath the writable paths (Landlock ABI 9); on older kernels seccomp denies creating unix \
         sockets at all, socketpair() excepted. explain says which applies.",
    ),
    long_help(
        repeat(flag(
            Id::Hide,
            "hide",
            None,
            "PATH",
            V::Path,
            RUN | WRAP,
            C::Hardening,
            "sandbox: make PATH unreadable, like the default secret paths (/proc: other processes' entries)",
        )),
        "Sandbox: make PATH unreadable. Hidden by default: ~/.ssh, ~/.gnupg, ~/.aws, ~/.azure, \
         ~/.config/gcloud, ~/.kube, ~/.docker, ~/.netrc, ~/.git-credentials, ~/.npmrc, ~/.pypirc, \
         ~/.mcpproxy; --ro PATH makes a hidden path readable again. --hide /proc hides other \
         processes' /proc/PID entries and keeps the server's own (processes the server starts \
         cannot read their own).",
    ),
    flag(
        Id::KeepCaps,
        "keep-caps",
        None,
        "",
        V::None,
        RUN | WRAP,
        C::Hardening,
        "sandbox as root: keep capabilities instead of dropping them all",
    ),
    flag(
        Id::User,
        "user",
        None,
        "UID[:GID]",
        V::Text,
        RUN | WRAP,
        C::Hardening,
        "sandbox as root: run the server as UID (and GID), groups cleared",
    ),
    flag(
        Id::Memory,
        "memory",
        None,
        "SIZE",
        V::Text,
        RUN | WRAP,
        C::Resources,
        "memory limit (512m, 1g): docker --memory; sandbox RLIMIT_DATA",
    ),
    flag(
        Id::Cpus,
        "cpus",
        None,
        "N",
        V::Text,
        RUN | WRAP,
        C::Resources,
        "CPU limit (1.0, 0.5): docker --cpus; sandbox cannot enforce it",
    ),
    flag(
        Id::Image,
        "image",
        None,
        "IMAGE",
        V::Text,
        RUN | WRAP,
        C::Docker,
        "docker image, instead of the one chosen from the runtime",
    ),
    repeat(flag(
        Id::DockerArg,
        "docker-arg",
        None,
        "ARG",
        V::Text,
        RUN | WRAP,
        C::Docker,
        "extra argument for docker run (after the config's extra_args)",
    )),
    flag(
        Id::Workdir,
        "workdir",
        None,
        "DIR",
        V::Text,
        RUN | WRAP,
        C::Docker,
        "working directory inside the container",
    ),
    flag(
        Id::StopTimeout,
        "stop-timeout",
        None,
        "DUR",
        V::Text,
        RUN | WRAP,
        C::Docker,
        "how long a stopped container gets before it is killed (default 30s)",
    ),
    flag(
        Id::Json,
        "json",
        None,
        "",
        V::None,
        DOCTOR | PS,
        C::Commands,
        "doctor, ps: print JSON",
    ),
    flag(
        Id::All,
        "all",
        None,
        "",
        V::None,
        CLEANUP,
        C::Commands,
        "cleanup: also remove containers whose owner is alive",
    ),
    flag(
        Id::Write,
        "write",
        None,
        "",
        V::None,
        WRAP,
        C::Commands,
        "wrap-config: edit FILE in place (after saving FILE.bak)",
    ),
    flag(
        Id::Unwrap,
        "unwrap",
        None,
        "",
        V::None,
        WRAP,
        C::Commands,
        "wrap-config: remove mcpjail from every server instead",
    ),
    choices(
        flag(
            Id::LogLevel,
            "log-level",
            None,
            "LEVEL",
            V::Level,
            ALL,
            C::Output,
            "stderr log level: off, error, warn, info, debug, trace",
        ),
        LEVELS,
    ),
    repeat(flag(
        Id::Verbose,
        "verbose",
        Some('v'),
        "",
        V::None,
        ALL,
        C::Output,
        "more log output (repeat for more)",
    )),
    flag(
        Id::Quiet,
        "quiet",
        Some('q'),
        "",
        V::None,
        ALL,
        C::Output,
        "errors only (hides warnings, including unenforced protections)",
    ),
    choices(
        flag(
            Id::Generate,
            "generate",
            None,
            "KIND",
            V::Kind,
            ALL,
            C::Output,
            "print the man page or a completion script: man, bash, zsh, fish",
        ),
        GENERATE,
    ),
    flag(
        Id::Help,
        "help",
        Some('h'),
        "",
        V::None,
        ALL,
        C::Output,
        "print help",
    ),
    flag(
        Id::Version,
        "version",
        Some('V'),
        "",
        V::None,
        ALL,
        C::Output,
        "print version",
    ),
];

pub fn by_long(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.long == name)
}

pub fn by_short(c: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.short == Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in FLAGS.iter().enumerate() {
            for b in &FLAGS[i + 1..] {
                assert_ne!(a.long, b.long);
                assert!(
                    a.short.is_none() || a.short != b.short,
                    "{} and {}",
                    a.long,
                    b.long
                );
                assert_ne!(a.id, b.id);
            }
        }
    }

    #[test]
    fn value_names_match_value_kinds() {
        for f in FLAGS {
            assert_eq!(f.value_name.is_empty(), !f.takes_value(), "--{}", f.long);
        }
    }
}
