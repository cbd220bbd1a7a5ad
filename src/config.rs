//! Config files: mcpproxy's `mcp_config.json` (servers as a list, `docker_isolation`, per-server
//! `isolation`), client configs with an `mcpServers` object (Claude Desktop, Cursor) and VS Code's
//! `servers` (in `mcp.json`, or under `mcp` in settings.json).
//!
//! Unknown keys are ignored: these files carry other tools' settings. A known key with the wrong
//! type is an error that names the file and the key's path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::mode::Mode;
use crate::units;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `mcpServers` is a list of `{name, …}` (mcpproxy).
    Mcpproxy,
    /// `mcpServers` is an object keyed by name (Claude Desktop, Cursor, most clients).
    McpServers,
    /// `servers` is an object keyed by name (VS Code).
    VsCode,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Mcpproxy => "mcpproxy",
            Format::McpServers => "mcpServers",
            Format::VsCode => "vscode",
        }
    }
}

/// Global `docker_isolation`. Absent keys stay `None`; defaults are applied where they are used,
/// because sandbox mode must know whether a limit was written or merely defaulted.
#[derive(Debug, Clone, Default)]
pub struct Global {
    pub enabled: Option<bool>,
    pub mode: Option<Mode>,
    pub memory_limit: Option<u64>,
    pub cpu_limit: Option<f64>,
    pub timeout: Option<Duration>,
    pub network_mode: Option<String>,
    pub registry: Option<String>,
    pub default_images: Vec<(String, String)>,
    pub extra_args: Vec<String>,
}

/// Per-server `isolation`.
#[derive(Debug, Clone, Default)]
pub struct Isolation {
    pub enabled: Option<bool>,
    pub mode: Option<Mode>,
    pub image: Option<String>,
    pub network_mode: Option<String>,
    /// Working directory inside the container.
    pub working_dir: Option<String>,
    pub extra_args: Vec<String>,
    /// mcpjail's own keys, the config form of `--ro` and `--rw`.
    pub ro_paths: Vec<PathBuf>,
    pub rw_paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Server {
    pub name: String,
    /// Where the entry sits in the file, for messages: `mcpServers[2]`, `servers.git`.
    pub location: String,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The server's working directory on the host (`working_dir`, or VS Code's `cwd`).
    pub working_dir: Option<PathBuf>,
    pub isolation: Isolation,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub format: Format,
    pub global: Global,
    pub servers: Vec<Server>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("config {}: cannot read: {e}", path.display())))?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::new(format!("config {}: not valid JSON: {e}", path.display())))?;
        let mut config = parse_value(&value)
            .map_err(|e| Error::new(format!("config {}: {e}", path.display())))?;
        config.path = path.to_path_buf();
        Ok(config)
    }

    pub fn server(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.name == name)
    }
}

type Parse<T> = std::result::Result<T, String>;

fn parse_value(root: &Value) -> Parse<Config> {
    let root = root
        .as_object()
        .ok_or("expected a JSON object at the top level")?;
    let global = match present(root, "docker_isolation") {
        Some(v) => parse_global(object(v, "docker_isolation")?)?,
        None => Global::default(),
    };
    let vscode_nested = present(root, "mcp")
        .and_then(|m| m.get("servers"))
        .filter(|v| !v.is_null());
    let (format, servers) = match (
        present(root, "mcpServers"),
        present(root, "servers"),
        vscode_nested,
    ) {
        (Some(Value::Array(list)), _, _) => (Format::Mcpproxy, parse_list(list)?),
        (Some(v @ Value::Object(_)), _, _) => (Format::McpServers, parse_map(v, "mcpServers")?),
        (Some(v), _, _) => return Err(type_error("mcpServers", "a list or an object", v)),
        (None, Some(v), _) => (Format::VsCode, parse_map(v, "servers")?),
        (None, None, Some(v)) => (Format::VsCode, parse_map(v, "mcp.servers")?),
        (None, None, None) => (Format::Mcpproxy, Vec::new()),
    };
    Ok(Config {
        path: PathBuf::new(),
        format,
        global,
        servers,
    })
}

fn parse_global(m: &Map<String, Value>) -> Parse<Global> {
    let at = |k: &str| format!("docker_isolation.{k}");
    let mut g = Global {
        enabled: opt(m, "enabled", &at("enabled"), boolean)?,
        mode: opt(m, "mode", &at("mode"), mode)?,
        memory_limit: opt(m, "memory_limit", &at("memory_limit"), size)?,
        cpu_limit: opt(m, "cpu_limit", &at("cpu_limit"), cpus)?,
        timeout: opt(m, "timeout", &at("timeout"), duration)?,
        network_mode: opt(m, "network_mode", &at("network_mode"), string)?,
        registry: opt(m, "registry", &at("registry"), string)?,
        default_images: Vec::new(),
        extra_args: opt(m, "extra_args", &at("extra_args"), strings)?.unwrap_or_default(),
    };
    if let Some(v) = present(m, "default_images") {
        for (k, v) in object(v, &at("default_images"))? {
            g.default_images
                .push((k.clone(), string(v, &at(&format!("default_images.{k}")))?));
        }
    }
    Ok(g)
}

fn parse_list(list: &[Value]) -> Parse<Vec<Server>> {
    let mut servers = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let location = format!("mcpServers[{i}]");
        let m = object(v, &location)?;
        let name = match m.get("name") {
            Some(n) => string(n, &format!("{location}.name"))?,
            None => return Err(format!("{location}: has no name")),
        };
        servers.push(parse_server(name, location, m)?);
    }
    Ok(servers)
}

fn parse_map(v: &Value, key: &str) -> Parse<Vec<Server>> {
    object(v, key)?
        .iter()
        .map(|(name, v)| {
            let location = format!("{key}.{name}");
            parse_server(name.clone(), location.clone(), object(v, &location)?)
        })
        .collect()
}

fn parse_server(name: String, location: String, m: &Map<String, Value>) -> Parse<Server> {
    let at = |k: &str| format!("{location}.{k}");
    let mut env = Vec::new();
    if let Some(v) = present(m, "env") {
        for (k, v) in object(v, &at("env"))? {
            if !crate::cli::valid_env_key(k) {
                return Err(format!(
                    "{}: not a valid environment variable name",
                    at(&format!("env.{k}"))
                ));
            }
            env.push((k.clone(), string(v, &at(&format!("env.{k}")))?));
        }
    }
    // mcpproxy writes working_dir; VS Code and some clients write cwd.
    let working_dir = match opt(m, "working_dir", &at("working_dir"), string)? {
        Some(d) => Some(d),
        None => opt(m, "cwd", &at("cwd"), string)?,
    };
    let isolation = match present(m, "isolation") {
        Some(v) => parse_isolation(object(v, &at("isolation"))?, &at("isolation"))?,
        None => Isolation::default(),
    };
    Ok(Server {
        command: opt(m, "command", &at("command"), string)?,
        args: opt(m, "args", &at("args"), strings)?.unwrap_or_default(),
        env,
        working_dir: working_dir.filter(|d| !d.is_empty()).map(PathBuf::from),
        isolation,
        name,
        location,
    })
}

fn parse_isolation(m: &Map<String, Value>, location: &str) -> Parse<Isolation> {
    let at = |k: &str| format!("{location}.{k}");
    let paths = |k: &str| -> Parse<Vec<PathBuf>> {
        Ok(opt(m, k, &at(k), strings)?
            .unwrap_or_default()
            .into_iter()
            .map(PathBuf::from)
            .collect())
    };
    Ok(Isolation {
        enabled: opt(m, "enabled", &at("enabled"), boolean)?,
        mode: opt(m, "mode", &at("mode"), mode)?,
        image: opt(m, "image", &at("image"), string)?,
        network_mode: opt(m, "network_mode", &at("network_mode"), string)?,
        working_dir: opt(m, "working_dir", &at("working_dir"), string)?,
        extra_args: opt(m, "extra_args", &at("extra_args"), strings)?.unwrap_or_default(),
        ro_paths: paths("ro_paths")?,
        rw_paths: paths("rw_paths")?,
    })
}

/// A key's value, `null` taken as absent as in `opt`: writers emit it for unset objects too
/// (`"env": null`, `"isolation": null`), which were errors before (found by fuzzing: the
/// `null` branch of `kind` was never reached).
fn present<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

/// A key that may be absent; `null` counts as absent (JSON writers emit it for unset values).
fn opt<T>(
    m: &Map<String, Value>,
    key: &str,
    at: &str,
    read: impl Fn(&Value, &str) -> Parse<T>,
) -> Parse<Option<T>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(v, at).map(Some),
    }
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

fn type_error(at: &str, want: &str, got: &Value) -> String {
    format!("{at}: expected {want}, found {}", kind(got))
}

fn object<'a>(v: &'a Value, at: &str) -> Parse<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| type_error(at, "an object", v))
}

fn string(v: &Value, at: &str) -> Parse<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(at, "a string", v))
}

fn boolean(v: &Value, at: &str) -> Parse<bool> {
    v.as_bool()
        .ok_or_else(|| type_error(at, "true or false", v))
}

fn strings(v: &Value, at: &str) -> Parse<Vec<String>> {
    let list = v
        .as_array()
        .ok_or_else(|| type_error(at, "a list of strings", v))?;
    list.iter()
        .enumerate()
        .map(|(i, v)| string(v, &format!("{at}[{i}]")))
        .collect()
}

fn mode(v: &Value, at: &str) -> Parse<Mode> {
    let s = string(v, at)?;
    Mode::parse(&s)
        .ok_or_else(|| format!("{at}: unknown mode \"{s}\" (expected docker, sandbox or none)"))
}

fn size(v: &Value, at: &str) -> Parse<u64> {
    let s = string(v, at)?;
    units::parse_size(&s).map_err(|e| format!("{at}: \"{s}\": {e}"))
}

/// mcpproxy writes `"cpu_limit": "1.0"`; a plain number is accepted too.
fn cpus(v: &Value, at: &str) -> Parse<f64> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        _ => string(v, at)?,
    };
    units::parse_cpus(&s).map_err(|e| format!("{at}: \"{s}\": {e}"))
}

fn duration(v: &Value, at: &str) -> Parse<Duration> {
    let s = string(v, at)?;
    units::parse_duration(&s).map_err(|e| format!("{at}: \"{s}\": {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Config, String> {
        Config::parse(Path::new("c.json"), text).map_err(|e| e.message)
    }

    #[test]
    fn mcpproxy_list_form() {
        let c = parse(
            r#"{"docker_isolation": {"enabled": true, "mode": "sandbox", "memory_limit": "1g",
                 "cpu_limit": "0.5", "timeout": "60s", "default_images": {"node": "n:1"},
                 "extra_args": ["--cap-drop=ALL"], "unknown": 1},
               "mcpServers": [{"name": "a", "command": "uvx", "args": ["x"], "env": {"K": "v"},
                 "working_dir": "/w", "enabled": true,
                 "isolation": {"mode": "none", "image": "i", "extra_args": ["--x"],
                               "rw_paths": ["/data"]}}]}"#,
        )
        .unwrap();
        assert_eq!(c.format, Format::Mcpproxy);
        assert_eq!(c.global.mode, Some(Mode::Sandbox));
        assert_eq!(c.global.memory_limit, Some(1 << 30));
        assert_eq!(c.global.timeout, Some(Duration::from_secs(60)));
        assert_eq!(
            c.global.default_images,
            [("node".to_string(), "n:1".to_string())]
        );
        let s = c.server("a").unwrap();
        assert_eq!(s.command.as_deref(), Some("uvx"));
        assert_eq!(s.env, [("K".to_string(), "v".to_string())]);
        assert_eq!(s.working_dir, Some(PathBuf::from("/w")));
        assert_eq!(s.isolation.mode, Some(Mode::None));
        assert_eq!(s.isolation.rw_paths, [PathBuf::from("/data")]);
    }

    #[test]
    fn client_forms() {
        let c =
            parse(r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "x"]}}}"#).unwrap();
        assert_eq!(c.format, Format::McpServers);
        assert_eq!(c.server("fs").unwrap().args, ["-y", "x"]);
        let c = parse(r#"{"servers": {"git": {"type": "stdio", "command": "uvx", "cwd": "/r"}, "web": {"type": "http", "url": "http://x"}}}"#).unwrap();
        assert_eq!(c.format, Format::VsCode);
        assert_eq!(
            c.server("git").unwrap().working_dir,
            Some(PathBuf::from("/r"))
        );
        assert_eq!(c.server("web").unwrap().command, None);
        let c = parse(r#"{"editor.fontSize": 12, "mcp": {"servers": {"s": {"command": "x"}}}}"#)
            .unwrap();
        assert_eq!(c.format, Format::VsCode);
        assert!(c.server("s").is_some());
    }

    #[test]
    fn errors_name_the_key() {
        let table: &[(&str, &str)] = &[
            ("[1]", "expected a JSON object at the top level"),
            ("{", "not valid JSON"),
            (
                r#"{"mcpServers": 3}"#,
                "mcpServers: expected a list or an object, found a number",
            ),
            (
                r#"{"mcpServers": [{"name": "a"}, {"name": "b"}, {"name": "c", "isolation": {"mode": "jail"}}]}"#,
                "mcpServers[2].isolation.mode: unknown mode \"jail\"",
            ),
            (
                r#"{"mcpServers": [{"name": "a", "isolation": {"mode": "Docker"}}]}"#,
                "unknown mode \"Docker\"",
            ),
            (
                r#"{"mcpServers": [{"command": "x"}]}"#,
                "mcpServers[0]: has no name",
            ),
            (
                r#"{"mcpServers": {"fs": {"args": "x"}}}"#,
                "mcpServers.fs.args: expected a list of strings, found a string",
            ),
            (
                r#"{"mcpServers": {"fs": {"args": ["x", 1]}}}"#,
                "mcpServers.fs.args[1]: expected a string, found a number",
            ),
            (
                r#"{"mcpServers": {"fs": {"env": {"PORT": 80}}}}"#,
                "mcpServers.fs.env.PORT: expected a string",
            ),
            (
                r#"{"mcpServers": {"fs": {"env": {"A B": "x"}}}}"#,
                "not a valid environment variable name",
            ),
            (
                r#"{"docker_isolation": {"enabled": "yes"}}"#,
                "docker_isolation.enabled: expected true or false, found a string",
            ),
            (
                r#"{"docker_isolation": {"memory_limit": "lots"}}"#,
                "docker_isolation.memory_limit: \"lots\": invalid size",
            ),
            (
                r#"{"docker_isolation": {"cpu_limit": "-1"}}"#,
                "docker_isolation.cpu_limit: \"-1\": invalid CPU count",
            ),
            (
                r#"{"docker_isolation": {"timeout": "forever"}}"#,
                "docker_isolation.timeout: \"forever\": invalid duration",
            ),
            (
                r#"{"docker_isolation": {"default_images": {"node": 20}}}"#,
                "docker_isolation.default_images.node: expected a string",
            ),
            (
                r#"{"servers": {"x": {"isolation": {"extra_args": "--x"}}}}"#,
                "servers.x.isolation.extra_args: expected a list of strings",
            ),
        ];
        for (text, want) in table {
            let got = parse(text).err().unwrap_or_else(|| panic!("{text} parsed"));
            assert!(got.starts_with("config c.json: "), "{got}");
            assert!(got.contains(want), "{text}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn null_objects_are_absent_too() {
        let c = parse(
            r#"{"docker_isolation": null, "mcp": null, "servers": null,
                "mcpServers": [{"name": "a", "env": null, "isolation": null}]}"#,
        )
        .unwrap();
        assert_eq!(c.format, Format::Mcpproxy);
        let s = c.server("a").unwrap();
        assert!(s.env.is_empty() && s.isolation.mode.is_none());
        let c =
            parse(r#"{"mcpServers": null, "docker_isolation": {"default_images": null}}"#).unwrap();
        assert!(c.servers.is_empty() && c.global.default_images.is_empty());
        // a value that must be a string stays an error when null
        assert!(parse(r#"{"mcpServers": {"a": {"env": {"K": null}}}}"#).is_err());
    }

    #[test]
    fn nulls_and_numbers() {
        let c = parse(r#"{"docker_isolation": {"mode": null, "cpu_limit": 2}}"#).unwrap();
        assert_eq!(c.global.mode, None);
        assert_eq!(c.global.cpu_limit, Some(2.0));
    }
}
