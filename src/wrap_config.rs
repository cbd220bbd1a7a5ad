//! `mcpjail wrap-config FILE [OPTIONS] [--write] [--unwrap]`: put mcpjail in front of every
//! stdio server of a client config, or take it away again.
//!
//! Client configs (Claude Desktop, Cursor: `mcpServers` object; VS Code: `servers` or
//! `mcp.servers`): the server's command becomes mcpjail's absolute path and its args become
//! OPTIONS, `--env KEY` for each of its env keys (sandbox and docker pass only named variables;
//! the values stay in the config), `--`, then the original command and args. mcpproxy configs
//! (`mcpServers` list): mcpproxy spawns through its own isolation settings, so the server gets
//! an `isolation` object instead, and the one it had is kept under `mcpjail_wrapped` so that
//! `--unwrap` can put it back exactly.
//!
//! Every other key keeps its value and its place (serde_json's `preserve_order`), and the file
//! keeps its indentation and line ends, so wrap then unwrap gives back the same bytes for a file
//! in this layout. Nothing is written unless the whole file could be rewritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::cli::flags::{self, Id};
use crate::cli::{self, Cli};
use crate::error::{Error, Result, bail};

/// The per-server key that marks an mcpproxy server as wrapped and holds what its `isolation`
/// was before (`{}` when it had none).
const MARKER: &str = "mcpjail_wrapped";

#[inline(never)] // not on the launch path (see main.rs)
pub fn run(cli: &Cli) -> Result<i32> {
    let Some(path) = cli.file.as_deref() else {
        bail!(
            "wrap-config needs FILE (usage: mcpjail wrap-config FILE [OPTIONS] [--write] [--unwrap])"
        );
    };
    let options = run_options(cli)?;
    if cli.unwrap
        && let Some(first) = options.first()
    {
        bail!("--unwrap takes no run options (got {first}); it restores the original commands");
    }
    let shown = path.display();
    let original =
        std::fs::read(path).map_err(|e| Error::new(format!("{shown}: cannot read: {e}")))?;
    let text = std::str::from_utf8(&original)
        .map_err(|_| Error::new(format!("{shown}: not UTF-8 text")))?;
    let mut root: Value = serde_json::from_str(text)
        .map_err(|e| Error::new(format!("{shown}: not valid JSON: {e}")))?;

    let exe = self_path()?;
    let job = Job {
        exe: &exe,
        options: &options,
        only: cli.server.as_deref(),
        unwrap: cli.unwrap,
    };
    let report = rewrite(&mut root, &job).map_err(|e| Error::new(format!("{shown}: {e}")))?;

    let new = render(&root, text);
    let changed = new.as_bytes() != original.as_slice();
    if cli.write {
        if changed {
            let backup = write_in_place(path, &original, &new)?;
            summary(
                cli,
                &format!(
                    "{shown}: {}; the previous version is in {}",
                    report.describe(),
                    backup.display()
                ),
            );
        } else {
            summary(
                cli,
                &format!(
                    "{shown}: {}; nothing to change, file left as it was",
                    report.describe()
                ),
            );
        }
    } else {
        write_stdout(&new)?;
        summary(cli, &format!("{shown}: {}", report.describe()));
    }
    Ok(0)
}

/// `print!`, flushed: with mcpjail's own C `main` nothing flushes stdout at exit, and a config
/// without a final newline would lose its last line.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::new(format!("cannot write to stdout: {e}")))
}

/// A line on stderr about what was done (stdout may be the rewritten config).
fn summary(cli: &Cli, line: &str) {
    if !cli.quiet {
        eprintln!("mcpjail: {line}");
    }
}

/// The options to write into each server, long form, as given (paths made absolute: the client
/// starts servers from a directory of its own choosing). `--write`, `--unwrap`, `--server` and
/// the logging options steer wrap-config itself.
fn run_options(cli: &Cli) -> Result<Vec<String>> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::new(format!("cannot read the current directory: {e}")))?;
    let mut out = Vec::new();
    for (flag, value) in &cli.given {
        if matches!(
            flag.id,
            Id::Write | Id::Unwrap | Id::Server | Id::LogLevel | Id::Verbose | Id::Quiet
        ) {
            continue;
        }
        out.push(format!("--{}", flag.long));
        if let Some(v) = value {
            let is_path = matches!(flag.value, flags::Value::Path | flags::Value::File);
            out.push(if is_path {
                cwd.join(v).to_string_lossy().into_owned()
            } else {
                v.clone()
            });
        }
    }
    Ok(out)
}

/// mcpjail's own absolute path, symlinks resolved: what the client will execute.
fn self_path() -> Result<String> {
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| {
            Error::new(format!(
                "cannot find mcpjail's own path (/proc/self/exe): {e}"
            ))
        })?;
    exe.into_os_string()
        .into_string()
        .map_err(|p| Error::new(format!("mcpjail's path {p:?} is not UTF-8")))
}

struct Job<'a> {
    exe: &'a str,
    options: &'a [String],
    only: Option<&'a str>,
    unwrap: bool,
}

#[derive(Default)]
struct Report {
    changed: Vec<String>,
    unchanged: Vec<String>,
    skipped: Vec<(String, &'static str)>,
    unwrap: bool,
}

impl Report {
    fn describe(&self) -> String {
        let list = |v: &[String]| v.join(", ");
        let mut parts = Vec::new();
        if !self.changed.is_empty() {
            parts.push(format!(
                "{} {}",
                if self.unwrap { "unwrapped" } else { "wrapped" },
                list(&self.changed)
            ));
        }
        if !self.unchanged.is_empty() {
            let what = if self.unwrap {
                "not wrapped"
            } else {
                "already wrapped as asked"
            };
            parts.push(format!("{what}: {}", list(&self.unchanged)));
        }
        for (name, why) in &self.skipped {
            parts.push(format!("left {name} as is ({why})"));
        }
        if parts.is_empty() {
            "no servers changed".into()
        } else {
            parts.join("; ")
        }
    }
}

enum Outcome {
    Changed,
    Unchanged,
    Skipped(&'static str),
}

type Step<T> = std::result::Result<T, String>;

fn rewrite(root: &mut Value, job: &Job) -> Step<Report> {
    let root = root
        .as_object_mut()
        .ok_or("expected a JSON object at the top level")?;
    let (key, servers) = if root.contains_key("mcpServers") {
        ("mcpServers", root.get_mut("mcpServers"))
    } else if root.contains_key("servers") {
        ("servers", root.get_mut("servers"))
    } else {
        (
            "mcp.servers",
            root.get_mut("mcp").and_then(|m| m.get_mut("servers")),
        )
    };
    let Some(servers) = servers else {
        return Err("no servers: expected mcpServers (Claude Desktop, Cursor, mcpproxy), servers or mcp.servers (VS Code)".into());
    };
    let mut report = Report {
        unwrap: job.unwrap,
        ..Report::default()
    };
    let mut names = Vec::new();
    let record = |report: &mut Report, name: String, outcome: Outcome| match outcome {
        Outcome::Changed => report.changed.push(name),
        Outcome::Unchanged => report.unchanged.push(name),
        Outcome::Skipped(why) => report.skipped.push((name, why)),
    };
    match servers {
        Value::Array(list) if key == "mcpServers" => {
            if list.is_empty() {
                return Err(format!("no servers: {key} is empty"));
            }
            let settings = if job.unwrap {
                Map::new()
            } else {
                isolation_settings(job.options)?
            };
            for (i, entry) in list.iter_mut().enumerate() {
                let at = format!("{key}[{i}]");
                let entry = entry
                    .as_object_mut()
                    .ok_or_else(|| format!("{at}: expected an object"))?;
                let name = match entry.get("name") {
                    Some(Value::String(n)) => n.clone(),
                    _ => return Err(format!("{at}: has no name")),
                };
                names.push(name.clone());
                if job.only.is_some_and(|o| o != name) {
                    continue;
                }
                let outcome = if job.unwrap {
                    unwrap_mcpproxy(entry, &at)?
                } else {
                    wrap_mcpproxy(entry, &at, &settings)?
                };
                record(&mut report, name, outcome);
            }
        }
        Value::Object(map) => {
            if map.is_empty() {
                return Err(format!("no servers: {key} is empty"));
            }
            for (name, entry) in map.iter_mut() {
                let at = format!("{key}.{name}");
                names.push(name.clone());
                if job.only.is_some_and(|o| o != name) {
                    continue;
                }
                let entry = entry
                    .as_object_mut()
                    .ok_or_else(|| format!("{at}: expected an object"))?;
                let outcome = if job.unwrap {
                    unwrap_client(entry, &at)?
                } else {
                    wrap_client(entry, &at, job)?
                };
                record(&mut report, name.clone(), outcome);
            }
        }
        other => {
            let want = if key == "mcpServers" {
                "a list or an object"
            } else {
                "an object"
            };
            return Err(format!("{key}: expected {want}, found {}", kind(other)));
        }
    }
    if let Some(only) = job.only
        && !names.iter().any(|n| n == only)
    {
        return Err(format!(
            "--server {only}: no such server (it has: {})",
            names.join(", ")
        ));
    }
    Ok(report)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

// ---- client configs -------------------------------------------------------------------------

/// A server the client starts as a process: it has a command, and no other transport.
fn is_stdio(entry: &Map<String, Value>) -> bool {
    let transport = entry
        .get("type")
        .or_else(|| entry.get("transport"))
        .and_then(Value::as_str);
    matches!(entry.get("command"), Some(Value::String(c)) if !c.is_empty())
        && matches!(transport, None | Some("stdio"))
}

fn is_mcpjail(command: &str) -> bool {
    Path::new(command)
        .file_name()
        .is_some_and(|n| n == "mcpjail")
}

fn strings(v: Option<&Value>, at: &str) -> Step<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{at}[{i}]: expected a string"))
            })
            .collect(),
        Some(other) => Err(format!(
            "{at}: expected a list of strings, found {}",
            kind(other)
        )),
    }
}

/// The args of a server wrapped by mcpjail, split into mcpjail's options and the original
/// COMMAND and args; None when they do not read as `mcpjail [OPTIONS] [--] COMMAND…`.
fn split_wrapped(args: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let parsed = cli::parse(args.iter().cloned()).ok()?;
    if parsed.command != cli::Command::Run || parsed.argv.is_empty() || parsed.info.is_some() {
        return None;
    }
    let mut options = args[..args.len() - parsed.argv.len()].to_vec();
    if options.last().is_some_and(|a| a == "--") {
        options.pop();
    }
    Some((options, parsed.argv))
}

/// OPTIONS, `--env KEY` for each configured env key not already named, `--`, COMMAND, args.
fn wrapped_args(
    job: &Job,
    entry: &Map<String, Value>,
    at: &str,
    original: &[String],
) -> Step<Vec<String>> {
    let mut args = job.options.to_vec();
    if let Some(env) = entry.get("env") {
        let env = env
            .as_object()
            .ok_or_else(|| format!("{at}.env: expected an object, found {}", kind(env)))?;
        for key in env.keys() {
            if !cli::valid_env_key(key) {
                return Err(format!(
                    "{at}.env.{key}: not a valid environment variable name"
                ));
            }
            let named = job.options.windows(2).any(|w| {
                w[0] == "--env"
                    && (w[1] == *key || w[1].split_once('=').is_some_and(|(k, _)| k == key))
            });
            if !named {
                args.extend(["--env".to_string(), key.clone()]);
            }
        }
    }
    if entry.contains_key("envFile") {
        log::warn!(
            "{at}: variables from envFile reach the server only in mode none; name them with --env KEY"
        );
    }
    args.push("--".into());
    args.extend_from_slice(original);
    Ok(args)
}

fn wrap_client(entry: &mut Map<String, Value>, at: &str, job: &Job) -> Step<Outcome> {
    if !is_stdio(entry) {
        return Ok(Outcome::Skipped("not a stdio server"));
    }
    let command = entry["command"].as_str().unwrap_or_default().to_string();
    let args = strings(entry.get("args"), &format!("{at}.args"))?;
    let original = if is_mcpjail(&command) {
        match split_wrapped(&args) {
            Some((_, original)) => original,
            None => {
                return Ok(Outcome::Skipped(
                    "runs mcpjail in a form wrap-config does not rewrite",
                ));
            }
        }
    } else {
        std::iter::once(command.clone())
            .chain(args.iter().cloned())
            .collect()
    };
    let new_args = wrapped_args(job, entry, at, &original)?;
    if command == job.exe && args == new_args {
        return Ok(Outcome::Unchanged);
    }
    entry.insert("command".into(), Value::String(job.exe.to_string()));
    let new_args = Value::from(new_args);
    match entry.get_mut("args") {
        Some(slot) => *slot = new_args,
        None => {
            let after_command = entry
                .keys()
                .position(|k| k == "command")
                .map_or(entry.len(), |i| i + 1);
            entry.shift_insert(after_command, "args".into(), new_args);
        }
    }
    Ok(Outcome::Changed)
}

fn unwrap_client(entry: &mut Map<String, Value>, at: &str) -> Step<Outcome> {
    if !entry
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_mcpjail)
    {
        return Ok(Outcome::Unchanged);
    }
    let args = strings(entry.get("args"), &format!("{at}.args"))?;
    let Some((_, original)) = split_wrapped(&args) else {
        return Ok(Outcome::Skipped(
            "runs mcpjail in a form wrap-config does not rewrite",
        ));
    };
    entry.insert("command".into(), Value::String(original[0].clone()));
    // No args at all: the key goes too (wrap added it; `"args": []` means the same).
    if original.len() == 1 {
        entry.shift_remove("args");
    } else {
        entry.insert("args".into(), Value::from(original[1..].to_vec()));
    }
    Ok(Outcome::Changed)
}

// ---- mcpproxy -------------------------------------------------------------------------------

/// The run options as per-server `isolation` keys; options without one are an error (mcpproxy
/// starts the server itself, so they would have nowhere to go). Without `--mode`: sandbox.
fn isolation_settings(options: &[String]) -> Step<Map<String, Value>> {
    let mut out = Map::new();
    out.insert("mode".into(), Value::from("sandbox"));
    let mut i = 0;
    while i < options.len() {
        let long = options[i].trim_start_matches("--");
        let flag = flags::by_long(long).ok_or_else(|| format!("unknown option {}", options[i]))?;
        let value = if flag.takes_value() {
            options.get(i + 1).cloned()
        } else {
            None
        };
        i += if flag.takes_value() { 2 } else { 1 };
        let v = value.unwrap_or_default();
        let push = |out: &mut Map<String, Value>, key: &str, v: String| {
            let list = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = list {
                a.push(Value::String(v));
            }
        };
        match flag.id {
            Id::Mode => {
                out.insert("mode".into(), Value::String(v));
            }
            Id::Image => {
                out.insert("image".into(), Value::String(v));
            }
            Id::Network => {
                out.insert("network_mode".into(), Value::String(v));
            }
            Id::Workdir => {
                out.insert("working_dir".into(), Value::String(v));
            }
            Id::DockerArg => push(&mut out, "extra_args", v),
            Id::Ro => push(&mut out, "ro_paths", v),
            Id::Rw => push(&mut out, "rw_paths", v),
            _ => {
                return Err(format!(
                    "--{}: an mcpproxy config has no per-server isolation key for it (wrap-config writes \
                     --mode, --image, --network, --workdir, --docker-arg, --ro and --rw there)",
                    flag.long
                ));
            }
        }
    }
    Ok(out)
}

fn wrap_mcpproxy(
    entry: &mut Map<String, Value>,
    at: &str,
    settings: &Map<String, Value>,
) -> Step<Outcome> {
    if !is_stdio_mcpproxy(entry) {
        return Ok(Outcome::Skipped("not a stdio server"));
    }
    if entry
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_mcpjail)
    {
        return Ok(Outcome::Skipped("its command is mcpjail already"));
    }
    // What the server's isolation was before mcpjail touched it.
    let before = match entry.get(MARKER) {
        Some(Value::Object(m)) => m.get("isolation").cloned(),
        Some(other) => {
            return Err(format!(
                "{at}.{MARKER}: expected an object, found {}",
                kind(other)
            ));
        }
        None => entry.get("isolation").cloned(),
    };
    let mut isolation = match &before {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(format!(
                "{at}.isolation: expected an object, found {}",
                kind(other)
            ));
        }
    };
    for (k, v) in settings {
        isolation.insert(k.clone(), v.clone());
    }
    let isolation = Value::Object(isolation);
    if entry.contains_key(MARKER) && entry.get("isolation") == Some(&isolation) {
        return Ok(Outcome::Unchanged);
    }
    if !entry.contains_key(MARKER) {
        let mut saved = Map::new();
        if let Some(b) = before {
            saved.insert("isolation".into(), b);
        }
        // The isolation goes where it was (or at the end), the marker after everything.
        entry.insert("isolation".into(), isolation);
        entry.insert(MARKER.into(), Value::Object(saved));
    } else {
        entry.insert("isolation".into(), isolation);
    }
    Ok(Outcome::Changed)
}

fn is_stdio_mcpproxy(entry: &Map<String, Value>) -> bool {
    let protocol = entry.get("protocol").and_then(Value::as_str);
    matches!(entry.get("command"), Some(Value::String(c)) if !c.is_empty())
        && !matches!(protocol, Some("http" | "sse" | "streamable-http"))
}

fn unwrap_mcpproxy(entry: &mut Map<String, Value>, at: &str) -> Step<Outcome> {
    let saved = match entry.get(MARKER) {
        None => return Ok(Outcome::Unchanged),
        Some(Value::Object(m)) => m.get("isolation").cloned(),
        Some(other) => {
            return Err(format!(
                "{at}.{MARKER}: expected an object, found {}",
                kind(other)
            ));
        }
    };
    match saved {
        Some(v) => {
            entry.insert("isolation".into(), v);
        }
        None => {
            entry.shift_remove("isolation");
        }
    }
    entry.shift_remove(MARKER);
    Ok(Outcome::Changed)
}

// ---- output ---------------------------------------------------------------------------------

/// Pretty JSON in the original's layout: its indent unit (tabs, or the smallest indentation of
/// a line, up to 8 spaces), its line ends, and a final newline if it had one.
fn render(root: &Value, original: &str) -> String {
    let indents = original.lines().skip(1).filter_map(|l| {
        let ws: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        (!ws.is_empty() && ws.len() < l.trim_end().len()).then_some(ws)
    });
    let indent = match indents.min_by_key(String::len) {
        Some(ws) if ws.starts_with('\t') => "\t".to_string(),
        Some(ws) if ws.len() <= 8 && !ws.contains('\t') => ws,
        _ => "  ".to_string(),
    };
    // serde_json indents by two spaces; strings never hold a raw newline, so every leading
    // space of a line is indentation and can be re-cut.
    let pretty = serde_json::to_string_pretty(root).unwrap_or_default();
    let crlf = original.contains("\r\n");
    let mut out = String::with_capacity(pretty.len());
    for (i, line) in pretty.split('\n').enumerate() {
        if i > 0 {
            out.push_str(if crlf { "\r\n" } else { "\n" });
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&indent.repeat(spaces / 2));
        out.push_str(&line[spaces..]);
    }
    if original.ends_with('\n') {
        out.push_str(if crlf { "\r\n" } else { "\n" });
    }
    out
}

/// Replace FILE with `new`: first its current bytes to FILE.bak, then `new` to a temporary file
/// in the same directory, renamed over FILE (atomic: readers see the old or the new file, never
/// a part). A symlink is followed, so the link stays a link. Returns the backup's path.
fn write_in_place(path: &Path, original: &[u8], new: &str) -> Result<PathBuf> {
    let shown = path.display();
    let target = std::fs::canonicalize(path).map_err(|e| Error::new(format!("{shown}: {e}")))?;
    let dir = target.parent().unwrap_or(Path::new("/")).to_path_buf();
    use nix::unistd::{AccessFlags, access};
    access(&target, AccessFlags::W_OK)
        .map_err(|e| Error::new(format!("{shown}: not writable: {}", e.desc())))?;
    access(&dir, AccessFlags::W_OK).map_err(|e| {
        Error::new(format!(
            "{shown}: directory {} is not writable ({}); it must hold FILE.bak and the replacement",
            dir.display(),
            e.desc()
        ))
    })?;
    let meta = std::fs::metadata(&target).map_err(|e| Error::new(format!("{shown}: {e}")))?;
    let mut bak_name = target.file_name().unwrap_or_default().to_os_string();
    bak_name.push(".bak");
    let backup = dir.join(bak_name);
    replace(&dir, &backup, original, &meta)
        .map_err(|e| Error::new(format!("{}: cannot write: {e}", backup.display())))?;
    replace(&dir, &target, new.as_bytes(), &meta)
        .map_err(|e| Error::new(format!("{shown}: cannot write: {e}")))?;
    Ok(backup)
}

/// Write `bytes` to a new file in `dir`, with the mode and owner of `like`, flush it to disk and
/// rename it to `dest`.
fn replace(dir: &Path, dest: &Path, bytes: &[u8], like: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.mcpjail-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        // Same owner as the file it replaces (when run as root on a user's config); a failure
        // here leaves the file owned by whoever ran mcpjail, which can still read it.
        let _ = std::os::unix::fs::fchown(&f, Some(like.uid()), Some(like.gid()));
        f.set_permissions(std::fs::Permissions::from_mode(like.mode() & 0o7777))?;
        f.sync_all()?;
        std::fs::rename(&tmp, dest)?;
        // The rename itself is durable once the directory is.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job<'a>(exe: &'a str, options: &'a [String], unwrap: bool) -> Job<'a> {
        Job {
            exe,
            options,
            only: None,
            unwrap,
        }
    }

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn split_wrapped_args() {
        let (o, c) = split_wrapped(&opts(&["--mode", "none", "--", "npx", "-y", "x"])).unwrap();
        assert_eq!(
            (o, c),
            (opts(&["--mode", "none"]), opts(&["npx", "-y", "x"]))
        );
        let (o, c) = split_wrapped(&opts(&["-m", "none", "cat", "--", "-n"])).unwrap();
        assert_eq!((o, c), (opts(&["-m", "none"]), opts(&["cat", "--", "-n"])));
        let (o, c) = split_wrapped(&opts(&["--", "explain"])).unwrap();
        assert_eq!((o, c), (vec![], opts(&["explain"])));
        assert!(split_wrapped(&opts(&["--server", "x"])).is_none());
        assert!(split_wrapped(&opts(&["explain", "--", "x"])).is_none());
        assert!(split_wrapped(&opts(&["--bogus", "--", "x"])).is_none());
    }

    #[test]
    fn client_wrap_adds_env_keys_and_keeps_order() {
        let mut root =
            json!({"mcpServers": {"fs": {"command": "npx", "env": {"TOKEN": "s3cret"}, "x": 1}}});
        let options = opts(&["--mode", "sandbox", "--env", "TOKEN=other"]);
        rewrite(&mut root, &job("/bin/mcpjail", &options, false)).unwrap();
        let fs = &root["mcpServers"]["fs"];
        let keys: Vec<&String> = fs.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["command", "args", "env", "x"]);
        // TOKEN is named by the user's --env already: not added twice; its value stays in env.
        assert_eq!(
            fs["args"],
            json!(["--mode", "sandbox", "--env", "TOKEN=other", "--", "npx"])
        );
        assert_eq!(fs["env"]["TOKEN"], "s3cret");

        let mut root =
            json!({"mcpServers": {"fs": {"command": "npx", "env": {"TOKEN": "s3cret"}}}});
        rewrite(&mut root, &job("/bin/mcpjail", &[], false)).unwrap();
        assert_eq!(
            root["mcpServers"]["fs"]["args"],
            json!(["--env", "TOKEN", "--", "npx"])
        );
    }

    #[test]
    fn mcpproxy_settings() {
        let s = isolation_settings(&opts(&[
            "--mode", "docker", "--rw", "/d", "--rw", "/e", "--image", "i",
        ]))
        .unwrap();
        assert_eq!(
            Value::Object(s),
            json!({"mode": "docker", "rw_paths": ["/d", "/e"], "image": "i"})
        );
        let s = isolation_settings(&[]).unwrap();
        assert_eq!(Value::Object(s), json!({"mode": "sandbox"}));
        let e = isolation_settings(&opts(&["--memory", "1g"])).unwrap_err();
        assert!(
            e.starts_with("--memory: an mcpproxy config has no per-server isolation key"),
            "{e}"
        );
    }

    #[test]
    fn render_keeps_layout() {
        for original in [
            "{\n    \"a\": [\n        1\n    ]\n}\n",
            "{\n\t\"a\": [\n\t\t1\n\t]\n}",
            "{\r\n  \"a\": [\r\n    1\r\n  ]\r\n}\r\n",
        ] {
            let v: Value = serde_json::from_str(original).unwrap();
            assert_eq!(render(&v, original), original);
        }
        // Hand-aligned continuation lines are no indent unit.
        let hand = "{\"a\": {\"b\": 1,\n                                  \"c\": 2}}";
        let v: Value = serde_json::from_str(hand).unwrap();
        assert!(render(&v, hand).starts_with("{\n  \"a\": {\n    \"b\": 1,"));
        // A one-line file comes back pretty, two spaces.
        let v: Value = serde_json::from_str("{\"a\": 1}").unwrap();
        assert_eq!(render(&v, "{\"a\": 1}"), "{\n  \"a\": 1\n}");
    }

    #[test]
    fn errors_name_the_place() {
        let table: &[(Value, &str)] = &[
            (json!([]), "expected a JSON object at the top level"),
            (json!({"other": 1}), "no servers: expected mcpServers"),
            (json!({"mcpServers": {}}), "no servers: mcpServers is empty"),
            (json!({"mcpServers": []}), "no servers: mcpServers is empty"),
            (
                json!({"mcpServers": 3}),
                "mcpServers: expected a list or an object, found a number",
            ),
            (
                json!({"servers": []}),
                "servers: expected an object, found a list",
            ),
            (
                json!({"mcpServers": {"a": {"command": "x", "args": "y"}}}),
                "mcpServers.a.args: expected a list of strings",
            ),
            (
                json!({"mcpServers": {"a": {"command": "x", "env": {"1A": "v"}}}}),
                "mcpServers.a.env.1A: not a valid",
            ),
            (
                json!({"mcpServers": [{"command": "x"}]}),
                "mcpServers[0]: has no name",
            ),
            (
                json!({"mcpServers": [{"name": "a", "command": "x", "isolation": 3}]}),
                "mcpServers[0].isolation: expected an object",
            ),
        ];
        for (v, want) in table {
            let mut v = v.clone();
            let got = rewrite(&mut v, &job("/m", &[], false))
                .err()
                .unwrap_or_else(|| panic!("{v} rewrote"));
            assert!(got.contains(want), "got {got:?}, want {want:?}");
        }
    }
}
