//! The command line: argv in, `Cli` out. Only syntax and value checks happen here; what the
//! options mean together is decided in `plan`.

pub mod flags;
pub mod generate;
pub mod help;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result, bail};
use crate::mode::Mode;
use crate::units;
use flags::{Flag, Id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Command {
    #[default]
    Run,
    Explain,
    Doctor,
    Ps,
    Cleanup,
    WrapConfig,
}

impl Command {
    fn from_word(word: &str) -> Option<Command> {
        Some(match word {
            "explain" => Command::Explain,
            "doctor" => Command::Doctor,
            "ps" => Command::Ps,
            "cleanup" => Command::Cleanup,
            "wrap-config" => Command::WrapConfig,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Run => "run",
            Command::Explain => "explain",
            Command::Doctor => "doctor",
            Command::Ps => "ps",
            Command::Cleanup => "cleanup",
            Command::WrapConfig => "wrap-config",
        }
    }

    fn scope(self) -> flags::Scope {
        match self {
            Command::Run | Command::Explain => flags::RUN,
            Command::Doctor => flags::DOCTOR,
            Command::Ps => flags::PS,
            Command::Cleanup => flags::CLEANUP,
            Command::WrapConfig => flags::WRAP,
        }
    }
}

/// What the user asked for instead of running something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Info {
    Help,
    Version,
    Generate(String),
}

/// `KEY` (take the value from mcpjail's environment) or `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvArg {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Cli {
    pub command: Command,
    pub info: Option<Info>,
    pub mode: Option<Mode>,
    pub config: Option<PathBuf>,
    pub server: Option<String>,
    pub strict: bool,
    pub env: Vec<EnvArg>,
    pub ro: Vec<PathBuf>,
    pub rw: Vec<PathBuf>,
    pub network: Option<String>,
    pub allow_connect: Vec<u16>,
    pub allow_bind: Vec<u16>,
    pub allow_unix: bool,
    pub hide: Vec<PathBuf>,
    pub keep_caps: bool,
    pub user: Option<(u32, Option<u32>)>,
    pub memory: Option<u64>,
    pub cpus: Option<f64>,
    pub image: Option<String>,
    pub docker_args: Vec<String>,
    pub workdir: Option<String>,
    pub stop_timeout: Option<Duration>,
    pub json: bool,
    pub all: bool,
    pub write: bool,
    pub unwrap: bool,
    pub log_level: Option<log::LevelFilter>,
    pub verbose: u8,
    pub quiet: bool,
    /// wrap-config's FILE.
    pub file: Option<PathBuf>,
    /// COMMAND and its arguments, exactly as given.
    pub argv: Vec<String>,
    /// The options given, in order, as the user spelled them: `--mode sandbox`. wrap-config
    /// writes these into the configs it rewrites.
    pub given: Vec<(&'static Flag, Option<String>)>,
}

pub fn parse_env() -> Result<Cli> {
    parse(std::env::args_os().skip(1))
}

pub fn parse<I>(args: I) -> Result<Cli>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut p = lexopt::Parser::from_args(args);
    let mut cli = Cli::default();
    let mut subcommand_chosen = false;
    loop {
        // `--` ends the options: every word after it belongs to COMMAND, even `explain`. lexopt
        // hides the `--` itself, so look for it before asking for the next argument (not in the
        // middle of a cluster like `-vq` or after `--strict=x`: no `--` can be there).
        if let Some(mut raw) = p.try_raw_args()
            && raw.next_if(|a| a == "--").is_some()
        {
            cli.argv = raw.map(utf8).collect::<Result<_>>()?;
            break;
        }
        let arg = match p.next().map_err(lexopt_error)? {
            Some(arg) => arg,
            None => break,
        };
        let flag = match arg {
            lexopt::Arg::Short(c) => {
                flags::by_short(c).ok_or_else(|| Error::new(format!("unknown option -{c}")))?
            }
            lexopt::Arg::Long(name) => flags::by_long(name)
                .ok_or_else(|| Error::new(format!("unknown option --{name}")))?,
            lexopt::Arg::Value(word) => {
                let word = utf8(word)?;
                if !subcommand_chosen
                    && cli.command == Command::Run
                    && let Some(cmd) = Command::from_word(&word)
                {
                    cli.command = cmd;
                    subcommand_chosen = true;
                    continue;
                }
                match cli.command {
                    Command::Run | Command::Explain => {
                        // The first word of COMMAND ends the options, like env(1) and bwrap:
                        // `mcpjail ls -la` runs `ls -la`.
                        cli.argv.push(word);
                        for rest in p.raw_args().map_err(lexopt_error)? {
                            cli.argv.push(utf8(rest)?);
                        }
                        break;
                    }
                    Command::WrapConfig if cli.file.is_none() => {
                        cli.file = Some(PathBuf::from(word));
                        continue;
                    }
                    cmd => bail!("unexpected argument '{word}' for {}", cmd.name()),
                }
            }
        };
        let value = if flag.takes_value() {
            Some(utf8(p.value().map_err(lexopt_error)?)?)
        } else {
            None
        };
        apply(&mut cli, flag, value.clone())?;
        cli.given.push((flag, value));
    }
    check_scope(&cli)?;
    Ok(cli)
}

/// Options may come before the subcommand, so whether one belongs is checked at the end.
fn check_scope(cli: &Cli) -> Result<()> {
    if cli.info.is_some() {
        return Ok(());
    }
    let scope = cli.command.scope();
    for (flag, _) in &cli.given {
        if flag.scope & scope == 0 {
            bail!("--{} is not an option of {}", flag.long, cli.command.name());
        }
        if !flag.repeatable && cli.given.iter().filter(|(f, _)| f.id == flag.id).count() > 1 {
            bail!("--{} given more than once", flag.long);
        }
    }
    Ok(())
}

fn apply(cli: &mut Cli, flag: &Flag, value: Option<String>) -> Result<()> {
    let v = value.unwrap_or_default();
    let bad = |what: &str| Error::new(format!("--{} {v}: {what}", flag.long));
    if !flag.choices.is_empty() && !flag.choices.contains(&v.as_str()) {
        return Err(bad(&format!("expected one of {}", flag.choices.join(", "))));
    }
    match flag.id {
        Id::Mode => cli.mode = Mode::parse(&v),
        Id::Config => cli.config = Some(nonempty_path(flag, v)?),
        Id::Server => {
            if v.is_empty() {
                return Err(bad("empty server name"));
            }
            cli.server = Some(v)
        }
        Id::Strict => cli.strict = true,
        Id::Env => cli.env.push(parse_env_arg(&v).map_err(|e| bad(&e))?),
        Id::Ro => cli.ro.push(nonempty_path(flag, v)?),
        Id::Rw => cli.rw.push(nonempty_path(flag, v)?),
        Id::Network => {
            if v.is_empty() {
                return Err(bad("empty network mode"));
            }
            cli.network = Some(v)
        }
        Id::AllowConnect => cli.allow_connect = units::parse_ports(&v).map_err(|e| bad(&e))?,
        Id::AllowBind => cli.allow_bind = units::parse_ports(&v).map_err(|e| bad(&e))?,
        Id::AllowUnix => cli.allow_unix = true,
        Id::Hide => cli.hide.push(nonempty_path(flag, v)?),
        Id::KeepCaps => cli.keep_caps = true,
        Id::User => cli.user = Some(units::parse_user(&v).map_err(|e| bad(&e))?),
        Id::Memory => cli.memory = Some(units::parse_size(&v).map_err(|e| bad(&e))?),
        Id::Cpus => cli.cpus = Some(units::parse_cpus(&v).map_err(|e| bad(&e))?),
        Id::Image => {
            if v.is_empty() {
                return Err(bad("empty image name"));
            }
            cli.image = Some(v)
        }
        Id::DockerArg => cli.docker_args.push(v),
        Id::Workdir => {
            if !v.starts_with('/') {
                return Err(bad("must be an absolute path inside the container"));
            }
            cli.workdir = Some(v)
        }
        Id::StopTimeout => cli.stop_timeout = Some(units::parse_duration(&v).map_err(|e| bad(&e))?),
        Id::Json => cli.json = true,
        Id::All => cli.all = true,
        Id::Write => cli.write = true,
        Id::Unwrap => cli.unwrap = true,
        Id::LogLevel => cli.log_level = v.parse().ok(),
        Id::Verbose => cli.verbose = cli.verbose.saturating_add(1),
        Id::Quiet => cli.quiet = true,
        Id::Generate => cli.info = Some(Info::Generate(v)),
        Id::Help => cli.info = Some(Info::Help),
        Id::Version => cli.info = Some(Info::Version),
    }
    Ok(())
}

fn nonempty_path(flag: &Flag, v: String) -> Result<PathBuf> {
    if v.is_empty() {
        bail!("--{}: empty path", flag.long);
    }
    Ok(PathBuf::from(v))
}

pub fn parse_env_arg(s: &str) -> std::result::Result<EnvArg, String> {
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (s, None),
    };
    if !valid_env_key(key) {
        return Err("not a valid environment variable name".into());
    }
    Ok(EnvArg {
        key: key.to_string(),
        value,
    })
}

/// Names a shell could export: what docker's `-e KEY` and execve both take without surprise.
pub fn valid_env_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn utf8(s: OsString) -> Result<String> {
    s.into_string()
        .map_err(|s| Error::new(format!("argument {s:?} is not valid UTF-8")))
}

fn lexopt_error(e: lexopt::Error) -> Error {
    Error::new(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &[&str]) -> Cli {
        parse(args.iter().copied()).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn err(args: &[&str]) -> String {
        parse(args.iter().copied())
            .err()
            .unwrap_or_else(|| panic!("{args:?} parsed"))
            .message
    }

    #[test]
    fn double_dash_keeps_subcommand_names_as_command() {
        let cli = ok(&["--mode", "none", "--", "explain", "--mode", "x"]);
        assert_eq!(cli.command, Command::Run);
        assert_eq!(cli.argv, ["explain", "--mode", "x"]);
    }

    #[test]
    fn first_word_ends_options() {
        let cli = ok(&["-m", "none", "ls", "-la", "--", "x"]);
        assert_eq!(cli.argv, ["ls", "-la", "--", "x"]);
    }

    #[test]
    fn subcommand_after_options() {
        let cli = ok(&["-v", "explain", "--mode=docker", "--", "node", "a"]);
        assert_eq!(cli.command, Command::Explain);
        assert_eq!(cli.mode, Some(Mode::Docker));
        assert_eq!(cli.verbose, 1);
        assert_eq!(cli.argv, ["node", "a"]);
    }

    #[test]
    fn wrap_config_takes_file_then_options() {
        let cli = ok(&["wrap-config", "f.json", "--mode", "sandbox", "--write"]);
        assert_eq!(cli.command, Command::WrapConfig);
        assert_eq!(cli.file, Some(PathBuf::from("f.json")));
        assert!(cli.write);
    }

    #[test]
    fn clustered_shorts() {
        let cli = ok(&["-vvq", "--", "x"]);
        assert_eq!(cli.verbose, 2);
        assert!(cli.quiet);
    }

    #[test]
    fn env_args() {
        let cli = ok(&["-e", "A", "--env=B=x=y", "-e", "C=", "--", "x"]);
        let got: Vec<_> = cli
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_deref()))
            .collect();
        assert_eq!(got, [("A", None), ("B", Some("x=y")), ("C", Some(""))]);
    }

    #[test]
    fn bad_input() {
        let table: &[(&[&str], &str)] = &[
            (&["--bogus"], "unknown option --bogus"),
            (&["-Z"], "unknown option -Z"),
            (&["--mode"], "missing argument"),
            (
                &["--mode", "jail", "--", "x"],
                "--mode jail: expected one of docker, sandbox, none",
            ),
            (&["--mode", "Docker", "--", "x"], "expected one of"),
            (&["--memory", "12x", "--", "x"], "--memory 12x:"),
            (&["--cpus", "0", "--", "x"], "--cpus 0:"),
            (
                &["--stop-timeout", "soon", "--", "x"],
                "--stop-timeout soon:",
            ),
            (
                &["--allow-connect", "70000", "--", "x"],
                "--allow-connect 70000:",
            ),
            (&["-e", "1A=b", "--", "x"], "--env 1A=b:"),
            (&["--user", "bob", "--", "x"], "--user bob:"),
            (&["--workdir", "rel", "--", "x"], "--workdir rel:"),
            (&["--strict=yes", "--", "x"], "--strict"),
            (&["--json", "--", "x"], "--json is not an option of run"),
            (&["ps", "--rw", "/"], "--rw is not an option of ps"),
            (&["ps", "extra"], "unexpected argument 'extra' for ps"),
            (
                &["--mode", "none", "--mode", "none", "--", "x"],
                "--mode given more than once",
            ),
            (&["--rw", "", "--", "x"], "--rw: empty path"),
        ];
        for (args, want) in table {
            let got = err(args);
            assert!(got.contains(want), "{args:?}: got {got:?}, want {want:?}");
        }
    }
}
